// svidd's own root: stored apart from the Istio layout, minting intermediates that pass the
// operator-CA checks and the external validators, and the self-test a new CA must pass.
#include "svidd/pki/root_ca.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <fstream>

#include "support/pki/external_verify.h"
#include "svidd/common/time_format.h"
#include "svidd/crypto/pem.h"
#include "svidd/crypto/x509_fields.h"
#include "svidd/pki/authority.h"
#include "svidd/pki/leaf_profile.h"

namespace svidd::pki {
namespace {

namespace fs = std::filesystem;
using std::chrono::hours;

class RootCaTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char pattern[] = "/tmp/svidd-root-test-XXXXXX";
    ASSERT_NE(::mkdtemp(pattern), nullptr);
    dir_ = pattern;
  }
  void TearDown() override { fs::remove_all(dir_); }

  RootCa Root(TimePoint now = SystemClock::Instance().Now()) {
    CaBootstrapOptions options;
    options.trust_domain = "example.org";
    auto root = MakeRootCa(options, now);
    EXPECT_TRUE(root.ok()) << root.status();
    return std::move(*root);
  }

  fs::path dir_;
};

TEST_F(RootCaTest, WriteThenLoadKeepsTheKeyPrivate) {
  RootCa root = Root();
  ASSERT_TRUE(WriteRootCaDir(dir_ / "root", root).ok());
  struct stat st;
  ASSERT_EQ(::stat((dir_ / "root" / "root-key.pem").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  auto loaded = LoadRootCaDir(dir_ / "root");
  ASSERT_TRUE(loaded.ok()) << loaded.status();
  EXPECT_EQ(crypto::SerialHex(loaded->cert.get()), crypto::SerialHex(root.cert.get()));
  EXPECT_TRUE(crypto::IsSelfSigned(loaded->cert.get()));
}

TEST_F(RootCaTest, LoadRefusesWhatIsNotItsOwnRoot) {
  EXPECT_TRUE(absl::IsNotFound(LoadRootCaDir(dir_ / "absent").status()));
  RootCa a = Root();
  RootCa b = Root();
  ASSERT_TRUE(WriteRootCaDir(dir_ / "mixed", a).ok());
  std::ofstream(dir_ / "mixed" / "root-key.pem")
      << crypto::PrivateKeyToPkcs8Pem(b.key.get()).value();
  auto mixed = LoadRootCaDir(dir_ / "mixed");
  EXPECT_EQ(mixed.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_NE(mixed.status().message().find("does not match"), std::string::npos);
  EXPECT_EQ(mixed.status().message().find("PRIVATE"), std::string::npos);
}

TEST_F(RootCaTest, IntermediatesPassExternalValidatorsAndNeverOutliveTheRoot) {
  const TimePoint now = SystemClock::Instance().Now();
  RootCa root = Root(now);
  IntermediateSpec spec{"example.org", crypto::KeyType::kEcP256, hours(24 * 365 * 20),
                        "istiod plug-in"};
  auto ca = IssueIntermediate(root, spec, {root.cert.get()}, now);
  ASSERT_TRUE(ca.ok()) << ca.status();
  EXPECT_EQ(crypto::NotAfter(ca->signing_cert.get()), crypto::NotAfter(root.cert.get()));
  EXPECT_NE(crypto::SubjectString(ca->signing_cert.get()).find("istiod plug-in"),
            std::string::npos);
  EXPECT_EQ(crypto::UriSans(ca->signing_cert.get()),
            std::vector<std::string>{"spiffe://example.org"});

  auto authority = Authority::Create(std::move(*ca));
  ASSERT_TRUE(authority.ok());
  EXPECT_TRUE((*authority)->SelfTest(now).ok());
  auto id = spiffe::SpiffeId::Parse("spiffe://example.org/ns/a/sa/b").value();
  auto key = GenerateKey(crypto::KeyType::kEcP256).value();
  auto profile = BuildLeafProfile(id, hours(1), TtlPolicy{}, now, (*authority)->not_after());
  auto leaf = (*authority)->SignLeaf(*profile, key.get());
  ASSERT_TRUE(leaf.ok());
  const std::vector<std::string> chain = (*authority)->chain_pem();
  EXPECT_TRUE(
      testing::OpensslVerifyStrict(leaf->pem, chain, (*authority)->root_bundle_pem(), "sslclient")
          .ok());
  EXPECT_TRUE(testing::CerttoolVerify(leaf->pem, chain, (*authority)->root_bundle_pem()).ok());
}

TEST_F(RootCaTest, IntermediateWithAForeignBundleIsRefused) {
  const TimePoint now = SystemClock::Instance().Now();
  RootCa root = Root(now);
  RootCa other = Root(now);
  IntermediateSpec spec{"example.org"};
  auto ca = IssueIntermediate(root, spec, {other.cert.get()}, now);
  EXPECT_EQ(ca.status().code(), absl::StatusCode::kFailedPrecondition) << ca.status();
}

TEST_F(RootCaTest, SelfTestFailsForAnExpiredSigner) {
  const TimePoint now = SystemClock::Instance().Now();
  RootCa root = Root(now);
  auto ca = IssueIntermediate(root, IntermediateSpec{"example.org"}, {root.cert.get()}, now);
  ASSERT_TRUE(ca.ok());
  auto authority = Authority::Create(std::move(*ca)).value();
  absl::Status late = authority->SelfTest(authority->not_after() + hours(1));
  EXPECT_EQ(late.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_NE(late.message().find("self-test"), std::string::npos) << late;
}

}  // namespace
}  // namespace svidd::pki
