#include "svidd/pki/ca_material.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <fstream>
#include <functional>

#include "support/pki/test_cert_builder.h"
#include "svidd/common/atomic_file.h"
#include "svidd/common/time_format.h"
#include "svidd/crypto/pem.h"
#include "svidd/crypto/x509_fields.h"
#include "svidd/pki/authority.h"

namespace svidd::pki {
namespace {

namespace fs = std::filesystem;
using std::chrono::hours;
using ::testing::HasSubstr;

const TimePoint kNow = FromUnixSeconds(1'900'000'000);

std::string Pem(const X509* cert) { return crypto::CertificateToPem(cert).value(); }
std::string Pem(const std::vector<const X509*>& certs) {
  return crypto::CertificatesToPem(certs).value();
}
std::string KeyPem(const EVP_PKEY* key) { return crypto::PrivateKeyToPkcs8Pem(key).value(); }

unsigned Mode(const fs::path& path) {
  struct stat st;
  EXPECT_EQ(::stat(path.c_str(), &st), 0) << path;
  return st.st_mode & 07777;
}

CaMaterial Bootstrap(TimePoint now, crypto::KeyType type = crypto::KeyType::kEcP256) {
  CaBootstrapOptions options;
  options.key_type = type;
  auto ca = BootstrapCa(options, now);
  EXPECT_TRUE(ca.ok()) << ca.status();
  return *std::move(ca);
}

testing::TestCert MakeCert(const testing::TestCertOptions& options,
                           const testing::TestCert* issuer = nullptr) {
  auto cert = testing::MakeTestCert(options, issuer);
  EXPECT_TRUE(cert.ok()) << cert.status();
  return *std::move(cert);
}

class CaMaterialTest : public ::testing::Test {
 public:  // the damage table in RefusesBrokenFiles reaches in
  void SetUp() override {
    char pattern[] = "/tmp/svidd-ca-test-XXXXXX";
    ASSERT_NE(::mkdtemp(pattern), nullptr);
    base_ = pattern;
    dir_ = base_ / "cacerts";
  }
  void TearDown() override { fs::remove_all(base_); }

  void WriteFile(const std::string& name, const std::string& content) {
    fs::create_directories(dir_);
    std::ofstream(dir_ / name, std::ios::binary) << content;
  }
  // The Istio layout by hand: signer, key, roots, and (if given) cert-chain.pem.
  void WriteLayout(const X509* signer, const EVP_PKEY* key, const std::vector<const X509*>& roots,
                   const std::vector<const X509*>& chain) {
    WriteFile("ca-cert.pem", Pem(signer));
    WriteFile("ca-key.pem", KeyPem(key));
    WriteFile("root-cert.pem", Pem(roots));
    if (!chain.empty()) WriteFile("cert-chain.pem", Pem(chain));
  }
  void ExpectRefused(TimePoint now, const std::string& file, const std::string& problem) {
    auto loaded = LoadIstioCaDir(dir_, now);
    EXPECT_EQ(loaded.status().code(), absl::StatusCode::kFailedPrecondition) << loaded.status();
    const std::string message(loaded.status().message());
    EXPECT_THAT(message, HasSubstr(file));
    EXPECT_THAT(message, HasSubstr(problem));
  }

  fs::path base_;
  fs::path dir_;
};

TEST_F(CaMaterialTest, BootstrapMakesRootAndIntermediate) {
  CaMaterial ca = Bootstrap(kNow);
  ASSERT_EQ(ca.roots.size(), 1u);
  const X509* root = ca.roots[0].get();
  const X509* signer = ca.signing_cert.get();
  EXPECT_TRUE(ca.intermediates.empty());
  EXPECT_TRUE(crypto::IsSelfSigned(root));
  EXPECT_TRUE(crypto::IsCaCertificate(root));
  EXPECT_TRUE(crypto::IsCaCertificate(signer));
  EXPECT_EQ(crypto::SubjectString(root), "CN=svidd root CA,O=cluster.local");
  EXPECT_EQ(crypto::SubjectString(signer), "CN=svidd intermediate CA,O=cluster.local");
  EXPECT_EQ(crypto::IssuerString(signer), crypto::SubjectString(root));
  EXPECT_EQ(crypto::UriSans(root), std::vector<std::string>{"spiffe://cluster.local"});
  EXPECT_EQ(crypto::UriSans(signer), std::vector<std::string>{"spiffe://cluster.local"});
  EXPECT_EQ(X509_get_pathlen(const_cast<X509*>(signer)), 0);
  EXPECT_EQ(X509_get_key_usage(const_cast<X509*>(signer)),
            static_cast<uint32_t>(KU_KEY_CERT_SIGN | KU_CRL_SIGN));
  EXPECT_EQ(crypto::NotBefore(signer), kNow - std::chrono::minutes(2));
  EXPECT_EQ(crypto::NotAfter(signer), kNow + hours(24 * 365));
  EXPECT_EQ(crypto::NotAfter(root), kNow + hours(24 * 365 * 10));
  EXPECT_TRUE(crypto::KeyMatchesCertificate(ca.signing_key.get(), signer));
  EXPECT_FALSE(crypto::SubjectKeyIdHex(signer).empty());
  for (const X509* cert : {root, signer}) {
    EXPECT_LE(X509_get0_serialNumber(cert)->length, 16);
    EXPECT_GE(X509_get0_serialNumber(cert)->length, 8);
    EXPECT_EQ(X509_get0_serialNumber(cert)->type, V_ASN1_INTEGER);
  }
}

TEST_F(CaMaterialTest, IntermediateNeverOutlivesTheRoot) {
  CaBootstrapOptions options;
  options.root_ttl = hours(48);
  options.intermediate_ttl = hours(24 * 365);
  auto ca = BootstrapCa(options, kNow);
  ASSERT_TRUE(ca.ok()) << ca.status();
  EXPECT_EQ(crypto::NotAfter(ca->signing_cert.get()), crypto::NotAfter(ca->roots[0].get()));
}

TEST_F(CaMaterialTest, BootstrapHonoursKeyTypeAndTrustDomain) {
  CaBootstrapOptions options;
  options.key_type = crypto::KeyType::kRsa2048;
  options.trust_domain = "example.org";
  auto ca = BootstrapCa(options, kNow);
  ASSERT_TRUE(ca.ok()) << ca.status();
  EXPECT_EQ(crypto::DescribeKey(ca->signing_key.get())->Label(), "RSA-2048");
  EXPECT_EQ(crypto::UriSans(ca->roots[0].get()), std::vector<std::string>{"spiffe://example.org"});

  options.trust_domain = "Bad@Domain";
  EXPECT_FALSE(BootstrapCa(options, kNow).ok());
}

TEST_F(CaMaterialTest, WriteThenLoadRoundTrips) {
  CaMaterial ca = Bootstrap(kNow);
  ASSERT_TRUE(WriteIstioCaDir(dir_, ca).ok());
  EXPECT_EQ(Mode(dir_), 0700u);
  EXPECT_EQ(Mode(dir_ / "ca-key.pem"), 0600u);
  EXPECT_EQ(Mode(dir_ / "ca-cert.pem"), 0644u);
  auto chain = crypto::ParseCertificatesPem(ReadFileToString(dir_ / "cert-chain.pem").value());
  ASSERT_TRUE(chain.ok()) << chain.status();
  ASSERT_EQ(chain->size(), 2u) << "signer up to and including the root";
  EXPECT_EQ(X509_cmp((*chain)[0].get(), ca.signing_cert.get()), 0);
  EXPECT_EQ(X509_cmp((*chain)[1].get(), ca.roots[0].get()), 0);

  auto loaded = LoadIstioCaDir(dir_, kNow + hours(1));
  ASSERT_TRUE(loaded.ok()) << loaded.status();
  EXPECT_EQ(X509_cmp(loaded->signing_cert.get(), ca.signing_cert.get()), 0);
  EXPECT_EQ(EVP_PKEY_eq(loaded->signing_key.get(), ca.signing_key.get()), 1);
  EXPECT_TRUE(loaded->intermediates.empty());
  ASSERT_EQ(loaded->roots.size(), 1u);
  EXPECT_EQ(X509_cmp(loaded->roots[0].get(), ca.roots[0].get()), 0);
}

TEST_F(CaMaterialTest, LoadOrBootstrapCreatesOnceThenReuses) {
  auto first = LoadOrBootstrapCa(dir_, {}, kNow);
  ASSERT_TRUE(first.ok()) << first.status();
  auto second = LoadOrBootstrapCa(dir_, {}, kNow + hours(1));
  ASSERT_TRUE(second.ok()) << second.status();
  EXPECT_EQ(X509_cmp(first->signing_cert.get(), second->signing_cert.get()), 0);
}

TEST_F(CaMaterialTest, MissingDirectoryIsNotFound) {
  EXPECT_EQ(LoadIstioCaDir(dir_, kNow).status().code(), absl::StatusCode::kNotFound);
}

TEST_F(CaMaterialTest, RefusesBrokenFiles) {
  struct Case {
    const char* name;
    std::function<void(CaMaterialTest&)> damage;
    const char* file;
    const char* problem;
  };
  const Case cases[] = {
      {"empty signer", [](CaMaterialTest& t) { t.WriteFile("ca-cert.pem", ""); }, "ca-cert.pem",
       "empty"},
      {"garbage signer", [](CaMaterialTest& t) { t.WriteFile("ca-cert.pem", "hello\n"); },
       "ca-cert.pem", "not PEM"},
      {"missing key", [](CaMaterialTest& t) { fs::remove(t.dir_ / "ca-key.pem"); }, "ca-key.pem",
       "missing"},
      {"garbage key", [](CaMaterialTest& t) { t.WriteFile("ca-key.pem", "nope"); }, "ca-key.pem",
       "private key"},
      {"missing roots", [](CaMaterialTest& t) { fs::remove(t.dir_ / "root-cert.pem"); },
       "root-cert.pem", "missing"},
      {"empty roots", [](CaMaterialTest& t) { t.WriteFile("root-cert.pem", "\n"); },
       "root-cert.pem", "empty"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    fs::remove_all(dir_);
    ASSERT_TRUE(WriteIstioCaDir(dir_, Bootstrap(kNow)).ok());
    c.damage(*this);
    ExpectRefused(kNow, c.file, c.problem);
  }
}

TEST_F(CaMaterialTest, RefusesALeafAsSigner) {
  testing::TestCert root = MakeCert(testing::CaOptions("root", kNow));
  testing::TestCertOptions leaf_options = testing::CaOptions("", kNow);
  leaf_options.basic_constraints = "critical,CA:FALSE";
  leaf_options.key_usage = "critical,digitalSignature";
  leaf_options.subject_alt_name = "critical,URI:spiffe://cluster.local/ns/a/sa/b";
  testing::TestCert leaf = MakeCert(leaf_options, &root);
  WriteLayout(leaf.cert.get(), leaf.key.get(), {root.cert.get()}, {});
  ExpectRefused(kNow, "ca-cert.pem", "not a CA");
}

TEST_F(CaMaterialTest, RefusesACaWithoutKeyCertSign) {
  testing::TestCert root = MakeCert(testing::CaOptions("root", kNow));
  testing::TestCertOptions options = testing::CaOptions("no keyCertSign", kNow);
  options.key_usage = "critical,digitalSignature,cRLSign";
  testing::TestCert signer = MakeCert(options, &root);
  WriteLayout(signer.cert.get(), signer.key.get(), {root.cert.get()}, {});
  ExpectRefused(kNow, "ca-cert.pem", "keyCertSign");
}

TEST_F(CaMaterialTest, RefusesAMismatchedKey) {
  CaMaterial ca = Bootstrap(kNow);
  ASSERT_TRUE(WriteIstioCaDir(dir_, ca).ok());
  crypto::EvpPkeyPtr other = GenerateKey(crypto::KeyType::kEcP256).value();
  WriteFile("ca-key.pem", KeyPem(other.get()));
  ExpectRefused(kNow, "ca-key.pem", "does not match");
}

TEST_F(CaMaterialTest, RefusesAChainToAnotherRoot) {
  CaMaterial ca = Bootstrap(kNow);
  CaMaterial other = Bootstrap(kNow);
  ASSERT_TRUE(WriteIstioCaDir(dir_, ca).ok());
  WriteFile("root-cert.pem", Pem(other.roots[0].get()));
  ExpectRefused(kNow, "root-cert.pem", "unable to get local issuer certificate");
}

TEST_F(CaMaterialTest, RefusesASignerOutsideItsValidity) {
  CaBootstrapOptions options;
  options.intermediate_ttl = hours(1);
  ASSERT_TRUE(WriteIstioCaDir(dir_, BootstrapCa(options, kNow - hours(2)).value()).ok());
  ExpectRefused(kNow, "ca-cert.pem", "expired");

  fs::remove_all(dir_);
  ASSERT_TRUE(WriteIstioCaDir(dir_, BootstrapCa(options, kNow + hours(1)).value()).ok());
  ExpectRefused(kNow, "ca-cert.pem", "not valid before");
}

TEST_F(CaMaterialTest, AcceptsSeveralRootsInTheBundle) {
  CaMaterial ca = Bootstrap(kNow);
  CaMaterial old_ca = Bootstrap(kNow);
  CaMaterial next_ca = Bootstrap(kNow);
  ASSERT_TRUE(WriteIstioCaDir(dir_, ca).ok());
  WriteFile("root-cert.pem",
            Pem({old_ca.roots[0].get(), ca.roots[0].get(), next_ca.roots[0].get()}));
  auto loaded = LoadIstioCaDir(dir_, kNow);
  ASSERT_TRUE(loaded.ok()) << loaded.status();
  EXPECT_EQ(loaded->roots.size(), 3u);
  EXPECT_TRUE(loaded->intermediates.empty());
  auto authority = Authority::Create(*std::move(loaded));
  ASSERT_TRUE(authority.ok()) << authority.status();
  EXPECT_EQ(crypto::ParseCertificatesPem((*authority)->root_bundle_pem())->size(), 3u);
}

TEST_F(CaMaterialTest, SignerCanBeTheRoot) {
  testing::TestCert root = MakeCert(testing::CaOptions("root signs directly", kNow));
  for (bool chain_file_present : {false, true}) {
    SCOPED_TRACE(chain_file_present ? "empty cert-chain.pem" : "no cert-chain.pem");
    fs::remove_all(dir_);
    WriteLayout(root.cert.get(), root.key.get(), {root.cert.get()}, {});
    if (chain_file_present) WriteFile("cert-chain.pem", "");
    auto loaded = LoadIstioCaDir(dir_, kNow);
    ASSERT_TRUE(loaded.ok()) << loaded.status();
    EXPECT_TRUE(loaded->intermediates.empty());
    // Written back, cert-chain.pem is empty: nothing lies between signer and root.
    fs::path copy = base_ / "copy";
    ASSERT_TRUE(WriteIstioCaDir(copy, *loaded).ok());
    EXPECT_EQ(ReadFileToString(copy / "cert-chain.pem").value(), "");
    ASSERT_TRUE(LoadIstioCaDir(copy, kNow).ok());
    fs::remove_all(copy);
  }
}

TEST_F(CaMaterialTest, ThreeLevelChainNeedsCertChainPem) {
  testing::TestCert root = MakeCert(testing::CaOptions("root", kNow));
  testing::TestCert middle = MakeCert(testing::CaOptions("middle", kNow), &root);
  testing::TestCert signer = MakeCert(testing::CaOptions("signer", kNow), &middle);
  WriteLayout(signer.cert.get(), signer.key.get(), {root.cert.get()},
              {signer.cert.get(), middle.cert.get(), root.cert.get()});
  auto loaded = LoadIstioCaDir(dir_, kNow);
  ASSERT_TRUE(loaded.ok()) << loaded.status();
  ASSERT_EQ(loaded->intermediates.size(), 1u);
  EXPECT_EQ(X509_cmp(loaded->intermediates[0].get(), middle.cert.get()), 0);

  fs::path copy = base_ / "copy";
  ASSERT_TRUE(WriteIstioCaDir(copy, *loaded).ok());
  EXPECT_EQ(crypto::ParseCertificatesPem(ReadFileToString(copy / "cert-chain.pem").value())->size(),
            3u);

  fs::remove(dir_ / "cert-chain.pem");
  ExpectRefused(kNow, "ca-cert.pem", "unable to get local issuer certificate");
}

TEST_F(CaMaterialTest, LoadedCaSignsVerifiableLeaves) {
  ASSERT_TRUE(WriteIstioCaDir(dir_, Bootstrap(kNow, crypto::KeyType::kRsa2048)).ok());
  auto loaded = LoadIstioCaDir(dir_, kNow);
  ASSERT_TRUE(loaded.ok()) << loaded.status();
  auto authority = Authority::Create(*std::move(loaded));
  ASSERT_TRUE(authority.ok()) << authority.status();
  auto id = spiffe::SpiffeId::Parse("spiffe://cluster.local/ns/a/sa/b").value();
  auto profile = BuildLeafProfile(id, hours(1), TtlPolicy{}, kNow, (*authority)->not_after());
  ASSERT_TRUE(profile.ok()) << profile.status();
  crypto::EvpPkeyPtr key = GenerateKey(crypto::KeyType::kEcP256).value();
  auto issued = (*authority)->SignLeaf(*profile, key.get());
  ASSERT_TRUE(issued.ok()) << issued.status();
  EXPECT_TRUE((*authority)
                  ->VerifyClientCertificate(crypto::ParseCertificateDer(issued->der).value().get(),
                                            {}, kNow)
                  .ok());
}

}  // namespace
}  // namespace svidd::pki
