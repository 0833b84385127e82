#include "support/pki/external_verify.h"

#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>

#include <filesystem>
#include <fstream>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "svidd/pki/ca_material.h"

namespace svidd::testing {
namespace {

// A private directory under /tmp, removed with everything in it.
class ScratchDir {
 public:
  ScratchDir() {
    char pattern[] = "/tmp/svidd-verify-XXXXXX";
    if (::mkdtemp(pattern) != nullptr) path_ = pattern;
  }
  ~ScratchDir() {
    std::error_code ec;
    if (!path_.empty()) std::filesystem::remove_all(path_, ec);
  }
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;
  bool ok() const { return !path_.empty(); }

  // Writes `content` to a file named `name`; "" on failure.
  std::string Write(const std::string& name, const std::string& content) const {
    const std::filesystem::path file = path_ / name;
    std::ofstream out(file, std::ios::binary);
    out << content;
    out.close();
    return out ? file.string() : std::string();
  }

 private:
  std::filesystem::path path_;
};

struct ToolRun {
  int exit_code = -1;
  std::string output;  // stdout and stderr together
};

absl::StatusOr<ToolRun> RunTool(const std::string& command) {
  FILE* pipe = ::popen((command + " 2>&1").c_str(), "r");
  if (pipe == nullptr) return absl::InternalError("cannot run: " + command);
  ToolRun run;
  char buf[4096];
  size_t n;
  while ((n = ::fread(buf, 1, sizeof(buf), pipe)) > 0) run.output.append(buf, n);
  const int status = ::pclose(pipe);
  run.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return run;
}

absl::Status Judge(const std::string& command, const ToolRun& run, const std::string& success) {
  if (run.exit_code == 0 && run.output.find(success) != std::string::npos) {
    return absl::OkStatus();
  }
  return absl::FailedPreconditionError(
      absl::StrCat(command, " exited ", run.exit_code, ":\n", run.output));
}

// Runs `openssl verify -x509_strict ...` with `extra` arguments before the leaf.
absl::Status RunOpensslVerify(const std::string& leaf_pem,
                              const std::vector<std::string>& chain_pems,
                              const std::string& roots_pem, const std::string& extra) {
  ScratchDir dir;
  if (!dir.ok()) return absl::InternalError("cannot create a scratch directory");
  const std::string leaf = dir.Write("leaf.pem", leaf_pem);
  const std::string roots = dir.Write("roots.pem", roots_pem);
  const std::string chain = dir.Write("chain.pem", absl::StrJoin(chain_pems, ""));
  if (leaf.empty() || roots.empty() || chain.empty()) {
    return absl::InternalError("cannot write scratch files");
  }
  std::string command = absl::StrCat("openssl verify -x509_strict -CAfile ", roots);
  if (!chain_pems.empty()) absl::StrAppend(&command, " -untrusted ", chain);
  absl::StrAppend(&command, " ", extra, " ", leaf);
  absl::StatusOr<ToolRun> run = RunTool(command);
  if (!run.ok()) return run.status();
  return Judge(command, *run, leaf + ": OK");
}

// Writes the CRL and its issuer, runs `format` with $CRL and $CA replaced by their paths.
absl::Status RunCrlTool(const std::string& crl_pem, const std::string& issuer_pem,
                        const std::string& format, const std::string& success) {
  ScratchDir dir;
  if (!dir.ok()) return absl::InternalError("cannot create a scratch directory");
  const std::string crl = dir.Write("crl.pem", crl_pem);
  const std::string issuer = dir.Write("issuer.pem", issuer_pem);
  if (crl.empty() || issuer.empty()) return absl::InternalError("cannot write scratch files");
  const std::string command = absl::StrReplaceAll(format, {{"$CRL", crl}, {"$CA", issuer}});
  absl::StatusOr<ToolRun> run = RunTool(command);
  if (!run.ok()) return run.status();
  return Judge(command, *run, success);
}

}  // namespace

absl::Status OpensslVerifyStrict(const std::string& leaf_pem,
                                 const std::vector<std::string>& chain_pems,
                                 const std::string& roots_pem, const std::string& purpose) {
  if (purpose != "sslclient" && purpose != "sslserver") {
    return absl::InvalidArgumentError("purpose must be sslclient or sslserver");
  }
  return RunOpensslVerify(leaf_pem, chain_pems, roots_pem, "-purpose " + purpose);
}

absl::Status OpensslVerifyWithCrl(const std::string& leaf_pem,
                                  const std::vector<std::string>& chain_pems,
                                  const std::string& roots_pem, const std::string& crl_pem) {
  ScratchDir dir;
  if (!dir.ok()) return absl::InternalError("cannot create a scratch directory");
  const std::string crl = dir.Write("crl.pem", crl_pem);
  if (crl.empty()) return absl::InternalError("cannot write scratch files");
  return RunOpensslVerify(leaf_pem, chain_pems, roots_pem,
                          "-purpose sslclient -crl_check -CRLfile " + crl);
}

absl::Status OpensslCrlVerify(const std::string& crl_pem, const std::string& issuer_pem) {
  return RunCrlTool(crl_pem, issuer_pem, "openssl crl -noout -verify -CAfile $CA -in $CRL",
                    "verify OK");
}

absl::Status CerttoolVerifyCrl(const std::string& crl_pem, const std::string& issuer_pem) {
  return RunCrlTool(crl_pem, issuer_pem,
                    "certtool --verify-crl --load-ca-certificate $CA --infile $CRL",
                    "Verification output: Verified.");
}

absl::Status CerttoolVerify(const std::string& leaf_pem, const std::vector<std::string>& chain_pems,
                            const std::string& roots_pem) {
  ScratchDir dir;
  if (!dir.ok()) return absl::InternalError("cannot create a scratch directory");
  const std::string roots = dir.Write("roots.pem", roots_pem);
  const std::string chain = dir.Write("chain.pem", leaf_pem + absl::StrJoin(chain_pems, ""));
  if (roots.empty() || chain.empty()) return absl::InternalError("cannot write scratch files");
  const std::string command =
      absl::StrCat("certtool --verify --load-ca-certificate ", roots, " --infile ", chain);
  absl::StatusOr<ToolRun> run = RunTool(command);
  if (!run.ok()) return run.status();
  return Judge(command, *run, "Chain verification output: Verified.");
}

absl::StatusOr<std::shared_ptr<const pki::Authority>> MakeTestAuthority(
    TimePoint now, crypto::KeyType key_type, const std::string& trust_domain) {
  pki::CaBootstrapOptions options;
  options.trust_domain = trust_domain;
  options.key_type = key_type;
  absl::StatusOr<pki::CaMaterial> ca = BootstrapCa(options, now);
  if (!ca.ok()) return ca.status();
  return pki::Authority::Create(*std::move(ca));
}

}  // namespace svidd::testing
