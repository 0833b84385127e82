// CA key material in Istio's plug-in layout (istiod `cacerts`):
//   ca-cert.pem     signing certificate (CA:true)
//   ca-key.pem      its private key (0600)
//   root-cert.pem   trust bundle: one or more roots
//   cert-chain.pem  signing cert up to and including the root; empty if the signer is the root
// Loading validates everything; bootstrap makes a self-signed root and an intermediate.
#pragma once

#include <chrono>
#include <filesystem>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "svidd/common/clock.h"
#include "svidd/crypto/keys.h"
#include "svidd/crypto/ssl_ptr.h"

namespace svidd::pki {

struct CaMaterial {
  crypto::X509Ptr signing_cert;
  crypto::EvpPkeyPtr signing_key;
  // Certificates between the signer and a root, nearest first, excluding the signer and the
  // roots. Empty when a root signs the signer directly, or the signer is itself a root.
  std::vector<crypto::X509Ptr> intermediates;
  std::vector<crypto::X509Ptr> roots;  // the trust bundle
};

// Refuses (FAILED_PRECONDITION, message naming the file and the problem) a signing cert that
// is not a CA or lacks keyCertSign, a key that does not match it, a chain that does not verify
// to a root in the bundle at `now`, or a signer that is expired or not yet valid.
absl::Status ValidateCaMaterial(const CaMaterial& ca, TimePoint now);

// Reads and validates the layout in `dir`. NOT_FOUND if ca-cert.pem is absent.
absl::StatusOr<CaMaterial> LoadIstioCaDir(const std::filesystem::path& dir, TimePoint now);

// The certificates of the layout in `dir` for inspection: no key (signing_key stays null) and
// no validation, so an expired CA still reads. NOT_FOUND if ca-cert.pem is absent.
absl::StatusOr<CaMaterial> ReadIstioCaCertificates(const std::filesystem::path& dir);

// Writes the layout atomically file by file (write to a temp file, then rename); ca-key.pem
// is created 0600, the directory 0700 if it is created.
absl::Status WriteIstioCaDir(const std::filesystem::path& dir, const CaMaterial& ca);

struct CaBootstrapOptions {
  std::string trust_domain = "cluster.local";
  crypto::KeyType key_type = crypto::KeyType::kEcP256;
  std::chrono::seconds root_ttl = std::chrono::hours(24 * 365 * 10);
  std::chrono::seconds intermediate_ttl = std::chrono::hours(24 * 365);
};

// A new self-signed root and an intermediate under it (pathlen 0, URI SAN spiffe://<td>).
absl::StatusOr<CaMaterial> BootstrapCa(const CaBootstrapOptions& options, TimePoint now);

// LoadIstioCaDir if `dir` holds a CA, otherwise BootstrapCa + WriteIstioCaDir.
absl::StatusOr<CaMaterial> LoadOrBootstrapCa(const std::filesystem::path& dir,
                                             const CaBootstrapOptions& options, TimePoint now);

}  // namespace svidd::pki
