#include "svidd/pki/crl_builder.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <openssl/x509v3.h>

#include "support/pki/external_verify.h"
#include "support/pki/test_cert_builder.h"
#include "svidd/crypto/pem.h"
#include "svidd/crypto/x509_fields.h"
#include "svidd/pki/authority.h"

namespace svidd::pki {
namespace {

using std::chrono::hours;
using std::chrono::seconds;
using ::testing::HasSubstr;

std::string Octets(const ASN1_OCTET_STRING* s) {
  return s == nullptr ? "" : std::string(reinterpret_cast<const char*>(s->data), s->length);
}

TimePoint AsTimePoint(const ASN1_TIME* t) {
  std::tm tm{};
  EXPECT_EQ(ASN1_TIME_to_tm(t, &tm), 1);
  return std::chrono::system_clock::from_time_t(timegm(&tm));
}

// The reasonCode of `entry`, -1 if it has none.
long ReasonCode(const X509_REVOKED* entry) {
  crypto::Asn1EnumeratedPtr code(static_cast<ASN1_ENUMERATED*>(
      X509_REVOKED_get_ext_d2i(entry, NID_crl_reason, nullptr, nullptr)));
  return code == nullptr ? -1 : ASN1_ENUMERATED_get(code.get());
}

// Builds CRLs at the real current time, so that the external tools accept them.
class CrlBuilderTest : public ::testing::Test {
 protected:
  std::shared_ptr<const Authority> MakeAuthority(crypto::KeyType type = crypto::KeyType::kEcP256) {
    auto authority = testing::MakeTestAuthority(now_, type);
    EXPECT_TRUE(authority.ok()) << authority.status();
    return authority.ok() ? *authority : nullptr;
  }

  IssuedCertificate Issue(const Authority& authority) {
    auto id = spiffe::SpiffeId::Parse("spiffe://cluster.local/ns/default/sa/web").value();
    auto profile = BuildLeafProfile(id, hours(1), TtlPolicy{}, now_, authority.not_after());
    crypto::EvpPkeyPtr key = GenerateKey(crypto::KeyType::kEcP256).value();
    auto issued = authority.SignLeaf(profile.value(), key.get());
    EXPECT_TRUE(issued.ok()) << issued.status();
    return *std::move(issued);
  }

  CrlSpec Spec(std::vector<RevokedCertificate> revoked) {
    CrlSpec spec;
    spec.revoked = std::move(revoked);
    spec.this_update = now_;
    spec.validity = hours(24);
    spec.number = 1'750'000'000'123;
    return spec;
  }

  absl::StatusOr<Crl> Build(const Authority& authority, const CrlSpec& spec) {
    return BuildCrl(authority.signing_cert(), authority.signing_key(), spec);
  }

