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
#include "svidd/crypto/x509_fields.h"
#include "svidd/pki/leaf_profile.h"
#include "svidd/spiffe/spiffe_id.h"
#include "svidd/common/status_macros.h"

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

absl::StatusOr<CertificateRecord> IssueRecord(const Authority& authority,
                                              const std::string& serial_hex,
                                              const std::string& spiffe_id, TimePoint issued_at,
                                              TimePoint not_after) {
  SVIDD_ASSIGN_OR_RETURN(EvpPkeyPtr key, GenerateKey(KeyType::kEcP256));
  SVIDD_ASSIGN_OR_RETURN(SpiffeId id, SpiffeId::Parse(spiffe_id));
  std::string serial;
  const std::string padded = std::string(32 - serial_hex.size(), '0') + serial_hex;
  for (size_t i = 0; i < padded.size(); i += 2) {
    serial.push_back(static_cast<char>(std::stoi(padded.substr(i, 2), nullptr, 16)));
  }
  const LeafProfile profile{std::move(id), /*dns_names=*/{}, issued_at - std::chrono::minutes(2),
                            not_after, serial};
  SVIDD_ASSIGN_OR_RETURN(IssuedCertificate issued, authority.SignLeaf(profile, key.get()));
  SVIDD_ASSIGN_OR_RETURN(KeyDescription description, DescribeKey(key.get()));
  CertificateRecord r;
  r.serial_hex = issued.serial_hex;
  r.spiffe_id = spiffe_id;
  r.issued_at = issued_at;
  r.not_before = issued.not_before;
  r.not_after = issued.not_after;
  r.issuer_serial_hex = authority.signer_serial_hex();
  r.issuer_subject = SubjectString(authority.signing_cert());
  SVIDD_ASSIGN_OR_RETURN(r.public_key_sha256, PublicKeySha256Hex(key.get()));
  r.key_type = description.Label();
  r.auth_method = "kubernetes";
  r.auth_principal = "system:serviceaccount:default:" + spiffe_id.substr(spiffe_id.rfind('/') + 1);
  r.certificate_pem = issued.pem;
  return r;
}

}  // namespace svidd::testing
