// Revocation that reaches clients, against a real svidd: a certificate revoked through the
// ledger file (as `svidctl certs revoke` does) shows up, after one maintenance pass, in
// ca-crl.pem and on the HTTP endpoint; openssl then refuses exactly that certificate. Issued
// leaves name the CRL's URL and stay strict-valid.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <httplib.h>

#include "integration/test_env.h"
#include "support/pki/csr_builder.h"
#include "support/pki/external_verify.h"
#include "svidd/common/atomic_file.h"
#include "svidd/crypto/pem.h"
#include "svidd/crypto/x509_fields.h"
#include "svidd/ledger/sqlite_ledger.h"

namespace svidd::testing {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

constexpr char kCrlBase[] = "http://svidd.svidd-system.svc:8080";

class CrlTest : public ::testing::Test {
 protected:
  void SetUp() override {
    env_ = TestEnv::Start([](server::ServerOptions& o) {
      o.crl_listen = "127.0.0.1:0";
      o.crl_url = kCrlBase;
    });
    ASSERT_NE(env_, nullptr);
    ASSERT_GT(env_->server().crl_port(), 0);
  }

  // A leaf for ns/sa over the Istio API; its PEM chain.
  std::vector<std::string> Issue(const std::string& ns, const std::string& sa) {
    auto csr = BuildIstioCsr("spiffe://cluster.local/ns/" + ns + "/sa/" + sa);
    EXPECT_TRUE(csr.ok()) << csr.status();
    istio::v1::auth::IstioCertificateResponse response;
    grpc::Status status =
        env_->CreateCertificate(csr->pem, 3600, env_->TokenFor(ns, sa), &response);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return ChainOf(response);
  }

  // GET `path` from svidd's CRL port over loopback.
  httplib::Result Fetch(const std::string& path) const {
    httplib::Client client("127.0.0.1", env_->server().crl_port());
    client.set_connection_timeout(std::chrono::seconds(5));
    return client.Get(path);
  }

  std::string FetchedCrlPem(const std::string& path) const {
    httplib::Result res = Fetch(path);
    EXPECT_TRUE(res) << httplib::to_string(res.error());
    if (!res || res->status != 200) return "";
    auto crl = crypto::ParseCrlDer(res->body);
    EXPECT_TRUE(crl.ok()) << crl.status();
    return crl.ok() ? crypto::CrlToPem(crl->get()).value_or("") : "";
  }

  std::string CaCrlPem() const {
    return ReadFileToString(env_->options().EffectiveCaDir() / "ca-crl.pem").value_or("");
  }

  std::unique_ptr<TestEnv> env_;
};

TEST_F(CrlTest, LeavesNameTheCrlUrlAndStayStrictValid) {
  std::vector<std::string> chain = Issue("foo", "bar");
  ASSERT_EQ(chain.size(), 3u);
  auto leaf = crypto::ParseCertificatePem(chain[0]);
  ASSERT_TRUE(leaf.ok()) << leaf.status();
  const std::string issuer = env_->server().authorities().Get()->signer_serial_hex();
  const std::string path = "/crl/" + issuer + ".crl";
  EXPECT_THAT(crypto::CrlDistributionPointUris(leaf->get()), ElementsAre(kCrlBase + path));
  std::vector<std::string> intermediates(chain.begin() + 1, chain.end() - 1);
  for (const char* purpose : {"sslclient", "sslserver"}) {
    absl::Status strict = OpensslVerifyStrict(chain[0], intermediates, chain.back(), purpose);
    EXPECT_TRUE(strict.ok()) << purpose << ": " << strict;
  }
  absl::Status gnutls = CerttoolVerify(chain[0], intermediates, chain.back());
  EXPECT_TRUE(gnutls.ok()) << gnutls;
  // The path the leaf names is the one svidd serves.
  const std::string crl = FetchedCrlPem(path);
  absl::Status signed_by_issuer = OpensslCrlVerify(crl, intermediates.front());
  EXPECT_TRUE(signed_by_issuer.ok()) << signed_by_issuer;
}

TEST_F(CrlTest, RevocationBySvidctlReachesCaCrlPemAndHttp) {
  std::vector<std::string> revoked = Issue("foo", "bar");
  std::vector<std::string> kept = Issue("foo", "baz");
  ASSERT_EQ(revoked.size(), 3u);
  ASSERT_EQ(kept.size(), 3u);
  const std::vector<std::string> intermediates(revoked.begin() + 1, revoked.end() - 1);
  const std::string roots = revoked.back();
  const std::string path =
      "/crl/" + env_->server().authorities().Get()->signer_serial_hex() + ".crl";
  const uint64_t before = env_->server().crls().version();
  EXPECT_TRUE(OpensslVerifyWithCrl(revoked[0], intermediates, roots, FetchedCrlPem(path)).ok());

  // What `svidctl certs revoke` does: its own connection to the same ledger file.
  auto operator_ledger = ledger::OpenSqliteLedger(env_->options().LedgerPath());
  ASSERT_TRUE(operator_ledger.ok()) << operator_ledger.status();
  const std::string serial =
      crypto::SerialHex(crypto::ParseCertificatePem(revoked[0]).value().get());
  ASSERT_TRUE(
      (*operator_ledger)
          ->RevokeCertificate(serial, "keyCompromise: key left on a laptop", env_->clock().Now())
          .ok());
  ASSERT_TRUE(env_->server().RunMaintenance().ok());
  EXPECT_GT(env_->server().crls().version(), before);

  const std::string over_http = FetchedCrlPem(path);
  EXPECT_EQ(over_http, CaCrlPem()) << "ca-crl.pem and the endpoint publish the same CRL";
  httplib::Result all = Fetch("/ca-crl.pem");
  ASSERT_TRUE(all);
  EXPECT_EQ(all->body, CaCrlPem());
  absl::Status refused = OpensslVerifyWithCrl(revoked[0], intermediates, roots, over_http);
  EXPECT_FALSE(refused.ok());
  EXPECT_THAT(std::string(refused.message()), HasSubstr("certificate revoked"));
  absl::Status accepted = OpensslVerifyWithCrl(kept[0], intermediates, roots, over_http);
  EXPECT_TRUE(accepted.ok()) << accepted;
  EXPECT_EQ(Fetch("/crl/00.crl")->status, 404);
}

TEST(CrlDefaultsTest, CaCrlPemIsWrittenWithoutAnHttpEndpoint) {
  auto env = TestEnv::Start();
  ASSERT_NE(env, nullptr);
  EXPECT_EQ(env->server().crl_port(), 0);
  auto pem = ReadFileToString(env->options().EffectiveCaDir() / "ca-crl.pem");
  ASSERT_TRUE(pem.ok()) << pem.status();
  auto crls = crypto::ParseCrlsPem(*pem);
  ASSERT_TRUE(crls.ok()) << crls.status();
  EXPECT_EQ(crls->size(), 1u);
  absl::Status verified =
      OpensslCrlVerify(*pem, env->server().authorities().Get()->chain_pem().front());
  EXPECT_TRUE(verified.ok()) << verified;
}

}  // namespace
}  // namespace svidd::testing
