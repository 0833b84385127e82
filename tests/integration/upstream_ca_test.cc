// svidd as an upstream CA (`svidctl ca issue-intermediate` → a second svidd's --ca-dir), and
// svidd's own intermediate signed by an offline root (`svidctl ca csr` → the openssl CLI as
// the offline root → `svidctl ca import` into a running svidd).
#include <gtest/gtest.h>

#include <thread>

#include "integration/child_process.h"
#include "integration/test_env.h"
#include "support/pki/csr_builder.h"
#include "support/pki/external_verify.h"
#include "svidd/ca/ca_operations.h"
#include "svidd/common/atomic_file.h"
#include "svidd/crypto/pem.h"
#include "svidd/crypto/x509_fields.h"
#include "svidd/pki/ca_material.h"

namespace svidd::testing {
namespace {

CommandResult Svidctl(const TestEnv& env, std::vector<std::string> args) {
  args.insert(args.begin(), SVIDCTL_BINARY);
  args.push_back("--data-dir");
  args.push_back(env.options().data_dir.string());
  return RunCommand(args);
}

std::vector<std::string> IssueChain(TestEnv& env) {
  istio::v1::auth::IstioCertificateResponse response;
  grpc::Status status = env.CreateCertificate(BuildIstioCsr(kFooId).value().pem, 0,
                                              env.TokenFor("foo", "bar"), &response);
  EXPECT_TRUE(status.ok()) << status.error_message();
  return ChainOf(response);
}

TEST(UpstreamCaTest, IntermediateFromOneSviddRunsAnotherWhoseLeavesVerifyAgainstTheFirstRoot) {
  auto upstream = TestEnv::Start();
  ASSERT_NE(upstream, nullptr);
  TempDir out;
  CommandResult issued =
      Svidctl(*upstream, {"ca", "issue-intermediate", "--out-dir", out.path().string(), "--name",
                          "istiod east", "--ttl", "30d"});
  ASSERT_EQ(issued.exit_code, 0) << issued.err;
  for (const char* f : {"ca-cert.pem", "ca-key.pem", "root-cert.pem", "cert-chain.pem"}) {
    EXPECT_TRUE(std::filesystem::exists(out.path() / f)) << f;
  }
  auto signer =
      crypto::ParseCertificatePem(ReadFileToString(out.path() / "ca-cert.pem").value()).value();
  auto record = upstream->server().ledger().GetCertificate(crypto::SerialHex(signer.get()));
  ASSERT_TRUE(record.ok()) << "recorded like any certificate";
  EXPECT_EQ(record->kind, ledger::CertKind::kIntermediate);

  auto downstream = TestEnv::Start([&](server::ServerOptions& o) { o.ca_dir = out.path(); });
  ASSERT_NE(downstream, nullptr);
  std::vector<std::string> chain = IssueChain(*downstream);
  ASSERT_EQ(chain.size(), 3u);
  const std::string upstream_root =
      ReadFileToString(upstream->options().data_dir / "ca" / "root-cert.pem").value();
  EXPECT_EQ(chain.back(), upstream_root);
  const std::vector<std::string> intermediates = {chain[1]};
  EXPECT_TRUE(OpensslVerifyStrict(chain[0], intermediates, upstream_root, "sslclient").ok());
  EXPECT_TRUE(CerttoolVerify(chain[0], intermediates, upstream_root).ok());
}

TEST(UpstreamCaTest, IssueIntermediateNeedsTheRootKey) {
  TempDir ca_dir;
  pki::CaBootstrapOptions bootstrap;
  ASSERT_TRUE(
      WriteIstioCaDir(ca_dir.path(), BootstrapCa(bootstrap, SystemClock::Instance().Now()).value())
          .ok());
  auto env = TestEnv::Start([&](server::ServerOptions& o) { o.ca_dir = ca_dir.path(); });
  ASSERT_NE(env, nullptr);
  TempDir out;
  CommandResult run =
      Svidctl(*env, {"ca", "issue-intermediate", "--out-dir", out.path().string(), "--name", "x"});
  EXPECT_NE(run.exit_code, 0);
  EXPECT_NE(run.err.find("no root key"), std::string::npos) << run.err;
}

// The CA commands record what they mint in the data directory's ledger, which they open as
// every other svidctl command does: a missing ledger is a wrong --data-dir, never created.
TEST(UpstreamCaTest, IssueIntermediateRefusesADataDirWithoutALedger) {
  auto env = TestEnv::Start();
  ASSERT_NE(env, nullptr);
  TempDir data_dir;
  for (const char* sub : {"root", "ca"}) {  // the CA files, without ledger.db
    std::filesystem::copy(env->options().data_dir / sub, data_dir.path() / sub,
                          std::filesystem::copy_options::recursive);
  }
  TempDir out;
  CommandResult run =
      RunCommand({SVIDCTL_BINARY, "ca", "issue-intermediate", "--out-dir", out.path().string(),
                  "--name", "x", "--data-dir", data_dir.path().string()});
  EXPECT_NE(run.exit_code, 0);
  EXPECT_NE(run.err.find("no ledger at"), std::string::npos) << run.err;
  EXPECT_FALSE(std::filesystem::exists(data_dir.path() / "ledger.db"));
}

TEST(UpstreamCaTest, OfflineRootSignsSviddsIntermediateAndARunningSviddSwitchesToIt) {
  auto env = TestEnv::Start();
  ASSERT_NE(env, nullptr);
  CommandResult csr = Svidctl(*env, {"ca", "csr"});
  ASSERT_EQ(csr.exit_code, 0) << csr.err;
  const auto pending = env->options().data_dir / "ca-pending";
  ASSERT_TRUE(std::filesystem::exists(pending / "ca-csr.pem"));

  // The offline root, and its signature on the CSR, by the openssl CLI.
  TempDir offline;
  const std::string key = (offline.path() / "root.key").string();
  const std::string root = (offline.path() / "root.pem").string();
  const std::string signed_cert = (offline.path() / "intermediate.pem").string();
  CommandResult mkroot = RunCommand({"/usr/bin/openssl",
                                     "req",
                                     "-x509",
                                     "-newkey",
                                     "ec",
                                     "-pkeyopt",
                                     "ec_paramgen_curve:P-256",
                                     "-nodes",
                                     "-keyout",
                                     key,
                                     "-out",
                                     root,
                                     "-days",
                                     "3650",
                                     "-subj",
                                     "/O=cluster.local/CN=corporate offline root",
                                     "-addext",
                                     "basicConstraints=critical,CA:TRUE",
                                     "-addext",
                                     "keyUsage=critical,keyCertSign,cRLSign",
                                     "-addext",
                                     "subjectAltName=URI:spiffe://cluster.local"});
  ASSERT_EQ(mkroot.exit_code, 0) << mkroot.err;
  CommandResult sign =
      RunCommand({"/usr/bin/openssl", "x509", "-req", "-in", (pending / "ca-csr.pem").string(),
                  "-CA", root, "-CAkey", key, "-CAcreateserial", "-days", "60", "-copy_extensions",
                  "copyall", "-out", signed_cert});
  ASSERT_EQ(sign.exit_code, 0) << sign.err;

  // A wrong key is refused with the reason, and nothing changes.
  CommandResult wrong =
      Svidctl(*env, {"ca", "import", "--cert", signed_cert, "--root-cert", root, "--key", key});
  EXPECT_NE(wrong.exit_code, 0);
  EXPECT_NE(wrong.err.find("not imported"), std::string::npos) << wrong.err;

  CommandResult import =
      Svidctl(*env, {"ca", "import", "--cert", signed_cert, "--root-cert", root});
  ASSERT_EQ(import.exit_code, 0) << import.err;
  // openssl does not backdate NotBefore; the server's clock must have reached it.
  env->clock().Set(SystemClock::Instance().Now() + std::chrono::seconds(2));
  ASSERT_TRUE(env->server().RunMaintenance().ok());  // what the background loop does each second
  const std::string new_signer = crypto::SerialHex(
      crypto::ParseCertificatePem(ReadFileToString(signed_cert).value()).value().get());
  EXPECT_EQ(env->server().authorities().Get()->signer_serial_hex(), new_signer);

  std::vector<std::string> chain = IssueChain(*env);
  ASSERT_EQ(chain.size(), 3u);
  EXPECT_EQ(crypto::SerialHex(crypto::ParseCertificatePem(chain[1]).value().get()), new_signer);
  auto bundle = crypto::ParseCertificatesPem(chain.back());
  ASSERT_TRUE(bundle.ok());
  EXPECT_EQ(bundle->size(), 2u) << "the old root stays trusted beside the offline one";
  const std::string offline_root = ReadFileToString(root).value();
  EXPECT_TRUE(OpensslVerifyStrict(chain[0], {chain[1]}, offline_root, "sslclient").ok());
  EXPECT_FALSE(std::filesystem::exists(pending)) << "the pending key is gone once imported";
  // svidd no longer holds the root of its signer: it will not rotate it on its own.
  EXPECT_EQ(env->server().ca_operations().RotateIntermediate().code(),
            absl::StatusCode::kFailedPrecondition);
}

}  // namespace
}  // namespace svidd::testing
