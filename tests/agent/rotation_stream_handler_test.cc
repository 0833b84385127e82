// The agent's handling of each Rotate message, against a real test CA and svidd's own CSR
// validator; no network.
#include "agent/rotation_stream_handler.h"

#include <gtest/gtest.h>

#include <set>

#include "agent/agent_test_pki.h"
#include "support/pki/csr_builder.h"
#include "svidd/crypto/pem.h"
#include "svidd/crypto/x509_fields.h"
#include "svidd/pki/csr_validator.h"

namespace svidd::testing {
namespace {

using agent::internal::RotationStreamHandler;
using agent::internal::SessionConfig;

class RotationStreamHandlerTest : public ::testing::Test {
 protected:
  v1::RotateResponse Bundle(const AgentTestPki& pki, uint64_t sequence) {
    v1::RotateResponse message;
    message.mutable_bundle()->set_trust_domain("cluster.local");
    message.mutable_bundle()->set_sequence(sequence);
    message.mutable_bundle()->set_root_certs_pem(pki.roots_pem());
    return message;
  }

  v1::RotateResponse Renewal(uint64_t id) {
    v1::RotateResponse message;
    message.mutable_renewal_requested()->set_renewal_id(id);
    message.mutable_renewal_requested()->set_reason(v1::RenewalRequested::INITIAL);
    return message;
  }

  // What svidd answers to `csr_pem`: Istio's shape, leaf, intermediate, root bundle.
  v1::RotateResponse Issued(const AgentTestPki& pki, const std::string& csr_pem,
                            const std::string& id = kAgentId) {
    pki::ValidatedCsr csr = pki::ValidateCsr(csr_pem).value();
    std::string chain = pki.IssueChainPem(id, now_, std::chrono::hours(1), csr.public_key);
    std::vector<crypto::X509Ptr> certs = crypto::ParseCertificatesPem(chain).value();
    v1::RotateResponse message;
    for (const crypto::X509Ptr& cert : certs) {
      message.mutable_issued()->add_cert_chain(crypto::CertificateToPem(cert.get()).value());
    }
    message.mutable_issued()->add_cert_chain(pki.roots_pem());
    message.mutable_issued()->set_serial(crypto::SerialHex(certs[0].get()));
    return message;
  }

  std::string CsrOf(const std::optional<v1::RotateRequest>& reply) {
    EXPECT_TRUE(reply.has_value());
    return reply.has_value() ? reply->csr().csr() : "";
  }

  TimePoint now_ = SystemClock::Instance().Now();
  FakeClock clock_{now_};
  AgentTestPki pki_{now_};
  agent::SvidStore store_;
  RotationStreamHandler session_{
      SessionConfig{spiffe::SpiffeId::Parse(kAgentId).value(), crypto::KeyType::kEcP256,
                    std::chrono::seconds(20), "cluster.local"},
      store_, clock_};
};

TEST_F(RotationStreamHandlerTest, BundleThenRenewalThenIssuedInstallsTheSvid) {
  EXPECT_FALSE(session_.Handle(Bundle(pki_, 7)).has_value());
  ASSERT_NE(store_.Current().bundle, nullptr);
  EXPECT_EQ(store_.Current().bundle->sequence(), 7u);

  std::optional<v1::RotateRequest> reply = session_.Handle(Renewal(3));
  ASSERT_TRUE(reply.has_value());
  EXPECT_EQ(reply->csr().renewal_id(), 3u);
  EXPECT_EQ(reply->csr().validity_seconds(), 20);
  absl::StatusOr<pki::ValidatedCsr> csr = pki::ValidateCsr(reply->csr().csr());
  ASSERT_TRUE(csr.ok()) << csr.status();
  EXPECT_EQ(csr->requested_id.str(), kAgentId);

  EXPECT_FALSE(session_.Handle(Issued(pki_, reply->csr().csr())).has_value());
  ASSERT_TRUE(session_.last_rejection().ok()) << session_.last_rejection();
  agent::AgentState state = store_.Current();
  ASSERT_NE(state.svid, nullptr);
  EXPECT_EQ(state.svid->chain().size(), 2u) << "the root bundle element is not in the chain";
  EXPECT_EQ(crypto::PublicKeyToDer(state.svid->key()).value(), csr->public_key.der);
  EXPECT_EQ(session_.certificates_installed(), 1);
}

TEST_F(RotationStreamHandlerTest, EveryRenewalUsesAFreshKey) {
  session_.Handle(Bundle(pki_, 1));
  std::set<std::string> keys;
  for (uint64_t id = 1; id <= 3; ++id) {
    std::string csr = CsrOf(session_.Handle(Renewal(id)));
    keys.insert(pki::ValidateCsr(csr).value().public_key.der);
    session_.Handle(Issued(pki_, csr));
    ASSERT_TRUE(session_.last_rejection().ok()) << session_.last_rejection();
  }
  EXPECT_EQ(keys.size(), 3u);
  EXPECT_EQ(session_.certificates_installed(), 3);
}

TEST_F(RotationStreamHandlerTest, CertificatesThatMustNotBeInstalled) {
  session_.Handle(Bundle(pki_, 1));
  std::string csr = CsrOf(session_.Handle(Renewal(1)));
  AgentTestPki other_ca(now_);
  std::string foreign_key_csr = BuildIstioCsr(kAgentId).value().pem;
  struct Case {
    const char* name;
    v1::RotateResponse message;
  };
  const std::vector<Case> cases = {
      {"not for a key this agent asked for", Issued(pki_, foreign_key_csr)},
      {"another SPIFFE ID", Issued(pki_, csr, "spiffe://cluster.local/ns/foo/sa/other")},
      {"under a CA outside the bundle", Issued(other_ca, csr)},
      {"no certificate", v1::RotateResponse()},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    v1::RotateResponse message = c.message;
    if (!message.has_issued()) message.mutable_issued();
    session_.Handle(message);
    EXPECT_FALSE(session_.last_rejection().ok());
    EXPECT_EQ(store_.Current().svid, nullptr);
  }
  // The key is still pending: the genuine answer is installed.
  session_.Handle(Issued(pki_, csr));
  EXPECT_TRUE(session_.last_rejection().ok()) << session_.last_rejection();
  EXPECT_NE(store_.Current().svid, nullptr);
}

TEST_F(RotationStreamHandlerTest, ABadBundleKeepsTheOldOne) {
  session_.Handle(Bundle(pki_, 1));
  v1::RotateResponse bad;
  bad.mutable_bundle()->set_sequence(2);
  bad.mutable_bundle()->set_root_certs_pem("not a certificate");
  session_.Handle(bad);
  EXPECT_EQ(store_.Current().bundle->sequence(), 1u);
}

}  // namespace
}  // namespace svidd::testing
