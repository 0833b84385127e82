#include "ledger/ledger_test_util.h"

#include <gtest/gtest.h>

#include "support/pki/external_verify.h"
#include "svidd/common/atomic_file.h"
#include "svidd/ledger/ledger_event.h"
#include "svidd/ledger/ledger_verifier.h"

namespace svidd::testing {

ledger::CertificateRecord MakeRecord(const std::string& serial_hex, const std::string& spiffe_id,
                                     TimePoint issued_at, std::chrono::seconds ttl) {
  ledger::CertificateRecord r;
  r.serial_hex = serial_hex;
  r.spiffe_id = spiffe_id;
  r.kind = ledger::CertKind::kWorkload;
  r.issued_at = issued_at;
  r.not_before = issued_at - std::chrono::minutes(1);
  r.not_after = issued_at + ttl;
  r.issuer_serial_hex = "0a1b2c";
  r.issuer_subject = "CN=svidd intermediate,O=example.org";
  r.public_key_sha256 = std::string(64, 'e');
  r.key_type = "EC-P256";
  r.auth_method = "kubernetes";
  r.auth_principal = "system:serviceaccount:default:web";
  r.certificate_pem =
      "-----BEGIN CERTIFICATE-----\nplaceholder " + serial_hex + "\n-----END CERTIFICATE-----\n";
  return r;
}

std::unique_ptr<ledger::internal::SqliteLedger> OpenTestLedger(
    const std::filesystem::path& path, ledger::SqliteLedgerOptions options) {
  auto ledger = ledger::internal::SqliteLedger::Open(path, options);
  EXPECT_TRUE(ledger.ok()) << ledger.status();
  return ledger.ok() ? std::move(*ledger) : nullptr;
}

std::string TestSerial(int i) {
  char buf[16];
  std::snprintf(buf, sizeof(buf), "%06x", i);
  return buf;
}

const pki::Authority& TestLedgerAuthority() {
  static const std::shared_ptr<const pki::Authority>* authority =
      new std::shared_ptr<const pki::Authority>(
          MakeTestAuthority(FromUnixSeconds(kBaseUnix)).value());
  return **authority;
}

namespace {

ledger::LedgerVerification VerifyWith(ledger::LedgerVerifierOptions options) {
  EXPECT_TRUE(
      WriteFileAtomically(options.trust_bundle, TestLedgerAuthority().root_bundle_pem()).ok());
  absl::StatusOr<ledger::LedgerVerifier> verifier =
      ledger::LedgerVerifier::Create(std::move(options));
  EXPECT_TRUE(verifier.ok()) << verifier.status();
  if (!verifier.ok()) return {};
  absl::StatusOr<ledger::LedgerVerification> report = verifier->Verify();
  EXPECT_TRUE(report.ok()) << report.status();
  return report.value_or(ledger::LedgerVerification{});
}

}  // namespace

ledger::LedgerVerification VerifyLedgerFile(const std::filesystem::path& db,
                                            ledger::VerificationScope scope) {
  ledger::LedgerVerifierOptions options{db, db.parent_path() / ledger::kLedgerHeadFileName,
                                        db.parent_path() / "root-cert.pem"};
  options.scope = scope;
  return VerifyWith(std::move(options));
}

ledger::LedgerVerification VerifyLedgerUri(const std::string& uri, const std::filesystem::path& dir,
                                           ledger::VerificationScope scope) {
  ledger::LedgerVerifierOptions options{"", dir / ledger::kLedgerHeadFileName,
                                        dir / "root-cert.pem"};
  options.ledger_uri = uri;
  options.scratch_dir = dir;
  options.scope = scope;
  return VerifyWith(std::move(options));
}

}  // namespace svidd::testing
