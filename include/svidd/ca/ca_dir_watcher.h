// Notices when the files of an Istio plug-in CA directory change (size or modification
// time of ca-cert.pem, ca-key.pem, root-cert.pem, cert-chain.pem), so a CA that svidd does
// not manage is reloaded without a restart.
#pragma once

#include <filesystem>
#include <string>

namespace svidd::ca {

class CaDirWatcher {
 public:
  explicit CaDirWatcher(std::filesystem::path dir);
  // True if the directory looks different from the last call (the first call: false).
  bool Changed();

 private:
  std::string Fingerprint() const;
  const std::filesystem::path dir_;
  std::string last_;
};

}  // namespace svidd::ca
