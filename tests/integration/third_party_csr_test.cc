// CSRs made by clients no one on the project wrote (OpenSSL's `req`, GnuTLS's `certtool`), with
// the subjects real clients put in them, issued over the real Istio API. The subject is
// accepted and ignored: the leaf's subject is empty and its SAN critical.
#include <gtest/gtest.h>
#include <openssl/x509v3.h>

#include <fstream>

#include "integration/child_process.h"
#include "integration/test_env.h"
#include "support/pki/external_verify.h"
#include "svidd/common/atomic_file.h"
#include "svidd/crypto/pem.h"
#include "svidd/crypto/x509_fields.h"

namespace svidd::testing {
namespace {

// `openssl req` with the system's default configuration, as a user would run it.
absl::StatusOr<std::string> OpensslCsr(const std::filesystem::path& dir, const std::string& subj) {
  const std::filesystem::path csr = dir / "openssl.csr";
  CommandResult run = RunCommand(
      {"/usr/bin/openssl", "req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256",
       "-nodes", "-keyout", (dir / "openssl.key").string(), "-out", csr.string(), "-subj", subj,
       "-addext", std::string("subjectAltName=critical,URI:") + kFooId});
  if (run.exit_code != 0) return absl::InternalError("openssl req: " + run.err);
  return ReadFileToString(csr);
}

// `certtool --generate-request` with a template holding an organization and a CN (and a
// challenge password, which some enrolment clients add).
absl::StatusOr<std::string> CerttoolCsr(const std::filesystem::path& dir) {
  const std::filesystem::path key = dir / "certtool.key", tmpl = dir / "certtool.cfg",
                              csr = dir / "certtool.csr";
  CommandResult gen = RunCommand(
      {"/usr/bin/certtool", "--generate-privkey", "--key-type=ecdsa", "--outfile", key.string()});
  if (gen.exit_code != 0) return absl::InternalError("certtool --generate-privkey: " + gen.err);
  std::ofstream(tmpl) << "organization = \"shop\"\ncn = \"web\"\nchallenge_password = \"123456\"\n"
                      << "uri = \"" << kFooId << "\"\n";
  CommandResult req =
      RunCommand({"/usr/bin/certtool", "--generate-request", "--load-privkey", key.string(),
                  "--template", tmpl.string(), "--outfile", csr.string()});
  if (req.exit_code != 0) return absl::InternalError("certtool --generate-request: " + req.err);
  return ReadFileToString(csr);
}

struct ThirdPartyCase {
  const char* name;
  std::function<absl::StatusOr<std::string>(const std::filesystem::path&)> make_csr;
};

TEST(ThirdPartyCsrTest, SubjectIsIgnoredAndLeafSubjectStaysEmpty) {
  const ThirdPartyCase cases[] = {
      {"openssl req -subj /C=US/O=SPIRE (SPIRE agent)",
       [](const auto& dir) { return OpensslCsr(dir, "/C=US/O=SPIRE"); }},
      {"openssl req -subj /CN=web/O=shop/OU=x",
       [](const auto& dir) { return OpensslCsr(dir, "/CN=web/O=shop/OU=x"); }},
      {"certtool --generate-request with organization and cn",
       [](const auto& dir) { return CerttoolCsr(dir); }},
  };
  auto env = TestEnv::Start();
  ASSERT_NE(env, nullptr);
  for (const ThirdPartyCase& c : cases) {
    SCOPED_TRACE(c.name);
    TempDir dir;
    absl::StatusOr<std::string> csr = c.make_csr(dir.path());
    ASSERT_TRUE(csr.ok()) << csr.status();

    istio::v1::auth::IstioCertificateResponse response;
    grpc::Status status = env->CreateCertificate(*csr, 600, env->TokenFor("foo", "bar"), &response);
    ASSERT_TRUE(status.ok()) << status.error_code() << ": " << status.error_message();
    std::vector<std::string> chain = ChainOf(response);
    ASSERT_GE(chain.size(), 3u);
    auto leaf = crypto::ParseCertificatesPem(chain.front());
    ASSERT_TRUE(leaf.ok() && leaf->size() == 1);
    const X509* cert = leaf->front().get();

    EXPECT_EQ(X509_NAME_entry_count(X509_get_subject_name(cert)), 0) << crypto::SubjectString(cert);
    const int san = X509_get_ext_by_NID(cert, NID_subject_alt_name, -1);
    ASSERT_GE(san, 0);
    EXPECT_EQ(X509_EXTENSION_get_critical(X509_get_ext(cert, san)), 1);
    EXPECT_EQ(crypto::UriSans(cert), std::vector<std::string>{kFooId});
    EXPECT_TRUE(crypto::DnsSans(cert).empty());
    std::vector<std::string> intermediates(chain.begin() + 1, chain.end() - 1);
    EXPECT_TRUE(OpensslVerifyStrict(chain.front(), intermediates, chain.back(), "sslclient").ok());
  }
}

}  // namespace
}  // namespace svidd::testing
