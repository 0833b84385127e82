#include "svidd/issuance/leaf_issuer.h"

#include <type_traits>

#include "absl/strings/str_cat.h"
#include "svidd/common/status_macros.h"
#include "svidd/crypto/keys.h"
#include "svidd/crypto/pem.h"
#include "svidd/crypto/x509_fields.h"
#include "svidd/issuance/record_builder.h"

namespace svidd::issuance {

std::string SignedLeaf::ChainPemFile() const {
  std::string out;
  for (const std::string& pem : chain_pem) out += pem;
  return out;
}

absl::StatusOr<SignedLeaf> SignLeaf(const pki::Authority& authority,
                                    const pki::LeafProfile& profile, SubjectKey key,
                                    const IssuanceContext& context) {
  absl::StatusOr<pki::IssuedCertificate> issued = std::visit(
      [&](auto* subject_key) -> absl::StatusOr<pki::IssuedCertificate> {
        if (subject_key == nullptr) return absl::InvalidArgumentError("no subject public key");
        if constexpr (std::is_same_v<decltype(subject_key), const crypto::PublicKeyInfo*>) {
          return authority.SignLeaf(profile, *subject_key);
        } else {
          return authority.SignLeaf(profile, subject_key);
        }
      },
      key);
  if (!issued.ok()) {
    return absl::InternalError(absl::StrCat("signing failed: ", issued.status().message()));
  }
  SignedLeaf leaf;
  SVIDD_ASSIGN_OR_RETURN(leaf.record, BuildCertificateRecord(*issued, authority, context));
  leaf.chain_pem.reserve(1 + authority.chain_pem().size());
  leaf.chain_pem.push_back(issued->pem);
  for (const std::string& pem : authority.chain_pem()) leaf.chain_pem.push_back(pem);
  leaf.root_bundle_pem = authority.root_bundle_pem();
  leaf.certificate = *std::move(issued);
  return leaf;
}

absl::StatusOr<SignedLeaf> IssueLeaf(const pki::Authority& authority, ledger::Ledger& ledger,
                                     const pki::LeafProfile& profile, SubjectKey key,
                                     const IssuanceContext& context) {
  SVIDD_ASSIGN_OR_RETURN(SignedLeaf leaf, SignLeaf(authority, profile, key, context));
  SVIDD_RETURN_IF_ERROR(ledger.RecordIssuance(leaf.record));
  return leaf;
}

// The ledger rows (record_builder.h).

absl::StatusOr<ledger::CertificateRecord> BuildCertificateRecord(
    const pki::IssuedCertificate& issued, const pki::Authority& issuer,
    const IssuanceContext& context) {
  ledger::CertificateRecord record;
  record.serial_hex = issued.serial_hex;
  record.spiffe_id = context.spiffe_id;
  record.kind = context.kind;
  record.issued_at = context.issued_at;
  record.not_before = issued.not_before;
  record.not_after = issued.not_after;
  record.issuer_serial_hex = issuer.signer_serial_hex();
  record.issuer_subject = crypto::SubjectString(issuer.signing_cert());
  record.public_key_sha256 = issued.public_key_sha256;
  record.key_type = issued.key_label;
  record.auth_method = context.auth_method;
  record.auth_principal = context.auth_principal;
  record.certificate_pem = issued.pem;
  record.status = ledger::CertStatus::kActive;
  record.supersedes_serial_hex = context.supersedes_serial_hex;
  return record;
}

absl::StatusOr<ledger::CertificateRecord> BuildCaCertificateRecord(
    const pki::CaMaterial& ca, const X509* issuer, const std::string& spiffe_id,
    const std::string& auth_principal, TimePoint issued_at) {
  const X509* cert = ca.signing_cert.get();
  ledger::CertificateRecord record;
  record.serial_hex = crypto::SerialHex(cert);
  record.spiffe_id = spiffe_id;
  record.kind = ledger::CertKind::kIntermediate;
  record.issued_at = issued_at;
  record.not_before = crypto::NotBefore(cert);
  record.not_after = crypto::NotAfter(cert);
  record.issuer_serial_hex = crypto::SerialHex(issuer);
  record.issuer_subject = crypto::SubjectString(issuer);
  SVIDD_ASSIGN_OR_RETURN(record.public_key_sha256,
                         crypto::PublicKeySha256Hex(ca.signing_key.get()));
  SVIDD_ASSIGN_OR_RETURN(crypto::KeyDescription key, crypto::DescribeKey(ca.signing_key.get()));
  record.key_type = key.Label();
  record.auth_method = "self";
  record.auth_principal = auth_principal;
  SVIDD_ASSIGN_OR_RETURN(record.certificate_pem, crypto::CertificateToPem(cert));
  record.status = ledger::CertStatus::kActive;
  return record;
}

}  // namespace svidd::issuance
