#include "svidd/pki/csr_validator.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <functional>

#include "support/pki/csr_builder.h"
#include "svidd/crypto/pem.h"

namespace svidd::pki {
namespace {

using testing::CsrSpec;
using ::testing::HasSubstr;
using ::testing::StartsWith;

constexpr char kId[] = "spiffe://cluster.local/ns/default/sa/bookinfo";

// What istio-agent sends, adjusted by `edit`.
absl::StatusOr<std::string> CsrPem(const std::function<void(CsrSpec&)>& edit) {
  CsrSpec spec;
  spec.uris = {kId};
  edit(spec);
  absl::StatusOr<testing::TestCsr> csr = testing::BuildCsr(spec);
  if (!csr.ok()) return csr.status();
  return csr->pem;
}

absl::StatusOr<std::string> PemWithKey(absl::StatusOr<crypto::EvpPkeyPtr> key) {
  if (!key.ok()) return key.status();
  return CsrPem([&](CsrSpec& s) { s.key = key->get(); });
}

struct GoodCase {
  std::string name;
  std::function<absl::StatusOr<std::string>()> make_pem;
  std::string key_label;
};

TEST(CsrValidatorTest, AcceptsWellFormedRequests) {
  const GoodCase cases[] = {
      {"EC P-256 (istio-agent)", [] { return CsrPem([](CsrSpec&) {}); }, "EC-P256"},
      {"EC P-384", [] { return CsrPem([](CsrSpec& s) { s.key_type = crypto::KeyType::kEcP384; }); },
       "EC-P384"},
      {"RSA 2048",
       [] { return CsrPem([](CsrSpec& s) { s.key_type = crypto::KeyType::kRsa2048; }); },
       "RSA-2048"},
      {"RSA 3072",
       [] { return CsrPem([](CsrSpec& s) { s.key_type = crypto::KeyType::kRsa3072; }); },
       "RSA-3072"},
      {"RSA 4096",
       [] { return CsrPem([](CsrSpec& s) { s.key_type = crypto::KeyType::kRsa4096; }); },
       "RSA-4096"},
      {"Ed25519", [] { return CsrPem([](CsrSpec& s) { s.key_type = crypto::KeyType::kEd25519; }); },
       "ED25519"},
      {"empty subject", [] { return CsrPem([](CsrSpec& s) { s.istio_empty_org = false; }); },
       "EC-P256"},
      {"non-critical SAN", [] { return CsrPem([](CsrSpec& s) { s.san_critical = false; }); },
       "EC-P256"},
      {"keyUsage, EKU and cA=false",
       [] { return CsrPem([](CsrSpec& s) { s.request_allowed_extensions = true; }); }, "EC-P256"},
      // The subject and attributes other than extensionRequest are ignored, not refused.
      {"CN and O in subject", [] { return CsrPem([](CsrSpec& s) { s.common_name = "bookinfo"; }); },
       "EC-P256"},
      {"CN without O",
       [] {
         return CsrPem([](CsrSpec& s) {
           s.common_name = "x";
           s.istio_empty_org = false;
         });
       },
       "EC-P256"},
      {"challengePassword", [] { return CsrPem([](CsrSpec& s) { s.challenge_password = true; }); },
       "EC-P256"},
  };
  for (const GoodCase& c : cases) {
    SCOPED_TRACE(c.name);
    absl::StatusOr<std::string> pem = c.make_pem();
    ASSERT_TRUE(pem.ok()) << pem.status();
    absl::StatusOr<ValidatedCsr> csr = ValidateCsr(*pem);
    if (!csr.ok()) {
      ADD_FAILURE() << csr.status();
      continue;
    }
    EXPECT_EQ(csr->requested_id.str(), kId);
    EXPECT_EQ(csr->public_key.key.Label(), c.key_label);
    EXPECT_FALSE(csr->public_key.der.empty());
  }
}

TEST(CsrValidatorTest, ReturnsTheRequestersPublicKey) {
  auto csr = testing::BuildIstioCsr(kId);
  ASSERT_TRUE(csr.ok()) << csr.status();
  auto validated = ValidateCsr(csr->pem);
  ASSERT_TRUE(validated.ok()) << validated.status();
  // The CSR's key bytes, verbatim: what the leaf will certify.
  EXPECT_EQ(validated->public_key.der, crypto::PublicKeyToDer(csr->key.get()).value());
  EXPECT_EQ(validated->requested_id.IstioNamespace(), "default");
  EXPECT_EQ(validated->requested_id.IstioServiceAccount(), "bookinfo");
}

struct BadCase {
  std::string name;
  std::function<absl::StatusOr<std::string>()> make_pem;
  std::string problem;  // must appear in the message
};

std::string Certificate() {
  auto key = GenerateKey(crypto::KeyType::kEcP256).value();
  crypto::X509Ptr cert(X509_new());
  X509_set_pubkey(cert.get(), key.get());
  X509_sign(cert.get(), key.get(), EVP_sha256());
  return crypto::CertificateToPem(cert.get()).value();
}

std::vector<BadCase> BadCases() {
  using S = CsrSpec;
  auto uris = [](std::vector<std::string> u) { return [u](S& s) { s.uris = u; }; };
  return {
      // Keys.
      {"RSA 1024",
       [] {
         return CsrPem([](S& s) {
           s.key_type = crypto::KeyType::kRsa2048;
           s.rsa_bits = 1024;
         });
       },
       "RSA key of 1024 bits is not allowed"},
      {"RSA 2040",
       [] {
         return CsrPem([](S& s) {
           s.key_type = crypto::KeyType::kRsa2048;
           s.rsa_bits = 2040;
         });
       },
       "RSA key of 2040 bits is not allowed"},
      {"EC P-521", [] { return PemWithKey(testing::GenerateEcKeyOnCurve("P-521")); },
       "EC curve P-521 is not allowed"},
      {"EC secp256k1", [] { return PemWithKey(testing::GenerateEcKeyOnCurve("secp256k1")); },
       "EC curve secp256k1 is not allowed"},
      {"Ed448",
       [] { return PemWithKey(crypto::EvpPkeyPtr(EVP_PKEY_Q_keygen(nullptr, nullptr, "ED448"))); },
       "key algorithm ED448 is not allowed"},
      // Signature and encoding.
      {"bad signature", [] { return CsrPem([](S& s) { s.corrupt_signature = true; }); },
       "signature does not verify"},
      {"bad signature, Ed25519",
       [] {
         return CsrPem([](S& s) {
           s.key_type = crypto::KeyType::kEd25519;
           s.corrupt_signature = true;
         });
       },
       "signature does not verify"},
      {"empty input", []() -> absl::StatusOr<std::string> { return ""; }, "no PEM block"},
      {"garbage", []() -> absl::StatusOr<std::string> { return "\x01\x02 not a CSR"; },
       "not a PEM PKCS#10 request: no PEM block"},
      {"broken base64",
       []() -> absl::StatusOr<std::string> {
         return "-----BEGIN CERTIFICATE REQUEST-----\n@@@@\n-----END CERTIFICATE REQUEST-----\n";
       },
       "malformed PEM block"},
      {"DER inside is not a request",
       []() -> absl::StatusOr<std::string> {
         return "-----BEGIN CERTIFICATE REQUEST-----\nAAAA\n-----END CERTIFICATE REQUEST-----\n";
       },
       "cannot parse certificate request"},
      {"a certificate, not a request",
       []() -> absl::StatusOr<std::string> { return Certificate(); },
       "expected a CERTIFICATE REQUEST PEM block, found 'CERTIFICATE'"},
      {"two requests",
       []() -> absl::StatusOr<std::string> {
         std::string one = CsrPem([](S&) {}).value();
         return one + one;
       },
       "exactly one PEM block, found 2"},
      {"4 MiB input",
       []() -> absl::StatusOr<std::string> {
         // A valid request padded past the limit: only a size check can refuse it.
         std::string pem = CsrPem([](S&) {}).value();
         return pem + std::string(4 * 1024 * 1024 - pem.size(), '\n');
       },
       "request is 4194304 bytes; the limit is 32768"},
      // SANs.
      {"no SAN", [=] { return CsrPem(uris({})); }, "no subjectAltName extension"},
      {"no extensions at all",
       [=] {
         return CsrPem([](S& s) {
           s.uris = {};
           s.istio_empty_org = false;
         });
       },
       "no subjectAltName extension"},
      {"two URIs",
       [=] {
         return CsrPem(uris({kId, "spiffe://cluster.local/ns/x/sa/y"}));
       },
       "exactly one URI SAN; found 2"},
      {"DNS SAN", [] { return CsrPem([](S& s) { s.dns = {"bookinfo.default.svc"}; }); },
       "subjectAltName contains a DNS name \"bookinfo.default.svc\""},
      {"DNS SAN only",
       [] {
         return CsrPem([](S& s) {
           s.uris = {};
           s.dns = {"a.example"};
         });
       },
       "contains a DNS name"},
      {"email SAN", [] { return CsrPem([](S& s) { s.emails = {"a@example.com"}; }); },
       "subjectAltName contains an email address \"a@example.com\""},
      {"IP SAN", [] { return CsrPem([](S& s) { s.ips = {"10.0.0.1"}; }); },
       "subjectAltName contains an IP address"},
      // The URI.
      {"non-spiffe URI", [=] { return CsrPem(uris({"https://example.com/ns/a/sa/b"})); },
       "URI SAN: invalid SPIFFE ID \"https://example.com/ns/a/sa/b\": scheme is not"},
      {"uppercase scheme", [=] { return CsrPem(uris({"SPIFFE://cluster.local/ns/a/sa/b"})); },
       "scheme must be lowercase"},
      {"path-less SPIFFE ID", [=] { return CsrPem(uris({"spiffe://cluster.local"})); },
       "URI SAN spiffe://cluster.local has no path"},
      {"trailing slash", [=] { return CsrPem(uris({"spiffe://cluster.local/ns/a/"})); },
       "trailing '/'"},
      {"userinfo", [=] { return CsrPem(uris({"spiffe://evil@cluster.local/ns/a/sa/b"})); },
       "trust domain contains '@'"},
      {"dot-dot", [=] { return CsrPem(uris({"spiffe://cluster.local/ns/../sa/b"})); },
       "'..' segment"},
      // Extensions.
      {"CA request", [] { return CsrPem([](S& s) { s.request_ca = true; }); },
       "basicConstraints cA=true is not allowed"},
      {"keyCertSign", [] { return CsrPem([](S& s) { s.request_key_cert_sign = true; }); },
       "keyUsage keyCertSign is not allowed"},
      {"cRLSign", [] { return CsrPem([](S& s) { s.request_crl_sign = true; }); },
       "keyUsage cRLSign is not allowed"},
      {"extra extension", [] { return CsrPem([](S& s) { s.extra_extension = true; }); },
       "extension nsComment (2.16.840.1.113730.1.13) is not allowed"},
  };
}

TEST(CsrValidatorTest, RefusesBadRequestsSayingWhatIsWrong) {
  for (const BadCase& c : BadCases()) {
    SCOPED_TRACE(c.name);
    absl::StatusOr<std::string> pem = c.make_pem();
    ASSERT_TRUE(pem.ok()) << pem.status();
    absl::StatusOr<ValidatedCsr> csr = ValidateCsr(*pem);
    if (csr.ok()) {
      ADD_FAILURE() << "accepted";
      continue;
    }
    EXPECT_EQ(csr.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_THAT(std::string(csr.status().message()), StartsWith("CSR refused: "));
    EXPECT_THAT(csr.status().message(), HasSubstr(c.problem));
  }
}

TEST(CsrValidatorTest, SizeLimitIsConfigurableAndInclusive) {
  std::string pem = testing::BuildIstioCsr(kId).value().pem;
  CsrLimits exact;
  exact.max_pem_bytes = pem.size();
  EXPECT_TRUE(ValidateCsr(pem, exact).ok());
  CsrLimits smaller;
  smaller.max_pem_bytes = pem.size() - 1;
  auto refused = ValidateCsr(pem, smaller);
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(refused.status().message(), HasSubstr("the limit is"));
}

}  // namespace
}  // namespace svidd::pki
