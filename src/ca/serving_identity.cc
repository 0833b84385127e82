#include "svidd/ca/serving_identity.h"

#include <algorithm>

#include "spdlog/spdlog.h"
#include "svidd/common/atomic_file.h"
#include "svidd/common/lifetime.h"
#include "svidd/common/status_macros.h"
#include "svidd/common/time_format.h"
#include "svidd/crypto/pem.h"
#include "svidd/crypto/x509_fields.h"
#include "svidd/issuance/leaf_issuer.h"

namespace svidd::ca {

ServingIdentity::ServingIdentity(ServingIdentityOptions options, ledger::Ledger& ledger,
                                 const Clock& clock, metrics::ServerMetrics& metrics)
    : options_(std::move(options)), ledger_(ledger), clock_(clock), metrics_(metrics) {}

absl::Status ServingIdentity::EnsureFresh(const pki::Authority& authority) {
  if (CurrentIsUsable(authority)) return absl::OkStatus();
  return Issue(authority);
}

bool ServingIdentity::CurrentIsUsable(const pki::Authority& authority) const {
  auto pem = ReadFileToString(chain_path());
  if (!pem.ok() || !ReadFileToString(credential_path()).ok()) return false;
  auto certs = crypto::ParseCertificatesPem(*pem);
  if (!certs.ok() || certs->empty()) return false;
  const X509* leaf = certs->front().get();
  if (X509_check_issued(const_cast<X509*>(authority.signing_cert()), const_cast<X509*>(leaf)) !=
      X509_V_OK) {
    return false;
  }
  std::vector<std::string> names = crypto::DnsSans(leaf);
  std::vector<std::string> wanted = options_.server_names;
  std::sort(names.begin(), names.end());
  std::sort(wanted.begin(), wanted.end());
  if (names != wanted) return false;
  absl::StatusOr<ledger::CertificateRecord> record =
      ledger_.GetCertificate(crypto::SerialHex(leaf));
  if (!record.ok()) return false;  // never put to use unless it is on record
  return !Lifetime::Of(crypto::NotBefore(leaf), crypto::NotAfter(leaf), record->issued_at)
              .PastHalfLife(clock_.Now());
}

absl::Status ServingIdentity::Issue(const pki::Authority& authority) {
  const TimePoint now = clock_.Now();
  SVIDD_ASSIGN_OR_RETURN(
      spiffe::SpiffeId id,
      spiffe::SpiffeId::Parse("spiffe://" + options_.trust_domain + "/svidd/server"));
  SVIDD_ASSIGN_OR_RETURN(crypto::EvpPkeyPtr key, GenerateKey(crypto::KeyType::kEcP256));
  pki::TtlPolicy policy{options_.ttl, options_.ttl};
  SVIDD_ASSIGN_OR_RETURN(pki::LeafProfile profile,
                         BuildLeafProfile(id, options_.ttl, policy, now, authority.not_after(),
                                          options_.server_names));
  issuance::IssuanceContext context{ledger::CertKind::kServer, id.str(), "self", "svidd", now};
  // Recorded first: a certificate that is not in the ledger is never put to use.
  SVIDD_ASSIGN_OR_RETURN(issuance::SignedLeaf leaf,
                         issuance::IssueLeaf(authority, ledger_, profile, key.get(), context));
  metrics_.RecordIssued(ledger::CertKind::kServer, metrics::IssuanceApi::kInternal);
  const pki::IssuedCertificate& issued = leaf.certificate;

  SVIDD_ASSIGN_OR_RETURN(std::string key_pem, crypto::PrivateKeyToPkcs8Pem(key.get()));
  SVIDD_RETURN_IF_ERROR(EnsureDirectory(options_.dir, 0700));
  // What gRPC serves first, in one rename; then the public copy of the chain. A crash between
  // the two leaves a served pair that matches, both certificates on record.
  SVIDD_RETURN_IF_ERROR(
      WriteFileAtomically(credential_path(), leaf.ChainPemFile() + key_pem, 0600));
  SVIDD_RETURN_IF_ERROR(WriteFileAtomically(chain_path(), leaf.ChainPemFile(), 0644));
  // key.pem, the key alone before chain-and-key.pem existed: a private key nothing reads.
  std::error_code ignored;
  std::filesystem::remove(options_.dir / "key.pem", ignored);
  spdlog::info("issued serving certificate {} for {} until {}", issued.serial_hex,
               fmt::format("{}", fmt::join(options_.server_names, ",")),
               FormatRfc3339(issued.not_after));
  return absl::OkStatus();
}

}  // namespace svidd::ca
