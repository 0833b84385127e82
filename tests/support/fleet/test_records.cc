#include "support/fleet/test_records.h"

#include "svidd/common/status_macros.h"
#include "svidd/crypto/keys.h"
#include "svidd/crypto/x509_fields.h"
#include "svidd/pki/leaf_profile.h"
#include "svidd/spiffe/spiffe_id.h"

namespace svidd::testing {
namespace {

std::string SerialBytes(const std::string& serial_hex) {
  std::string serial;
  const std::string padded = std::string(32 - serial_hex.size(), '0') + serial_hex;
  for (size_t i = 0; i < padded.size(); i += 2) {
    serial.push_back(static_cast<char>(std::stoi(padded.substr(i, 2), nullptr, 16)));
  }
  return serial;
}

}  // namespace

absl::StatusOr<ledger::CertificateRecord> IssueTestRecord(const pki::Authority& authority,
                                                          const RecordSpec& spec) {
  crypto::EvpPkeyPtr fresh;
  const EVP_PKEY* key = spec.key;
  if (key == nullptr) {
    SVIDD_ASSIGN_OR_RETURN(fresh, GenerateKey(crypto::KeyType::kEcP256));
    key = fresh.get();
  }
  SVIDD_ASSIGN_OR_RETURN(spiffe::SpiffeId id, spiffe::SpiffeId::Parse(spec.spiffe_id));
  const pki::LeafProfile profile{std::move(id), /*dns_names=*/{},
                                 spec.issued_at - std::chrono::minutes(2), spec.not_after,
                                 SerialBytes(spec.serial_hex)};
  SVIDD_ASSIGN_OR_RETURN(pki::IssuedCertificate issued, authority.SignLeaf(profile, key));
  SVIDD_ASSIGN_OR_RETURN(crypto::KeyDescription description, crypto::DescribeKey(key));
  ledger::CertificateRecord r;
  r.serial_hex = issued.serial_hex;
  r.spiffe_id = spec.spiffe_id;
  r.kind = spec.kind;
  r.issued_at = spec.issued_at;
  r.not_before = issued.not_before;
  r.not_after = issued.not_after;
  r.issuer_serial_hex = authority.signer_serial_hex();
  r.issuer_subject = crypto::SubjectString(authority.signing_cert());
  SVIDD_ASSIGN_OR_RETURN(r.public_key_sha256, crypto::PublicKeySha256Hex(key));
  r.key_type = description.Label();
  r.auth_method = spec.auth_method;
  r.auth_principal =
      "system:serviceaccount:default:" + spec.spiffe_id.substr(spec.spiffe_id.rfind('/') + 1);
  r.certificate_pem = issued.pem;
  r.supersedes_serial_hex = spec.supersedes_serial_hex;
  return r;
}

absl::StatusOr<ledger::CertificateRecord> IssueRecord(const pki::Authority& authority,
                                                      const std::string& serial_hex,
                                                      const std::string& spiffe_id,
                                                      TimePoint issued_at, TimePoint not_after) {
  return IssueTestRecord(authority, RecordSpec{serial_hex, spiffe_id, issued_at, not_after});
}

}  // namespace svidd::testing
