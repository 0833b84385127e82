// The one way a leaf certificate comes to exist: sign a profile with an authority, build the
// ledger row that says so, record it, and only then hand out the chain. Istio's and the
// rotation API's requests (IssuancePipeline), svidd's own serving certificate
// (ca::ServingIdentity) and an operator's admin credential (IssueAdminCredential) all go
// through here; they differ only in who they are for (the profile and the IssuanceContext)
// and in what they do with the result.
#pragma once

#include <string>
#include <variant>
#include <vector>

#include "absl/status/statusor.h"
#include "svidd/crypto/keys.h"
#include "svidd/issuance/record_builder.h"
#include "svidd/ledger/ledger.h"
#include "svidd/pki/authority.h"
#include "svidd/pki/leaf_profile.h"

namespace svidd::issuance {

// The key the certificate certifies: a CSR's (workloads) or one svidd generated (its own
// serving certificate, an admin credential). Borrowed for the call.
using SubjectKey = std::variant<const crypto::PublicKeyInfo*, const EVP_PKEY*>;

struct SignedLeaf {
  pki::IssuedCertificate certificate;
  ledger::CertificateRecord record;    // the row the ledger must hold before it is used
  std::vector<std::string> chain_pem;  // the leaf, then the signer and any intermediates
  std::string root_bundle_pem;         // the roots that verify the chain

  // chain_pem concatenated (a cert-chain.pem file's contents).
  std::string ChainPemFile() const;
};

// Signs `profile` for `key` and builds the record; writes nothing. INTERNAL ("signing
// failed: ...") if the authority could not sign.
absl::StatusOr<SignedLeaf> SignLeaf(const pki::Authority& authority,
                                    const pki::LeafProfile& profile, SubjectKey key,
                                    const IssuanceContext& context);

// SignLeaf, then the record written: returns only once the ledger holds it, and nothing but
// the ledger's error if it could not be recorded, so an unrecorded certificate is never used.
// The issuance pipeline records through the ledger's group commit instead
// (Ledger::RecordIssuanceAsync with the SignedLeaf's record).
absl::StatusOr<SignedLeaf> IssueLeaf(const pki::Authority& authority, ledger::Ledger& ledger,
                                     const pki::LeafProfile& profile, SubjectKey key,
                                     const IssuanceContext& context);

}  // namespace svidd::issuance
