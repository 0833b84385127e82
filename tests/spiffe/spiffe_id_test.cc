#include "svidd/spiffe/spiffe_id.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace svidd::spiffe {
namespace {

using ::testing::HasSubstr;

struct GoodId {
  std::string name, id, trust_domain, path;
};

TEST(SpiffeIdTest, AcceptsValidIds) {
  const GoodId cases[] = {
      {"istio workload", "spiffe://cluster.local/ns/default/sa/bookinfo", "cluster.local",
       "/ns/default/sa/bookinfo"},
      {"trust domain only", "spiffe://example.org", "example.org", ""},
      {"td charset", "spiffe://a-b_c.0-9", "a-b_c.0-9", ""},
      {"mixed-case path", "spiffe://td/Ns/Mixed.Case-_09", "td", "/Ns/Mixed.Case-_09"},
      {"dots inside a segment", "spiffe://td/a..b/.hidden", "td", "/a..b/.hidden"},
      {"255-byte trust domain", "spiffe://" + std::string(255, 'a'), std::string(255, 'a'), ""},
      {"2048-byte ID", "spiffe://td/" + std::string(2048 - 12, 'x'), "td",
       "/" + std::string(2048 - 12, 'x')},
  };
  for (const GoodId& c : cases) {
    SCOPED_TRACE(c.name);
    auto id = SpiffeId::Parse(c.id);
    if (!id.ok()) {
      ADD_FAILURE() << id.status();
      continue;
    }
    EXPECT_EQ(id->str(), c.id);
    EXPECT_EQ(id->trust_domain(), c.trust_domain);
    EXPECT_EQ(id->path(), c.path);
    EXPECT_EQ(id->has_path(), !c.path.empty());
  }
}

struct BadId {
  std::string name, id, rule;
};

TEST(SpiffeIdTest, RefusesInvalidIdsNamingTheRule) {
  const BadId cases[] = {
      {"empty", "", "SPIFFE ID is empty"},
      {"too long", "spiffe://td/" + std::string(2048 - 11, 'x'), "at most 2048"},
      {"no scheme", "cluster.local/ns/a/sa/b", "scheme is not \"spiffe://\""},
      {"other scheme", "https://cluster.local/ns/a", "scheme is not \"spiffe://\""},
      {"single slash", "spiffe:/td/a", "scheme is not \"spiffe://\""},
      {"uppercase scheme", "SPIFFE://td/a", "scheme must be lowercase"},
      {"mixed-case scheme", "Spiffe://td/a", "scheme must be lowercase"},
      {"empty trust domain", "spiffe:///ns/a", "trust domain is empty"},
      {"scheme only", "spiffe://", "trust domain is empty"},
      {"userinfo", "spiffe://user@td/a", "trust domain contains '@'"},
      {"port", "spiffe://td:8443/a", "trust domain contains ':'"},
      {"uppercase td", "spiffe://Example.org/a", "trust domain contains uppercase 'E'"},
      {"bad td char", "spiffe://td!/a", "trust domain contains '!'"},
      {"td percent-encoding", "spiffe://t%64/a", "trust domain contains percent-encoding"},
      {"td too long", "spiffe://" + std::string(256, 'a'), "at most 255"},
      {"query", "spiffe://td/a?x=1", "query ('?')"},
      {"fragment", "spiffe://td/a#frag", "fragment ('#')"},
      {"trailing slash", "spiffe://td/a/", "trailing '/'"},
      {"root path", "spiffe://td/", "trailing '/'"},
      {"empty segment", "spiffe://td/a//b", "empty segment"},
      {"dot segment", "spiffe://td/a/./b", "'.' segment"},
      {"dot-dot segment", "spiffe://td/a/../b", "'..' segment"},
      {"path percent-encoding", "spiffe://td/a%2Fb", "path contains percent-encoding"},
      {"bad path char", "spiffe://td/a b", "path contains ' '"},
      {"path plus", "spiffe://td/a+b", "path contains '+'"},
      {"NUL byte", std::string("spiffe://td/a\0b", 15), "path contains '\\x00'"},
      {"non-ASCII", "spiffe://td/caf\xc3\xa9", "path contains '\\xc3'"},
  };
  for (const BadId& c : cases) {
    SCOPED_TRACE(c.name);
    auto id = SpiffeId::Parse(c.id);
    if (id.ok()) {
      ADD_FAILURE() << "accepted";
      continue;
    }
    EXPECT_EQ(id.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_THAT(id.status().message(), HasSubstr(c.rule));
    EXPECT_THAT(id.status().message(), HasSubstr("invalid SPIFFE ID \""));
  }
}

TEST(SpiffeIdTest, LongInputIsQuotedTruncated) {
  auto id = SpiffeId::Parse("spiffe://td/" + std::string(5000, 'x'));
  ASSERT_FALSE(id.ok());
  EXPECT_LT(id.status().message().size(), 300u);
  EXPECT_THAT(id.status().message(), HasSubstr("...\""));
}

TEST(SpiffeIdTest, ForServiceAccount) {
  auto id = SpiffeId::ForServiceAccount("cluster.local", "default", "bookinfo");
  ASSERT_TRUE(id.ok()) << id.status();
  EXPECT_EQ(id->str(), "spiffe://cluster.local/ns/default/sa/bookinfo");
  EXPECT_EQ(id->IstioNamespace(), "default");
  EXPECT_EQ(id->IstioServiceAccount(), "bookinfo");
}

TEST(SpiffeIdTest, ForServiceAccountRefusesBadParts) {
  const BadId cases[] = {
      {"bad trust domain", "", "invalid trust domain \"TD\": trust domain contains uppercase"},
      {"empty namespace", "ns", "namespace \"\": path contains an empty segment"},
      {"slash in namespace", "ns", "namespace \"a/b\": path contains '/'"},
      {"dot-dot service account", "sa", "service account \"..\": path contains a '..'"},
  };
  auto call = [](const std::string& name) {
    if (name == "bad trust domain") return SpiffeId::ForServiceAccount("TD", "a", "b");
    if (name == "empty namespace") return SpiffeId::ForServiceAccount("td", "", "b");
    if (name == "slash in namespace") return SpiffeId::ForServiceAccount("td", "a/b", "b");
    return SpiffeId::ForServiceAccount("td", "a", "..");
  };
  for (const BadId& c : cases) {
    SCOPED_TRACE(c.name);
    auto id = call(c.name);
    EXPECT_EQ(id.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_THAT(id.status().message(), HasSubstr(c.rule));
  }
}

TEST(SpiffeIdTest, ForTrustDomain) {
  auto id = SpiffeId::ForTrustDomain("example.org");
  ASSERT_TRUE(id.ok()) << id.status();
  EXPECT_EQ(id->str(), "spiffe://example.org");
  EXPECT_FALSE(id->has_path());
  EXPECT_THAT(SpiffeId::ForTrustDomain("example.org/x").status().message(),
              HasSubstr("trust domain contains '/'"));
}

TEST(SpiffeIdTest, ValidateTrustDomain) {
  EXPECT_TRUE(SpiffeId::ValidateTrustDomain("cluster.local").ok());
  EXPECT_THAT(SpiffeId::ValidateTrustDomain("").message(), HasSubstr("trust domain is empty"));
  EXPECT_THAT(SpiffeId::ValidateTrustDomain("a@b").message(), HasSubstr("contains '@'"));
}

TEST(SpiffeIdTest, IstioPartsOnlyForTheIstioForm) {
  for (const char* text : {"spiffe://td", "spiffe://td/ns/a", "spiffe://td/ns/a/sa/b/extra",
                           "spiffe://td/namespace/a/sa/b", "spiffe://td/ns/a/serviceaccount/b"}) {
    SCOPED_TRACE(text);
    auto id = SpiffeId::Parse(text).value();
    EXPECT_EQ(id.IstioNamespace(), "");
    EXPECT_EQ(id.IstioServiceAccount(), "");
  }
}

TEST(SpiffeIdTest, EqualityIsCaseSensitiveOnThePath) {
  EXPECT_EQ(SpiffeId::Parse("spiffe://td/a").value(), SpiffeId::Parse("spiffe://td/a").value());
  EXPECT_NE(SpiffeId::Parse("spiffe://td/a").value(), SpiffeId::Parse("spiffe://td/A").value());
}

}  // namespace
}  // namespace svidd::spiffe
