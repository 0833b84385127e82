#include "svidd/ca/ca_dir_watcher.h"

#include <sys/stat.h>

#include "absl/strings/str_cat.h"

namespace svidd::ca {

CaDirWatcher::CaDirWatcher(std::filesystem::path dir)
    : dir_(std::move(dir)), last_(Fingerprint()) {}

std::string CaDirWatcher::Fingerprint() const {
  std::string fingerprint;
  for (const char* name : {"ca-cert.pem", "ca-key.pem", "root-cert.pem", "cert-chain.pem"}) {
    struct stat st {};
    if (::stat((dir_ / name).c_str(), &st) != 0) {
      absl::StrAppend(&fingerprint, name, ":absent;");
      continue;
    }
    absl::StrAppend(&fingerprint, name, ":", st.st_size, ":", st.st_ino, ":", st.st_mtim.tv_sec,
                    ".", st.st_mtim.tv_nsec, ";");
  }
  return fingerprint;
}

bool CaDirWatcher::Changed() {
  std::string now = Fingerprint();
  if (now == last_) return false;
  last_ = std::move(now);
  return true;
}

}  // namespace svidd::ca
