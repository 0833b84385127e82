#include "svidctl/svidctl_test_util.h"

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "svidd/common/time_format.h"
#include "svidd/crypto/keys.h"
#include "svidd/crypto/pem.h"
#include "svidd/crypto/ssl_ptr.h"

namespace svidd::testing {
namespace {

std::string Slurp(const std::filesystem::path& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

}  // namespace

CommandResult RunSvidctl(const std::vector<std::string>& args) {
  static int counter = 0;
  const auto base = std::filesystem::temp_directory_path() /
                    absl::StrCat("svidctl-run-", getpid(), "-", counter++);
  const std::string out_path = base.string() + ".out", err_path = base.string() + ".err";
  pid_t pid = fork();
  if (pid == 0) {
    int out = open(out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    int err = open(err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    dup2(out, STDOUT_FILENO);
    dup2(err, STDERR_FILENO);
    std::vector<char*> argv = {const_cast<char*>(SVIDCTL_BINARY)};
    for (const std::string& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    execv(SVIDCTL_BINARY, argv.data());
    _exit(127);
  }
  CommandResult result;
  int status = 0;
  waitpid(pid, &status, 0);
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  result.out = Slurp(out_path);
  result.err = Slurp(err_path);
  std::filesystem::remove(out_path);
  std::filesystem::remove(err_path);
  return result;
}

absl::StatusOr<std::string> MakeCertificatePem(const std::string& serial_hex,
                                               const std::string& spiffe_id, TimePoint not_before,
                                               TimePoint not_after) {
  absl::StatusOr<EvpPkeyPtr> key = GenerateKey(KeyType::kEcP256);
  if (!key.ok()) return key.status();
  X509Ptr cert(X509_new());
  BIGNUM* bn = nullptr;
  if (BN_hex2bn(&bn, serial_hex.c_str()) == 0) return absl::InvalidArgumentError("bad serial");
  BignumPtr serial(bn);
  bool ok = X509_set_version(cert.get(), X509_VERSION_3) == 1 &&
            BN_to_ASN1_INTEGER(serial.get(), X509_get_serialNumber(cert.get())) != nullptr &&
            ASN1_TIME_set(X509_getm_notBefore(cert.get()),
                          static_cast<time_t>(ToUnixSeconds(not_before))) != nullptr &&
            ASN1_TIME_set(X509_getm_notAfter(cert.get()),
                          static_cast<time_t>(ToUnixSeconds(not_after))) != nullptr &&
            X509_set_pubkey(cert.get(), key->get()) == 1;
  X509ExtensionPtr san(X509V3_EXT_conf_nid(nullptr, nullptr, NID_subject_alt_name,
                                           ("critical,URI:" + spiffe_id).c_str()));
  ok = ok && san != nullptr && X509_add_ext(cert.get(), san.get(), -1) == 1 &&
       X509_sign(cert.get(), key->get(), EVP_sha256()) > 0;
  if (!ok) return OpenSslError(absl::StatusCode::kInternal, "building test certificate");
  return CertificateToPem(cert.get());
}

}  // namespace svidd::testing
