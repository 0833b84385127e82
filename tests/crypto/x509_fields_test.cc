#include "svidd/crypto/x509_fields.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>

#include "crypto/test_certificate.h"
#include "svidd/crypto/keys.h"

namespace svidd::crypto {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::MatchesRegex;
using namespace std::chrono;

class X509FieldsTest : public ::testing::Test {
 protected:
  X509Ptr Make(const testing::CertSpec& spec) {
    auto cert = testing::MakeCertificate(spec, key_.get());
    EXPECT_TRUE(cert.ok()) << cert.status();
    return std::move(cert).value();
  }
  EvpPkeyPtr key_ = GenerateKey(KeyType::kEcP256).value();
};

// The serial spelling rule: lowercase, whole bytes, no leading zero bytes, zero is "00".
TEST_F(X509FieldsTest, SerialHexSpelling) {
  struct Case {
    std::string name, der_content, want;
  } cases[] = {
      {"plain", "5a3f09", "5a3f09"},
      {"leading zero nibble kept to whole bytes", "0a3f09", "0a3f09"},
      {"DER sign byte dropped", "0080ff", "80ff"},
      {"128-bit", "00c0ffee00112233445566778899aabbcc", "c0ffee00112233445566778899aabbcc"},
      {"zero", "00", "00"},
      {"negative", "ff", "-01"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    testing::CertSpec spec;
    spec.serial_der_hex = c.der_content;
    X509Ptr cert = Make(spec);
    EXPECT_EQ(SerialHex(cert.get()), c.want);
    EXPECT_EQ(SerialHex(X509_get0_serialNumber(cert.get())), c.want);
    if (c.want[0] != '-') {
      EXPECT_EQ(NormalizeSerialHex(c.want).value(), c.want);  // round trip
    }
  }
}

TEST(NormalizeSerialHexTest, AcceptsWhatOperatorsType) {
  struct Case {
    std::string input, want;
  } cases[] = {
      {"5a3f09", "5a3f09"},   {"5A:3F:09", "5a3f09"},   {"0x5a3f09", "5a3f09"},
      {"0X5A3F09", "5a3f09"}, {"5A3F09", "5a3f09"},     {" 5a 3f 09\n", "5a3f09"},
      {"005a3f09", "5a3f09"}, {"a3f09", "0a3f09"},      {"0", "00"},
      {"00:00", "00"},        {"0x0a:3f:09", "0a3f09"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.input);
    auto got = NormalizeSerialHex(c.input);
    ASSERT_TRUE(got.ok()) << got.status();
    EXPECT_EQ(*got, c.want);
  }
}

TEST(NormalizeSerialHexTest, RefusesNonHex) {
  struct Case {
    std::string input, message;
  } cases[] = {
      {"", "no hex digits"},           {"0x", "no hex digits"},
      {"::", "no hex digits"},         {"5g", "bad character 'g'"},
      {"-5a", "bad character '-'"},    {"5a-3f", "bad character '-'"},
      {"0x0x5a", "bad character 'x'"}, {std::string(130, 'a'), "longer than 64 bytes"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.input);
    auto got = NormalizeSerialHex(c.input);
    EXPECT_EQ(got.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_THAT(got.status().message(), HasSubstr(c.message));
  }
}

TEST_F(X509FieldsTest, Validity) {
  testing::CertSpec spec;
  spec.not_before = "20300102030405Z";
  spec.not_after = "20310101000000Z";
  X509Ptr cert = Make(spec);
  EXPECT_EQ(NotBefore(cert.get()),
            sys_days{year{2030} / January / 2} + hours{3} + minutes{4} + seconds{5});
  EXPECT_EQ(NotAfter(cert.get()), sys_days{year{2031} / January / 1});
}

TEST_F(X509FieldsTest, NoExpiryDateClampsToTheEndOfTime) {
  testing::CertSpec spec;
  spec.not_after = "99991231235959Z";  // RFC 5280 "no well-defined expiration"
  X509Ptr cert = Make(spec);
  EXPECT_EQ(NotAfter(cert.get()), TimePoint::max());
}

TEST_F(X509FieldsTest, SansAndNames) {
  testing::CertSpec spec;
  spec.common_name = "svidd";
  spec.uris = {"spiffe://td/ns/a/sa/b", "spiffe://td/x"};
  spec.dns = {"svidd.example", "localhost"};
  X509Ptr cert = Make(spec);
  EXPECT_THAT(UriSans(cert.get()), ElementsAre("spiffe://td/ns/a/sa/b", "spiffe://td/x"));
  EXPECT_THAT(DnsSans(cert.get()), ElementsAre("svidd.example", "localhost"));
  EXPECT_EQ(SubjectString(cert.get()), "CN=svidd");
  EXPECT_EQ(IssuerString(cert.get()), "CN=svidd");

  X509Ptr bare = Make({});
  EXPECT_THAT(UriSans(bare.get()), IsEmpty());
  EXPECT_THAT(DnsSans(bare.get()), IsEmpty());
}

TEST_F(X509FieldsTest, CrlDistributionPointUris) {
  X509Ptr cert = Make({});
  EXPECT_THAT(CrlDistributionPointUris(cert.get()), IsEmpty());
  X509ExtensionPtr ext(X509V3_EXT_nconf_nid(
      nullptr, nullptr, NID_crl_distribution_points,
      "URI:http://a.example/1.crl,DNS:not-a-uri.example,URI:http://b.example/2.crl"));
  ASSERT_NE(ext, nullptr);
  ASSERT_EQ(X509_add_ext(cert.get(), ext.get(), -1), 1);
  EXPECT_THAT(CrlDistributionPointUris(cert.get()),
              ElementsAre("http://a.example/1.crl", "http://b.example/2.crl"));
  EXPECT_THAT(CrlDistributionPointUris(nullptr), IsEmpty());
}

TEST_F(X509FieldsTest, EmptySubjectIsEmptyString) {
  X509Ptr cert = Make({});
  X509NamePtr empty(X509_NAME_new());
  ASSERT_EQ(X509_set_subject_name(cert.get(), empty.get()), 1);
  EXPECT_EQ(SubjectString(cert.get()), "");
}

TEST_F(X509FieldsTest, CaFlagAndSelfSignature) {
  testing::CertSpec ca_spec;
  ca_spec.ca = true;
  X509Ptr ca = Make(ca_spec);
  EXPECT_TRUE(IsCaCertificate(ca.get()));
  EXPECT_TRUE(IsSelfSigned(ca.get()));

  X509Ptr leaf = Make({});
  EXPECT_FALSE(IsCaCertificate(leaf.get()));

  // Same names, but signed by another key: not self-signed.
  EvpPkeyPtr other = GenerateKey(KeyType::kEcP256).value();
  testing::CertSpec forged;
  forged.issuer_key = other.get();
  EXPECT_FALSE(IsSelfSigned(Make(forged).get()));
}

TEST_F(X509FieldsTest, SubjectKeyId) {
  EXPECT_EQ(SubjectKeyIdHex(Make({}).get()), "");
  testing::CertSpec spec;
  spec.subject_key_id = true;
  EXPECT_THAT(SubjectKeyIdHex(Make(spec).get()), MatchesRegex("[0-9a-f]{40}"));
}

TEST(X509FieldsNullTest, NullCertificatesAreHarmless) {
  EXPECT_EQ(SerialHex(static_cast<const X509*>(nullptr)), "");
  EXPECT_EQ(NotBefore(nullptr), TimePoint::max());  // fails closed: never valid yet
  EXPECT_EQ(NotAfter(nullptr), TimePoint{});        // fails closed: long expired
  EXPECT_FALSE(IsCaCertificate(nullptr));
  EXPECT_FALSE(IsSelfSigned(nullptr));
}

}  // namespace
}  // namespace svidd::crypto
