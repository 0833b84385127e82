// svidd's own root: the self-signed certificate and its key, kept apart from the Istio
// plug-in layout (which holds only the intermediate's key), so that svidd can mint the next
// intermediate itself, rotate the root, and act as the upstream CA of istiod.
//   <dir>/root-cert.pem, <dir>/root-key.pem (0600)
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "svidd/common/clock.h"
#include "svidd/crypto/ssl_ptr.h"
#include "svidd/pki/ca_material.h"

namespace svidd::pki {

struct RootCa {
  crypto::X509Ptr cert;
  crypto::EvpPkeyPtr key;
};

// A new self-signed root (CA:true, keyCertSign+cRLSign, URI SAN spiffe://<td>), valid from a
// little before `now` for options.root_ttl.
absl::StatusOr<RootCa> MakeRootCa(const CaBootstrapOptions& options, TimePoint now);

struct IntermediateSpec {
  std::string trust_domain;
  crypto::KeyType key_type = crypto::KeyType::kEcP256;
  std::chrono::seconds ttl = std::chrono::hours(24 * 30);
  std::string common_name = "svidd intermediate CA";
};

// A new intermediate under `root` (pathlen 0, URI SAN spiffe://<td>), never outliving the
// root, with `bundle` (which must include the root) as its trust bundle. Validated before it
// is returned, like an operator's CA would be.
absl::StatusOr<CaMaterial> IssueIntermediate(const RootCa& root, const IntermediateSpec& spec,
                                             const std::vector<const X509*>& bundle, TimePoint now);

// NOT_FOUND if root-cert.pem is absent; FAILED_PRECONDITION naming the file if the pair is
// unusable (not a self-signed CA, key does not match).
absl::StatusOr<RootCa> LoadRootCaDir(const std::filesystem::path& dir);
// root-key.pem 0600, written before root-cert.pem; directory 0700 if created.
absl::Status WriteRootCaDir(const std::filesystem::path& dir, const RootCa& root);

}  // namespace svidd::pki