  const TimePoint now_ = SystemClock::Instance().Now();
};

TEST_F(CrlBuilderTest, ExternalToolsAcceptTheSignatureForEveryCaKeyType) {
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
    auto crl = Build(*authority, Spec({{"0a1b2c", now_ - hours(1), RevocationReason::kSuperseded},
                                       {"7f", now_, std::nullopt}}));
    ASSERT_TRUE(crl.ok()) << crl.status();
    EXPECT_EQ(X509_CRL_get_signature_nid(crl->crl.get()), c.signature_nid);
    const std::string& issuer_pem = authority->chain_pem().front();
    absl::Status openssl = testing::OpensslCrlVerify(crl->pem, issuer_pem);
    EXPECT_TRUE(openssl.ok()) << openssl;
    absl::Status certtool = testing::CerttoolVerifyCrl(crl->pem, issuer_pem);
    EXPECT_TRUE(certtool.ok()) << certtool;
    // And another CA's certificate does not vouch for it.
    auto other = MakeAuthority(c.ca_key);
    ASSERT_NE(other, nullptr);
    EXPECT_FALSE(testing::OpensslCrlVerify(crl->pem, other->chain_pem().front()).ok());
  }
}

TEST_F(CrlBuilderTest, CarriesTheRfc5280Fields) {
  auto authority = MakeAuthority();
  ASSERT_NE(authority, nullptr);
  const TimePoint revoked_at = std::chrono::floor<seconds>(now_ - hours(2));
  CrlSpec spec = Spec({{"0a1b2c", revoked_at, RevocationReason::kKeyCompromise},
                       {"7f", revoked_at + seconds(5), std::nullopt}});
  auto crl = Build(*authority, spec);
  ASSERT_TRUE(crl.ok()) << crl.status();
  X509_CRL* x = crl->crl.get();
  EXPECT_EQ(X509_CRL_get_version(x), X509_CRL_VERSION_2);
  EXPECT_EQ(X509_NAME_cmp(X509_CRL_get_issuer(x), X509_get_subject_name(authority->signing_cert())),
            0);
  const TimePoint this_update = std::chrono::floor<seconds>(now_);
  EXPECT_EQ(crl->this_update, this_update);
  EXPECT_EQ(crl->next_update, this_update + hours(24));
  EXPECT_EQ(AsTimePoint(X509_CRL_get0_lastUpdate(x)), this_update);
  EXPECT_EQ(AsTimePoint(X509_CRL_get0_nextUpdate(x)), this_update + hours(24));
  EXPECT_EQ(CrlNumber(x), spec.number);
  EXPECT_EQ(crl->number, spec.number);
  EXPECT_EQ(crl->issuer_serial_hex, authority->signer_serial_hex());
  EXPECT_EQ(crl->revoked, spec.revoked);

  crypto::AuthorityKeyIdPtr akid(static_cast<AUTHORITY_KEYID*>(
      X509_CRL_get_ext_d2i(x, NID_authority_key_identifier, nullptr, nullptr)));
  ASSERT_NE(akid, nullptr);
  EXPECT_EQ(Octets(akid->keyid),
            Octets(X509_get0_subject_key_id(const_cast<X509*>(authority->signing_cert()))));

  STACK_OF(X509_REVOKED)* entries = X509_CRL_get_REVOKED(x);
  ASSERT_EQ(sk_X509_REVOKED_num(entries), 2);
  for (int i = 0; i < 2; ++i) {
    const X509_REVOKED* entry = sk_X509_REVOKED_value(entries, i);
    const std::string serial = crypto::SerialHex(X509_REVOKED_get0_serialNumber(entry));
    SCOPED_TRACE(serial);
    const RevokedCertificate& want = serial == "0a1b2c" ? spec.revoked[0] : spec.revoked[1];
    EXPECT_EQ(serial, want.serial_hex);
    EXPECT_EQ(AsTimePoint(X509_REVOKED_get0_revocationDate(entry)), want.revoked_at);
    EXPECT_EQ(ReasonCode(entry), want.reason.has_value() ? static_cast<long>(*want.reason) : -1);
  }
}

TEST_F(CrlBuilderTest, PemAndDerRoundTrip) {
  auto authority = MakeAuthority();
  ASSERT_NE(authority, nullptr);
  auto crl = Build(*authority, Spec({}));
  ASSERT_TRUE(crl.ok()) << crl.status();
  EXPECT_THAT(crl->pem, ::testing::StartsWith("-----BEGIN X509 CRL-----\n"));
  EXPECT_EQ(crl->pem.back(), '\n');
  auto from_der = crypto::ParseCrlDer(crl->der);
  ASSERT_TRUE(from_der.ok()) << from_der.status();
  EXPECT_EQ(crypto::CrlToDer(from_der->get()).value(), crl->der);
  auto from_pem = crypto::ParseCrlsPem(crl->pem + crl->pem);
  ASSERT_TRUE(from_pem.ok()) << from_pem.status();
  ASSERT_EQ(from_pem->size(), 2u);
  EXPECT_EQ(crypto::CrlToDer((*from_pem)[1].get()).value(), crl->der);
  // RFC 5280 §5.1.2.6: with nothing revoked the list is absent, not empty.
  EXPECT_EQ(X509_CRL_get_REVOKED(from_der->get()), nullptr);
  EXPECT_FALSE(crypto::ParseCrlsPem(authority->chain_pem().front()).ok())
      << "a certificate is no CRL";
  EXPECT_FALSE(crypto::ParseCrlDer(crl->der + "x").ok()) << "trailing bytes";
}

TEST_F(CrlBuilderTest, OpensslCrlCheckRejectsTheRevokedLeafOnly) {
  auto authority = MakeAuthority();
  ASSERT_NE(authority, nullptr);
  IssuedCertificate revoked = Issue(*authority);
  IssuedCertificate kept = Issue(*authority);
  auto crl =
      Build(*authority, Spec({{revoked.serial_hex, now_, RevocationReason::kKeyCompromise}}));
  ASSERT_TRUE(crl.ok()) << crl.status();
  absl::Status refused = testing::OpensslVerifyWithCrl(revoked.pem, authority->chain_pem(),
                                                       authority->root_bundle_pem(), crl->pem);
  EXPECT_FALSE(refused.ok());
  EXPECT_THAT(std::string(refused.message()), HasSubstr("certificate revoked"));
  absl::Status accepted = testing::OpensslVerifyWithCrl(kept.pem, authority->chain_pem(),
                                                        authority->root_bundle_pem(), crl->pem);
  EXPECT_TRUE(accepted.ok()) << accepted;
}

TEST_F(CrlBuilderTest, RefusesWhatItMustNotSign) {
  auto authority = MakeAuthority();
  ASSERT_NE(authority, nullptr);
  testing::TestCertOptions no_crl_sign = testing::CaOptions("no cRLSign", now_);
  no_crl_sign.key_usage = "critical,keyCertSign";
  auto ca = testing::MakeTestCert(no_crl_sign);
  ASSERT_TRUE(ca.ok()) << ca.status();
  crypto::EvpPkeyPtr stranger = GenerateKey(crypto::KeyType::kEcP256).value();

  CrlSpec zero_validity = Spec({});
  zero_validity.validity = seconds(0);
  struct Case {
    const char* name;
    const X509* issuer;
    const EVP_PKEY* key;
    CrlSpec spec;
    absl::StatusCode code;
    const char* reason;
  };
  const Case cases[] = {
      {"issuer without cRLSign", ca->cert.get(), ca->key.get(), Spec({}),
       absl::StatusCode::kFailedPrecondition, "without cRLSign"},
      {"key of another CA", authority->signing_cert(), stranger.get(), Spec({}),
       absl::StatusCode::kFailedPrecondition, "does not match"},
      {"uppercase serial", authority->signing_cert(), authority->signing_key(),
       Spec({{"0A1B", now_, std::nullopt}}), absl::StatusCode::kInvalidArgument, "lowercase hex"},
      {"empty serial", authority->signing_cert(), authority->signing_key(),
       Spec({{"", now_, std::nullopt}}), absl::StatusCode::kInvalidArgument, "lowercase hex"},
      {"no validity", authority->signing_cert(), authority->signing_key(), zero_validity,
       absl::StatusCode::kInvalidArgument, "validity"},
      {"no issuer", nullptr, authority->signing_key(), Spec({}), absl::StatusCode::kInvalidArgument,
       "issuer"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    absl::Status status = BuildCrl(c.issuer, c.key, c.spec).status();
    EXPECT_EQ(status.code(), c.code) << status;
    EXPECT_THAT(std::string(status.message()), HasSubstr(c.reason));
  }
}

TEST(CrlPathTest, NamesTheIssuerSerial) { EXPECT_EQ(CrlPath("5a3f09"), "/crl/5a3f09.crl"); }

TEST(CrlUrlBaseTest, AcceptsHttpBasesOnly) {
  struct Case {
    const char* base;
    const char* refusal;  // nullptr: accepted
  };
  const Case cases[] = {
      {"http://svidd.svidd-system.svc:8080", nullptr},
      {"https://pki.example.com/mesh", nullptr},
      {"http://127.0.0.1:1234", nullptr},
      {"ftp://example.com", "must start with http"},
      {"svidd:8080", "must start with http"},
      {"http://", "no host"},
      {"http:///crl", "no host"},
      {"http://example.com/", "must not end in '/'"},
      {"http://exa mple.com", "printable ASCII"},
      {"http://example.com/\xc3\xa9", "printable ASCII"},
      {"http://example.com?x=1", "'?' or '#'"},
      {"http://example.com#top", "'?' or '#'"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.base);
    absl::Status status = ValidateCrlUrlBase(c.base);
    if (c.refusal == nullptr) {
      EXPECT_TRUE(status.ok()) << status;
    } else {
      EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
      EXPECT_THAT(std::string(status.message()), HasSubstr(c.refusal));
    }
  }
}

}  // namespace
}  // namespace svidd::pki
