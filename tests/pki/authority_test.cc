#include "svidd/pki/authority.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <openssl/x509v3.h>

#include <set>
#include <thread>

#include "support/pki/external_verify.h"
#include "svidd/crypto/keys.h"
#include "svidd/crypto/pem.h"
#include "svidd/crypto/x509_fields.h"

namespace svidd::pki {
namespace {

using std::chrono::hours;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

spiffe::SpiffeId Workload() {
  return spiffe::SpiffeId::Parse("spiffe://cluster.local/ns/default/sa/web").value();
}

// The issued certificate as an X509, for OpenSSL's getters.
crypto::X509Ptr Cert(const IssuedCertificate& issued) {
  auto cert = crypto::ParseCertificateDer(issued.der);
  EXPECT_TRUE(cert.ok()) << cert.status();
  return cert.ok() ? *std::move(cert) : nullptr;
}

// OpenSSL's getters cache parsed extensions in the object, hence non-const.
X509* Mutable(const X509* cert) { return const_cast<X509*>(cert); }

// 1 critical, 0 not critical, -1 absent.
int Criticality(const X509* cert, int nid) {
  const int index = X509_get_ext_by_NID(cert, nid, -1);
  return index < 0 ? -1 : X509_EXTENSION_get_critical(X509_get_ext(cert, index));
}

std::string OctetsOf(const ASN1_OCTET_STRING* s) {
  return s == nullptr ? "" : std::string(reinterpret_cast<const char*>(s->data), s->length);
}

std::string KeyHash(const X509* cert) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EXPECT_EQ(X509_pubkey_digest(cert, EVP_sha1(), md, &len), 1);
  return std::string(reinterpret_cast<const char*>(md), len);
}

bool SameSerial(const X509* cert, const std::string& serial) {
  crypto::BignumPtr want(BN_bin2bn(reinterpret_cast<const unsigned char*>(serial.data()),
                                   static_cast<int>(serial.size()), nullptr));
  crypto::BignumPtr got(ASN1_INTEGER_to_BN(X509_get0_serialNumber(cert), nullptr));
  return want && got && BN_cmp(want.get(), got.get()) == 0;
}

// Issues leaves at the real current time, so that the external tools accept them.
class AuthorityTest : public ::testing::Test {
 protected:
  std::shared_ptr<const Authority> MakeAuthority(
      crypto::KeyType ca_key = crypto::KeyType::kEcP256) {
    auto authority = testing::MakeTestAuthority(clock_.Now(), ca_key);
    EXPECT_TRUE(authority.ok()) << authority.status();
    return authority.ok() ? *authority : nullptr;
  }

  LeafProfile Profile(const Authority& authority, std::vector<std::string> dns = {}) {
    auto profile = BuildLeafProfile(Workload(), hours(1), TtlPolicy{}, clock_.Now(),
                                    authority.not_after(), std::move(dns));
    EXPECT_TRUE(profile.ok()) << profile.status();
    return *std::move(profile);
  }

  IssuedCertificate Issue(const Authority& authority, const EVP_PKEY* key) {
    auto issued = authority.SignLeaf(Profile(authority), key);
    EXPECT_TRUE(issued.ok()) << issued.status();
    return *std::move(issued);
  }

  static crypto::EvpPkeyPtr Key(crypto::KeyType type) {
    auto key = GenerateKey(type);
    EXPECT_TRUE(key.ok()) << key.status();
    return *std::move(key);
  }

