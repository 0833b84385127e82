#include "svidd/spiffe/trust_bundle.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "absl/strings/escaping.h"
#include "nlohmann/json.hpp"
#include "support/pki/test_cert_builder.h"
#include "svidd/common/base64url.h"
#include "svidd/crypto/pem.h"
#include "yaml-cpp/yaml.h"

namespace svidd::spiffe {
namespace {

using json = nlohmann::json;
using ::testing::HasSubstr;

class TrustBundleTest : public ::testing::Test {
 protected:
  testing::TestCert Root(crypto::KeyType type, const std::string& name = "root") {
    testing::TestCertOptions options = testing::CaOptions(name, SystemClock::Instance().Now());
    options.key_type = type;
    auto cert = testing::MakeTestCert(options);
    EXPECT_TRUE(cert.ok()) << cert.status();
    return *std::move(cert);
  }

  TrustBundle Bundle(const std::vector<const X509*>& roots, uint64_t sequence = 7) {
    auto bundle = TrustBundle::Create("example.org", roots, sequence, std::chrono::seconds(60));
    EXPECT_TRUE(bundle.ok()) << bundle.status();
    return *std::move(bundle);
  }

  static json Jwks(const TrustBundle& bundle) {
    auto text = bundle.ToSpiffeJwks();
    EXPECT_TRUE(text.ok()) << text.status();
    return json::parse(text.value_or("null"));
  }
};

size_t DecodedSize(const json& member) {
  return Base64UrlDecode(member.get<std::string>()).value_or("").size();
}

TEST_F(TrustBundleTest, SpiffeJwksHasTheRequiredMembersForEveryKeyType) {
  struct Case {
    crypto::KeyType type;
    const char* kty;
    std::vector<std::pair<std::string, size_t>> members;  // name, decoded size (0: any)
    const char* crv;
  };
  const Case cases[] = {
      {crypto::KeyType::kEcP256, "EC", {{"x", 32}, {"y", 32}}, "P-256"},
      {crypto::KeyType::kEcP384, "EC", {{"x", 48}, {"y", 48}}, "P-384"},
      {crypto::KeyType::kRsa2048, "RSA", {{"n", 256}, {"e", 3}}, nullptr},
      {crypto::KeyType::kEd25519, "OKP", {{"x", 32}}, "Ed25519"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(KeyTypeName(c.type));
    testing::TestCert root = Root(c.type);
    json doc = Jwks(Bundle({root.cert.get()}, 42));
    EXPECT_EQ(doc["spiffe_sequence"], 42);
    EXPECT_EQ(doc["spiffe_refresh_hint"], 60);
    ASSERT_EQ(doc["keys"].size(), 1u);
    const json& key = doc["keys"][0];
    EXPECT_EQ(key["use"], "x509-svid");
    EXPECT_EQ(key["kty"], c.kty);
    EXPECT_FALSE(key.contains("kid")) << "SPIFFE: no kid on X.509 authorities";
    if (c.crv != nullptr) {
      EXPECT_EQ(key["crv"], c.crv);
    }
    for (const auto& [name, size] : c.members) {
      SCOPED_TRACE(name);
      ASSERT_TRUE(key.contains(name));
      EXPECT_EQ(DecodedSize(key[name]), size);
    }
    ASSERT_EQ(key["x5c"].size(), 1u);
    EXPECT_EQ(key["x5c"][0], absl::Base64Escape(crypto::CertificateToDer(root.cert.get()).value()))
        << "x5c is standard, padded base64 of the DER";
  }
}

TEST_F(TrustBundleTest, RsaExponentIsMinimal) {
  testing::TestCert root = Root(crypto::KeyType::kRsa2048);
  EXPECT_EQ(Jwks(Bundle({root.cert.get()}))["keys"][0]["e"], "AQAB");
}

TEST_F(TrustBundleTest, SpiffeJwksRoundTrips) {
  testing::TestCert a = Root(crypto::KeyType::kEcP256, "a");
  testing::TestCert b = Root(crypto::KeyType::kRsa2048, "b");
  testing::TestCert c = Root(crypto::KeyType::kEd25519, "c");
  TrustBundle bundle = Bundle({a.cert.get(), b.cert.get(), c.cert.get()}, 1234567890123);
  std::string text = bundle.ToSpiffeJwks().value();
  EXPECT_EQ(text.back(), '\n');
  auto parsed = TrustBundle::ParseSpiffeJwks("example.org", text);
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  EXPECT_EQ(parsed->trust_domain(), "example.org");
  EXPECT_EQ(parsed->sequence(), 1234567890123u);
  EXPECT_EQ(parsed->refresh_hint(), std::chrono::seconds(60));
  ASSERT_EQ(parsed->roots().size(), 3u);
  for (size_t i = 0; i < 3; ++i) {
    EXPECT_EQ(X509_cmp(parsed->roots()[i].get(), bundle.roots()[i].get()), 0) << i;
  }
  EXPECT_EQ(parsed->ToSpiffeJwks().value(), text);
}

TEST_F(TrustBundleTest, EmptyBundleTrustsNothing) {
  TrustBundle bundle = Bundle({});
  EXPECT_EQ(Jwks(bundle)["keys"], json::array());
  EXPECT_EQ(bundle.ToPem().value(), "");
  auto parsed = TrustBundle::ParseSpiffeJwks("example.org", R"({"keys": []})");
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  EXPECT_TRUE(parsed->roots().empty());
  EXPECT_EQ(parsed->sequence(), 0u);
}

TEST_F(TrustBundleTest, ParseSkipsJwtAuthorities) {
  testing::TestCert root = Root(crypto::KeyType::kEcP256);
  json doc = Jwks(Bundle({root.cert.get()}));
  doc["keys"].push_back({{"use", "jwt-svid"}, {"kty", "EC"}, {"kid", "k1"}, {"crv", "P-256"}});
  auto parsed = TrustBundle::ParseSpiffeJwks("example.org", doc.dump());
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  EXPECT_EQ(parsed->roots().size(), 1u);
}

TEST_F(TrustBundleTest, ParseRefusesBrokenBundles) {
  testing::TestCert root = Root(crypto::KeyType::kEcP256, "root");
  testing::TestCert other = Root(crypto::KeyType::kEcP256, "other");
  const json good = Jwks(Bundle({root.cert.get()}));
  const json other_key = Jwks(Bundle({other.cert.get()}))["keys"][0];
  auto with = [&](const std::function<void(json&)>& edit) {
    json doc = good;
    edit(doc);
    return doc.dump();
  };
  const std::string der = crypto::CertificateToDer(root.cert.get()).value();
  struct Case {
    const char* name;
    std::string text;
    const char* reason;
  };
  const Case cases[] = {
      {"not JSON", "{", "not JSON"},
      {"not an object", "[]", "not an object"},
      {"no keys", R"({"spiffe_sequence": 1})", "no \"keys\" array"},
      {"key not an object", R"({"keys": [1]})", "not a JSON object"},
      {"no use", with([](json& d) { d["keys"][0].erase("use"); }), "\"use\" is missing"},
      {"no x5c", with([](json& d) { d["keys"][0].erase("x5c"); }), "exactly one certificate"},
      {"two certificates",
       with([&](json& d) { d["keys"][0]["x5c"].push_back(d["keys"][0]["x5c"][0]); }),
       "exactly one certificate"},
      {"base64url x5c", with([&](json& d) { d["keys"][0]["x5c"][0] = Base64UrlEncode(der); }),
       "canonical base64"},
      {"not a certificate",
       with([](json& d) { d["keys"][0]["x5c"][0] = absl::Base64Escape("junk"); }),
       "cannot parse certificate"},
      {"another key's x", with([&](json& d) { d["keys"][0]["x"] = other_key["x"]; }),
       "\"x\" is missing or does not match"},
      {"no kty", with([](json& d) { d["keys"][0].erase("kty"); }), "\"kty\""},
      {"wrong kty", with([](json& d) { d["keys"][0]["kty"] = "RSA"; }), "\"kty\""},
      {"negative sequence", with([](json& d) { d["spiffe_sequence"] = -1; }), "spiffe_sequence"},
      {"fractional hint", with([](json& d) { d["spiffe_refresh_hint"] = 1.5; }),
       "spiffe_refresh_hint"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    auto parsed = TrustBundle::ParseSpiffeJwks("example.org", c.text);
    EXPECT_EQ(parsed.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_THAT(std::string(parsed.status().message()), HasSubstr(c.reason));
  }
  EXPECT_FALSE(TrustBundle::ParseSpiffeJwks("Bad Domain", good.dump()).ok());
}

TEST_F(TrustBundleTest, PemIsEveryRootInOrder) {
  testing::TestCert a = Root(crypto::KeyType::kEcP256, "a");
  testing::TestCert b = Root(crypto::KeyType::kRsa2048, "b");
  TrustBundle bundle = Bundle({a.cert.get(), b.cert.get()});
  EXPECT_EQ(bundle.ToPem().value(),
            crypto::CertificatesToPem({a.cert.get(), b.cert.get()}).value());
}

TEST_F(TrustBundleTest, ConfigMapYamlIsWhatIstiodPublishes) {
  testing::TestCert a = Root(crypto::KeyType::kEcP256, "a");
  testing::TestCert b = Root(crypto::KeyType::kEcP384, "b");
  TrustBundle bundle = Bundle({a.cert.get(), b.cert.get()});
  for (const char* ns : {"", "istio-system"}) {
    SCOPED_TRACE(ns);
    auto text = bundle.ToConfigMapYaml(ns);
    ASSERT_TRUE(text.ok()) << text.status();
    YAML::Node map = YAML::Load(*text);
    EXPECT_EQ(map["apiVersion"].as<std::string>(), "v1");
    EXPECT_EQ(map["kind"].as<std::string>(), "ConfigMap");
    EXPECT_EQ(map["metadata"]["name"].as<std::string>(), "istio-ca-root-cert");
    if (*ns == '\0') {
      EXPECT_FALSE(map["metadata"]["namespace"].IsDefined());
    } else {
      EXPECT_EQ(map["metadata"]["namespace"].as<std::string>(), ns);
    }
    EXPECT_EQ(map["metadata"]["labels"]["istio.io/config"].Tag(), "!") << "a quoted string";
    EXPECT_EQ(map["metadata"]["labels"]["istio.io/config"].as<std::string>(), "true");
    EXPECT_EQ(map["data"].size(), 1u);
    EXPECT_EQ(map["data"]["root-cert.pem"].as<std::string>(), bundle.ToPem().value());
  }
}

TEST_F(TrustBundleTest, ConfigMapJsonHasTheSameShape) {
  testing::TestCert a = Root(crypto::KeyType::kEcP256, "a");
  TrustBundle bundle = Bundle({a.cert.get()});
  auto text = bundle.ToConfigMapJson("default");
  ASSERT_TRUE(text.ok()) << text.status();
  json map = json::parse(*text);
  EXPECT_EQ(map["apiVersion"], "v1");
  EXPECT_EQ(map["kind"], "ConfigMap");
  EXPECT_EQ(map["metadata"]["name"], "istio-ca-root-cert");
  EXPECT_EQ(map["metadata"]["namespace"], "default");
  EXPECT_EQ(map["metadata"]["labels"]["istio.io/config"], "true");
  EXPECT_EQ(map["data"], json({{"root-cert.pem", bundle.ToPem().value()}}));
}

TEST_F(TrustBundleTest, RefusesBadInput) {
  testing::TestCert a = Root(crypto::KeyType::kEcP256);
  TrustBundle bundle = Bundle({a.cert.get()});
  for (const char* ns : {"Istio", "-a", "a-", "a_b", "a.b"}) {
    SCOPED_TRACE(ns);
    EXPECT_EQ(bundle.ToConfigMapYaml(ns).status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_EQ(bundle.ToConfigMapJson(ns).status().code(), absl::StatusCode::kInvalidArgument);
  }
  EXPECT_FALSE(bundle.ToConfigMapYaml(std::string(64, 'a')).ok());
  EXPECT_TRUE(bundle.ToConfigMapYaml(std::string(63, 'a')).ok());
  EXPECT_FALSE(TrustBundle::Create("Example.ORG", {a.cert.get()}, 1).ok());
  EXPECT_FALSE(TrustBundle::Create("example.org", {nullptr}, 1).ok());
  EXPECT_FALSE(TrustBundle::Create("example.org", {}, 1, std::chrono::seconds(-1)).ok());
}

}  // namespace
}  // namespace svidd::spiffe
