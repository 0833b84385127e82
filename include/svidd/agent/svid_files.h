// The agent's file output, in the names istio-agent uses: cert-chain.pem (leaf, then
// intermediates), key.pem (PKCS#8, 0600) and root-cert.pem (every trusted root).
//
// Write order. An SVID is written as one group through WriteFilesAtomically: all three
// temporary files are written and fsynced first, then renamed into place back to back in
// the order root-cert.pem, key.pem, cert-chain.pem. So
//   - no file is ever half-written (rename is atomic);
//   - the roots that verify the new chain are in place before the chain is;
//   - cert-chain.pem changes last: a reader that reloads when it changes finds the
//     matching key already there. A reader that opens both files in the microseconds
//     between the key's and the chain's rename sees the new key with the old chain, and
//     should re-read when the key does not match (Envoy and most TLS libraries fail the
//     load and keep the old pair, then retry on the next change).
// A bundle change alone rewrites root-cert.pem only.
#pragma once

#include <filesystem>
#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "svidd/agent/x509_bundle.h"
#include "svidd/agent/x509_svid.h"

namespace svidd::agent {

class SvidFiles {
 public:
  explicit SvidFiles(std::filesystem::path dir) : dir_(std::move(dir)) {}

  // Creates the directory (0750) if needed and writes the group described above.
  absl::Status WriteSvid(const X509Svid& svid, const X509Bundle& bundle) const;
  absl::Status WriteRoots(const X509Bundle& bundle) const;

  // The SVID held in key.pem + cert-chain.pem, parsed and matched (not checked for trust or
  // time: see VerifySvid). NOT_FOUND if either file is missing.
  absl::StatusOr<std::shared_ptr<const X509Svid>> ReadSvid() const;
  // root-cert.pem as written. NOT_FOUND if missing.
  absl::StatusOr<std::string> ReadRootsPem() const;

  std::filesystem::path chain_path() const { return dir_ / "cert-chain.pem"; }
  std::filesystem::path key_path() const { return dir_ / "key.pem"; }
  std::filesystem::path roots_path() const { return dir_ / "root-cert.pem"; }

 private:
  std::filesystem::path dir_;
};

}  // namespace svidd::agent
