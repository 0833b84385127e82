// Bootstrapping an operator's admin credential: a client certificate for a SPIFFE ID such
// as spiffe://<td>/admin/alice, signed by the CA the server uses, with the same profile and
// pki code as workload certificates, recorded in the ledger before it is handed out. Its ID
// then goes into svidd's --admin-id. Used by `svidctl admin issue` on the data directory.
#pragma once

#include <chrono>
#include <filesystem>
#include <string>

#include "absl/status/statusor.h"
#include "svidd/ledger/ledger.h"
#include "svidd/pki/authority.h"

namespace svidd::issuance {

struct AdminCredentialRequest {
  std::string spiffe_id;
  std::chrono::seconds ttl = std::chrono::hours(24);  // capped at the signer's NotAfter
  std::string principal;                              // who asked, for the ledger
};

struct AdminCredential {
  ledger::CertificateRecord record;  // kind workload, auth_method kOperatorAuthMethod
  std::string cert_chain_pem;        // leaf, then the signer and any intermediates
  std::string key_pem;               // PKCS#8; never logged
  std::string root_pem;              // the trust bundle, to verify svidd's serving certificate
};

// INVALID_ARGUMENT for an ID that is not a SPIFFE ID with a path, or (when the signer carries
// a spiffe://<td> URI SAN) one outside that trust domain; the ledger's error if it could not
// record the certificate (then nothing is returned).
absl::StatusOr<AdminCredential> IssueAdminCredential(const pki::Authority& authority,
                                                     ledger::Ledger& ledger,
                                                     const AdminCredentialRequest& request,
                                                     TimePoint now);

// cert-chain.pem, key.pem (0600) and root-cert.pem in `dir` (created 0700 if missing).
absl::Status WriteAdminCredential(const AdminCredential& credential,
                                  const std::filesystem::path& dir);

}  // namespace svidd::issuance
