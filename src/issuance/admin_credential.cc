#include "svidd/issuance/admin_credential.h"

#include "absl/strings/str_cat.h"
#include "svidd/common/atomic_file.h"
#include "svidd/common/status_macros.h"
#include "svidd/crypto/keys.h"
#include "svidd/crypto/pem.h"
#include "svidd/issuance/leaf_issuer.h"
#include "svidd/operator/ca_snapshot.h"
#include "svidd/pki/leaf_profile.h"
#include "svidd/spiffe/spiffe_id.h"

namespace svidd::issuance {
namespace {

absl::StatusOr<spiffe::SpiffeId> AdminId(const pki::Authority& authority, const std::string& text) {
  absl::StatusOr<spiffe::SpiffeId> id = spiffe::SpiffeId::Parse(text);
  if (!id.ok()) {
    return absl::InvalidArgumentError(absl::StrCat("admin ID ", text, ": ", id.status().message()));
  }
  if (!id->has_path()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "admin ID ", text, " has no path; use e.g. spiffe://", id->trust_domain(), "/admin/alice"));
  }
  SVIDD_ASSIGN_OR_RETURN(ops::CaSnapshot ca, ops::CaSnapshotFromAuthority(authority));
  if (!ca.trust_domain.empty() && ca.trust_domain != id->trust_domain()) {
    return absl::InvalidArgumentError(
        absl::StrCat("admin ID ", text, " is not in the CA's trust domain ", ca.trust_domain));
  }
  return id;
}

}  // namespace

absl::StatusOr<AdminCredential> IssueAdminCredential(const pki::Authority& authority,
                                                     ledger::Ledger& ledger,
                                                     const AdminCredentialRequest& request,
                                                     TimePoint now) {
  SVIDD_ASSIGN_OR_RETURN(spiffe::SpiffeId id, AdminId(authority, request.spiffe_id));
  SVIDD_ASSIGN_OR_RETURN(crypto::EvpPkeyPtr key, GenerateKey(crypto::KeyType::kEcP256));
  const pki::TtlPolicy policy{request.ttl, request.ttl};
  SVIDD_ASSIGN_OR_RETURN(pki::LeafProfile profile,
                         BuildLeafProfile(id, request.ttl, policy, now, authority.not_after()));
  IssuanceContext context{ledger::CertKind::kWorkload, id.str(), ledger::kOperatorAuthMethod,
                          request.principal, now};
  // Recorded first: a credential the ledger does not know of is never handed out.
  SVIDD_ASSIGN_OR_RETURN(SignedLeaf leaf,
                         IssueLeaf(authority, ledger, profile, key.get(), context));
  AdminCredential credential;
  credential.cert_chain_pem = leaf.ChainPemFile();
  credential.root_pem = std::move(leaf.root_bundle_pem);
  credential.record = std::move(leaf.record);
  SVIDD_ASSIGN_OR_RETURN(credential.key_pem, crypto::PrivateKeyToPkcs8Pem(key.get()));
  return credential;
}

absl::Status WriteAdminCredential(const AdminCredential& credential,
                                  const std::filesystem::path& dir) {
  SVIDD_RETURN_IF_ERROR(EnsureDirectory(dir, 0700));
  SVIDD_RETURN_IF_ERROR(WriteFileAtomically(dir / "key.pem", credential.key_pem, 0600));
  SVIDD_RETURN_IF_ERROR(WriteFileAtomically(dir / "cert-chain.pem", credential.cert_chain_pem));
  return WriteFileAtomically(dir / "root-cert.pem", credential.root_pem);
}

}  // namespace svidd::issuance