  FakeClock clock_{SystemClock::Instance().Now()};
};

void ExpectIdentityAndValidity(const Authority& authority, const LeafProfile& profile,
                               const IssuedCertificate& issued) {
  crypto::X509Ptr owned = Cert(issued);
  const X509* cert = owned.get();
  EXPECT_EQ(X509_get_version(cert), X509_VERSION_3);
  EXPECT_TRUE(SameSerial(cert, profile.serial));
  EXPECT_NE(X509_get0_serialNumber(cert)->type, V_ASN1_NEG_INTEGER);
  EXPECT_EQ(issued.serial_hex, crypto::SerialHex(cert));
  EXPECT_EQ(X509_NAME_entry_count(X509_get_subject_name(cert)), 0) << "subject must be empty";
  EXPECT_EQ(
      X509_NAME_cmp(X509_get_issuer_name(cert), X509_get_subject_name(authority.signing_cert())),
      0);
  EXPECT_EQ(crypto::NotBefore(cert), profile.not_before);
  EXPECT_EQ(crypto::NotAfter(cert), profile.not_after);
  EXPECT_EQ(issued.not_before, profile.not_before);
  EXPECT_EQ(issued.not_after, profile.not_after);
  EXPECT_EQ(Criticality(cert, NID_subject_alt_name), 1) << "SAN must be critical";
  EXPECT_THAT(crypto::UriSans(cert), ElementsAre(profile.id.str()));
  EXPECT_EQ(crypto::DnsSans(cert), profile.dns_names);
}

void ExpectExtensions(const Authority& authority, const IssuedCertificate& issued,
                      uint32_t key_usage) {
  crypto::X509Ptr owned = Cert(issued);
  const X509* cert = owned.get();
  EXPECT_EQ(X509_get_ext_count(cert), 6) << "SAN, BC, KU, EKU, SKI, AKI and nothing else";
  EXPECT_EQ(Criticality(cert, NID_basic_constraints), 1);
  EXPECT_FALSE(crypto::IsCaCertificate(cert));
  EXPECT_EQ(Criticality(cert, NID_key_usage), 1);
  EXPECT_EQ(X509_get_key_usage(Mutable(cert)), key_usage);
  EXPECT_EQ(Criticality(cert, NID_ext_key_usage), 0);
  EXPECT_EQ(X509_get_extended_key_usage(Mutable(cert)),
            static_cast<uint32_t>(XKU_SSL_SERVER | XKU_SSL_CLIENT));
  EXPECT_EQ(OctetsOf(X509_get0_subject_key_id(Mutable(cert))), KeyHash(cert));
  const std::string signer_ski =
      OctetsOf(X509_get0_subject_key_id(Mutable(authority.signing_cert())));
  EXPECT_FALSE(signer_ski.empty());
  EXPECT_EQ(OctetsOf(X509_get0_authority_key_id(Mutable(cert))), signer_ski);
}

TEST_F(AuthorityTest, LeafCarriesTheSvidProfileForEverySubjectKeyType) {
  struct Case {
    crypto::KeyType key;
    uint32_t key_usage;
  };
  const Case cases[] = {
      {crypto::KeyType::kEcP256, KU_DIGITAL_SIGNATURE},
      {crypto::KeyType::kEcP384, KU_DIGITAL_SIGNATURE},
      {crypto::KeyType::kRsa2048, KU_DIGITAL_SIGNATURE | KU_KEY_ENCIPHERMENT},
      {crypto::KeyType::kEd25519, KU_DIGITAL_SIGNATURE},
  };
  auto authority = MakeAuthority();
  ASSERT_NE(authority, nullptr);
  for (const Case& c : cases) {
    SCOPED_TRACE(KeyTypeName(c.key));
    crypto::EvpPkeyPtr key = Key(c.key);
    const LeafProfile profile = Profile(*authority);
    auto issued = authority->SignLeaf(profile, key.get());
    ASSERT_TRUE(issued.ok()) << issued.status();
    EXPECT_EQ(EVP_PKEY_eq(X509_get0_pubkey(Cert(*issued).get()), key.get()), 1);
    ExpectIdentityAndValidity(*authority, profile, *issued);
    ExpectExtensions(*authority, *issued, c.key_usage);
    auto parsed = crypto::ParseCertificatePem(issued->pem);
    ASSERT_TRUE(parsed.ok()) << parsed.status();
    EXPECT_EQ(X509_cmp(parsed->get(), Cert(*issued).get()), 0);
    EXPECT_EQ(issued->pem.back(), '\n');
  }
}

TEST_F(AuthorityTest, DnsNamesFollowTheUri) {
  auto authority = MakeAuthority();
  ASSERT_NE(authority, nullptr);
  crypto::EvpPkeyPtr key = Key(crypto::KeyType::kEcP256);
  const LeafProfile profile = Profile(*authority, {"localhost", "svidd.istio-system.svc"});
  auto issued = authority->SignLeaf(profile, key.get());
  ASSERT_TRUE(issued.ok()) << issued.status();
  EXPECT_THAT(crypto::UriSans(Cert(*issued).get()), ElementsAre(Workload().str()));
  EXPECT_THAT(crypto::DnsSans(Cert(*issued).get()),
              ElementsAre("localhost", "svidd.istio-system.svc"));
}

TEST_F(AuthorityTest, SignsWithTheDigestThatFitsTheCaKey) {
  struct Case {
    crypto::KeyType ca_key;
    int signature_nid;
  };
  const Case cases[] = {
      {crypto::KeyType::kEcP256, NID_ecdsa_with_SHA256},
      {crypto::KeyType::kEcP384, NID_ecdsa_with_SHA384},
      {crypto::KeyType::kRsa2048, NID_sha256WithRSAEncryption},
      {crypto::KeyType::kEd25519, NID_ED25519},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(KeyTypeName(c.ca_key));
    auto authority = MakeAuthority(c.ca_key);
    ASSERT_NE(authority, nullptr);
    crypto::EvpPkeyPtr key = Key(crypto::KeyType::kEcP256);
    IssuedCertificate issued = Issue(*authority, key.get());
    crypto::X509Ptr cert = Cert(issued);
    ASSERT_NE(cert, nullptr);
    EXPECT_EQ(X509_get_signature_nid(cert.get()), c.signature_nid);
    EXPECT_EQ(X509_verify(cert.get(), X509_get0_pubkey(authority->signing_cert())), 1);
    EXPECT_TRUE(testing::OpensslVerifyStrict(issued.pem, authority->chain_pem(),
                                             authority->root_bundle_pem(), "sslclient")
                    .ok());
  }
}

TEST_F(AuthorityTest, ChainPassesExternalVerifiers) {
  auto authority = MakeAuthority();
  ASSERT_NE(authority, nullptr);
  for (crypto::KeyType type :
       {crypto::KeyType::kEcP256, crypto::KeyType::kRsa2048, crypto::KeyType::kEd25519}) {
    SCOPED_TRACE(KeyTypeName(type));
    crypto::EvpPkeyPtr key = Key(type);
    IssuedCertificate issued = Issue(*authority, key.get());
    for (const char* purpose : {"sslclient", "sslserver"}) {
      SCOPED_TRACE(purpose);
      absl::Status status = testing::OpensslVerifyStrict(issued.pem, authority->chain_pem(),
                                                         authority->root_bundle_pem(), purpose);
      EXPECT_TRUE(status.ok()) << status;
    }
    absl::Status status =
        testing::CerttoolVerify(issued.pem, authority->chain_pem(), authority->root_bundle_pem());
    EXPECT_TRUE(status.ok()) << status;
  }
}

TEST_F(AuthorityTest, ExternalVerifiersRefuseAnotherCasLeaf) {
  auto authority = MakeAuthority();
  auto other = MakeAuthority();
  ASSERT_NE(authority, nullptr);
  ASSERT_NE(other, nullptr);
  crypto::EvpPkeyPtr key = Key(crypto::KeyType::kEcP256);
  IssuedCertificate issued = Issue(*other, key.get());
  EXPECT_FALSE(testing::OpensslVerifyStrict(issued.pem, authority->chain_pem(),
                                            authority->root_bundle_pem(), "sslclient")
                   .ok());
  EXPECT_FALSE(
      testing::CerttoolVerify(issued.pem, authority->chain_pem(), authority->root_bundle_pem())
          .ok());
}

TEST_F(AuthorityTest, SerialsAreUniqueAndPositive) {
  auto authority = MakeAuthority();
  ASSERT_NE(authority, nullptr);
  crypto::EvpPkeyPtr key = Key(crypto::KeyType::kEcP256);
  std::set<std::string> serials;
  for (int i = 0; i < 300; ++i) {
    IssuedCertificate issued = Issue(*authority, key.get());
    crypto::X509Ptr cert = Cert(issued);
    ASSERT_NE(cert, nullptr);
    const ASN1_INTEGER* serial = X509_get0_serialNumber(cert.get());
    EXPECT_EQ(serial->type, V_ASN1_INTEGER);
    EXPECT_LE(serial->length, 16);
    EXPECT_GE(serial->length, 8) << "at least 64 random bits, barring astronomical luck";
    EXPECT_TRUE(serials.insert(issued.serial_hex).second) << issued.serial_hex;
  }
}

TEST_F(AuthorityTest, SigningConcurrentlyFromOneSnapshotIsSafe) {
  auto authority = MakeAuthority();
  ASSERT_NE(authority, nullptr);
  crypto::EvpPkeyPtr key = Key(crypto::KeyType::kEcP256);
  const LeafProfile profile = Profile(*authority);
  constexpr int kThreads = 4;
  constexpr int kEach = 50;
  std::vector<std::vector<std::string>> serials(kThreads);
  std::vector<int> failures(kThreads, 0);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kEach; ++i) {
        LeafProfile mine = profile;
        mine.serial = RandomSerial().value();
        auto issued = authority->SignLeaf(mine, key.get());
        if (!issued.ok() ||
            !authority->VerifyClientCertificate(Cert(*issued).get(), {}, clock_.Now()).ok()) {
          ++failures[t];
          continue;
        }
        serials[t].push_back(issued->serial_hex);
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  std::set<std::string> all;
  for (int t = 0; t < kThreads; ++t) {
    EXPECT_EQ(failures[t], 0);
    all.insert(serials[t].begin(), serials[t].end());
  }
  EXPECT_EQ(all.size(), static_cast<size_t>(kThreads * kEach));
}

TEST_F(AuthorityTest, ChainAndBundleHaveIstioShape) {
  auto authority = MakeAuthority();
  ASSERT_NE(authority, nullptr);
  ASSERT_EQ(authority->chain_pem().size(), 1u);  // bootstrap: intermediate signs, root trusts
  const std::string& signer = authority->chain_pem()[0];
  EXPECT_EQ(signer.back(), '\n');
  auto parsed = crypto::ParseCertificatePem(signer);
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  EXPECT_EQ(X509_cmp(parsed->get(), authority->signing_cert()), 0);
  auto roots = crypto::ParseCertificatesPem(authority->root_bundle_pem());
  ASSERT_TRUE(roots.ok()) << roots.status();
  ASSERT_EQ(roots->size(), 1u);
  EXPECT_EQ(X509_cmp(roots->front().get(), authority->roots().front().get()), 0);
  EXPECT_EQ(authority->not_after(), crypto::NotAfter(authority->signing_cert()));
  EXPECT_EQ(authority->signer_serial_hex(), crypto::SerialHex(authority->signing_cert()));
}

TEST_F(AuthorityTest, RefusesProfilesItMustNotSign) {
  auto authority = MakeAuthority();
  ASSERT_NE(authority, nullptr);
  crypto::EvpPkeyPtr key = Key(crypto::KeyType::kEcP256);

  LeafProfile beyond_signer = Profile(*authority);
  beyond_signer.not_after = authority->not_after() + std::chrono::seconds(1);
  EXPECT_EQ(authority->SignLeaf(beyond_signer, key.get()).status().code(),
            absl::StatusCode::kFailedPrecondition);

  LeafProfile bad_dns = Profile(*authority, {"ok.example", "evil,URI:spiffe://x/y"});
  EXPECT_EQ(authority->SignLeaf(bad_dns, key.get()).status().code(),
            absl::StatusCode::kInvalidArgument);

  EXPECT_EQ(authority->SignLeaf(Profile(*authority), nullptr).status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST_F(AuthorityTest, VerifyClientCertificateAcceptsItsOwnLeaf) {
  auto authority = MakeAuthority();
  ASSERT_NE(authority, nullptr);
  crypto::EvpPkeyPtr key = Key(crypto::KeyType::kEcP256);
  IssuedCertificate issued = Issue(*authority, key.get());
  EXPECT_TRUE(authority->VerifyClientCertificate(Cert(issued).get(), {}, clock_.Now()).ok());
  // A peer that sends the intermediate itself changes nothing.
  std::vector<X509*> sent = {Mutable(authority->signing_cert())};
  EXPECT_TRUE(authority->VerifyClientCertificate(Cert(issued).get(), sent, clock_.Now()).ok());
}

TEST_F(AuthorityTest, VerifyClientCertificateRefuses) {
  auto authority = MakeAuthority();
  auto other = MakeAuthority();
  ASSERT_NE(authority, nullptr);
  ASSERT_NE(other, nullptr);
  crypto::EvpPkeyPtr key = Key(crypto::KeyType::kEcP256);
  IssuedCertificate good = Issue(*authority, key.get());
  IssuedCertificate foreign = Issue(*other, key.get());
  crypto::X509Ptr good_cert = Cert(good), foreign_cert = Cert(foreign);
  const TimePoint now = clock_.Now();
  struct Case {
    const char* name;
    const X509* leaf;
    TimePoint at;
    const char* reason;
  };
  const Case cases[] = {
      {"expired", good_cert.get(), good.not_after + hours(1), "certificate has expired"},
      {"not yet valid", good_cert.get(), good.not_before - hours(1), "not yet valid"},
      {"another CA's leaf", foreign_cert.get(), now, "unable to get local issuer certificate"},
      {"a CA certificate", authority->signing_cert(), now, "CA certificate"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    absl::Status status = authority->VerifyClientCertificate(c.leaf, {}, c.at);
    EXPECT_EQ(status.code(), absl::StatusCode::kUnauthenticated) << status;
    EXPECT_THAT(std::string(status.message()), HasSubstr(c.reason));
  }
}

TEST_F(AuthorityTest, LeafNamesTheCrlDistributionPointWhenConfigured) {
  auto material = BootstrapCa(CaBootstrapOptions{}, clock_.Now());
  ASSERT_TRUE(material.ok()) << material.status();
  auto authority = Authority::Create(*std::move(material),
                                     AuthorityOptions{"http://svidd.svidd-system.svc:8080"});
  ASSERT_TRUE(authority.ok()) << authority.status();
  const Authority& ca = **authority;
  EXPECT_EQ(ca.crl_url(),
            "http://svidd.svidd-system.svc:8080/crl/" + ca.signer_serial_hex() + ".crl");
  for (crypto::KeyType type : {crypto::KeyType::kEcP256, crypto::KeyType::kRsa2048}) {
    SCOPED_TRACE(KeyTypeName(type));
    crypto::EvpPkeyPtr key = Key(type);
    IssuedCertificate issued = Issue(ca, key.get());
    crypto::X509Ptr cert = Cert(issued);
    ASSERT_NE(cert, nullptr);
    EXPECT_EQ(X509_get_ext_count(cert.get()), 7) << "the SVID extensions, then the CDP";
    EXPECT_EQ(Criticality(cert.get(), NID_crl_distribution_points), 0);
    EXPECT_THAT(crypto::CrlDistributionPointUris(cert.get()), ElementsAre(ca.crl_url()));
    for (const char* purpose : {"sslclient", "sslserver"}) {
      SCOPED_TRACE(purpose);
      absl::Status status =
          testing::OpensslVerifyStrict(issued.pem, ca.chain_pem(), ca.root_bundle_pem(), purpose);
      EXPECT_TRUE(status.ok()) << status;
    }
    absl::Status status = testing::CerttoolVerify(issued.pem, ca.chain_pem(), ca.root_bundle_pem());
    EXPECT_TRUE(status.ok()) << status;
  }
}

TEST_F(AuthorityTest, NoCrlDistributionPointByDefault) {
  auto authority = MakeAuthority();
  ASSERT_NE(authority, nullptr);
  EXPECT_EQ(authority->crl_url(), "");
  crypto::EvpPkeyPtr key = Key(crypto::KeyType::kEcP256);
  IssuedCertificate issued = Issue(*authority, key.get());
  EXPECT_TRUE(crypto::CrlDistributionPointUris(Cert(issued).get()).empty());
}

TEST_F(AuthorityTest, RefusesABadCrlUrlBase) {
  auto material = BootstrapCa(CaBootstrapOptions{}, clock_.Now());
  ASSERT_TRUE(material.ok()) << material.status();
  auto authority = Authority::Create(*std::move(material), AuthorityOptions{"ldap://x"});
  EXPECT_EQ(authority.status().code(), absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace svidd::pki
