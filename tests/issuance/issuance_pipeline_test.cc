// The issuance pipeline's refusals with a real test CA, a real SQLite ledger and a fake clock:
// each keeps the code and the reason of the step that made it (a profile error is not turned
// into UNAVAILABLE), so a caller sees why and svidctl stats counts it under the right label.
#include "svidd/issuance/issuance_pipeline.h"

#include <gtest/gtest.h>

#include <atomic>
#include <future>
#include <map>

#include "issuance/ledger_revocation_checker.h"
#include "support/ledger/temp_dir.h"
#include "support/pki/csr_builder.h"
#include "support/pki/external_verify.h"
#include "support/postgres/postgres_server.h"
#include "svidd/common/refusal.h"
#include "svidd/crypto/pem.h"
#include "svidd/crypto/x509_fields.h"
#include "svidd/ledger/postgres_ledger.h"
#include "svidd/ledger/sqlite_ledger.h"
#include "svidd/metrics/refusal_counter.h"

namespace svidd::issuance {
namespace {

using std::chrono::seconds;

constexpr char kBar[] = "spiffe://cluster.local/ns/foo/sa/bar";

class IssuancePipelineTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto ledger = ledger::OpenSqliteLedger(dir_.File("ledger.db"));
    ASSERT_TRUE(ledger.ok()) << ledger.status();
    ledger_ = *std::move(ledger);
    auto ca = testing::MakeTestAuthority(clock_.Now());
    ASSERT_TRUE(ca.ok()) << ca.status();
    authorities_.Set(*ca);
    revocations_ = std::make_unique<LedgerRevocationChecker>(*ledger_);
    authenticator_ =
        std::make_unique<auth::Authenticator>("cluster.local", nullptr, *revocations_, clock_);
  }

  auth::CallerIdentity Bar() const {
    return auth::CallerIdentity{spiffe::SpiffeId::Parse(kBar).value(),
                                auth::AuthMethod::kKubernetesToken,
                                "system:serviceaccount:foo:bar"};
  }

  // IssueFor, waiting for `done` (it may run on the ledger's thread).
  absl::Status Issue(const IssuancePipeline& pipeline, const std::string& csr_pem) {
    std::promise<absl::Status> result;
    pipeline.IssueFor(Bar(), metrics::IssuanceApi::kIstio, SigningRequest{csr_pem, seconds(0), ""},
                      [&](absl::StatusOr<IssuedChain> chain) { result.set_value(chain.status()); });
    return result.get_future().get();
  }

  // IssueFor with a fresh key, waiting for the chain or the refusal.
  absl::StatusOr<IssuedChain> IssueChain(const IssuancePipeline& pipeline) {
    std::promise<absl::StatusOr<IssuedChain>> result;
    pipeline.IssueFor(
        Bar(), metrics::IssuanceApi::kIstio,
        SigningRequest{testing::BuildIstioCsr(kBar).value().pem, seconds(0), ""},
        [&](absl::StatusOr<IssuedChain> chain) { result.set_value(std::move(chain)); });
    return result.get_future().get();
  }

  IssuancePipeline MakePipeline(pki::TtlPolicy ttl, ledger::Ledger& ledger) {
    return IssuancePipeline(authorities_, *authenticator_, ledger, ttl, pki::CsrLimits{}, clock_,
                            metrics_);
  }

  testing::TempDir dir_;
  FakeClock clock_{std::chrono::floor<seconds>(SystemClock::Instance().Now())};
  std::unique_ptr<ledger::Ledger> ledger_;
  pki::AuthorityHolder authorities_;
  std::unique_ptr<LedgerRevocationChecker> revocations_;
  std::unique_ptr<auth::Authenticator> authenticator_;
  metrics::ServerMetrics metrics_;
};

TEST_F(IssuancePipelineTest, EachRefusalKeepsItsStepsCodeAndReason) {
  const std::string good = testing::BuildIstioCsr(kBar).value().pem;
  auto read_only = ledger::OpenSqliteLedger(dir_.File("ledger.db"), {.read_only = true});
  ASSERT_TRUE(read_only.ok()) << read_only.status();
  struct Case {
    std::string name;
    std::function<absl::Status()> issue;
    absl::StatusCode code;
    Refusal reason;
    std::string label;  // svidd_requests_refused_total{reason}
  };
  const std::vector<Case> cases = {
      {"NoLifetime",  // the profile builder's INVALID_ARGUMENT, not UNAVAILABLE
       [&] {
         return Issue(MakePipeline(pki::TtlPolicy{seconds(0), seconds(0)}, *ledger_), good);
       },
       absl::StatusCode::kInvalidArgument, Refusal::kProfile, "invalid-argument/profile"},
      {"NotACsr", [&] { return Issue(MakePipeline(pki::TtlPolicy{}, *ledger_), "hello"); },
       absl::StatusCode::kInvalidArgument, Refusal::kCsr, "invalid-argument/csr"},
      {"AnotherIdentity",
       [&] {
         return Issue(MakePipeline(pki::TtlPolicy{}, *ledger_),
                      testing::BuildIstioCsr("spiffe://cluster.local/ns/foo/sa/baz").value().pem);
       },
       absl::StatusCode::kPermissionDenied, Refusal::kIdentity, "permission-denied/identity"},
      {"LedgerRefusesTheWrite",
       [&] { return Issue(MakePipeline(pki::TtlPolicy{}, **read_only), good); },
       absl::StatusCode::kUnavailable, Refusal::kLedger, "unavailable/ledger"},
      {"Halted",
       [&] {
         IssuancePipeline halted = MakePipeline(pki::TtlPolicy{}, *ledger_);
         halted.Halt("the ledger lost revocations");
         return Issue(halted, good);
       },
       absl::StatusCode::kUnavailable, Refusal::kHalted, "unavailable/halted"},
      {"NoCa",
       [&] {
         pki::AuthorityHolder none;
         IssuancePipeline pipeline(none, *authenticator_, *ledger_, pki::TtlPolicy{},
                                   pki::CsrLimits{}, clock_, metrics_);
         return Issue(pipeline, good);
       },
       absl::StatusCode::kUnavailable, Refusal::kCaNotReady, "unavailable/ca-not-ready"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    absl::Status refused = c.issue();
    EXPECT_EQ(refused.code(), c.code) << refused;
    EXPECT_EQ(RefusalOf(refused), c.reason) << refused;
    EXPECT_EQ(metrics::RefusalReason(refused), c.label);
  }
  EXPECT_TRUE(Issue(MakePipeline(pki::TtlPolicy{}, *ledger_), good).ok()) << "and it still issues";
}

enum class Engine { kSqlite, kPostgres };

// Serial numbers are 128 random bits, so two alike are drawn by chance about never; but with
// replicas on one ledger a repeat would be a certificate two workloads could both present.
// The ledger holds each serial once (UNIQUE, on both engines); a serial it already holds is
// never handed out: the pipeline signs the certificate again with a fresh one. The serial
// source is replaced here to repeat itself, which is the only way to make it collide.
class SerialCollisionTest : public IssuancePipelineTest,
                            public ::testing::WithParamInterface<Engine> {
 protected:
  void SetUp() override {
    IssuancePipelineTest::SetUp();
    if (GetParam() == Engine::kSqlite) return;
    absl::StatusOr<std::string> uri = testing::FreshPostgresDatabase();
    ASSERT_TRUE(uri.ok()) << uri.status();  // fail, never skip
    auto ledger = ledger::OpenPostgresLedger(*uri);
    ASSERT_TRUE(ledger.ok()) << ledger.status();
    postgres_ledger_ = *std::move(ledger);
  }

  ledger::Ledger& ledger() { return postgres_ledger_ != nullptr ? *postgres_ledger_ : *ledger_; }

  // `serial` for the first `times` draws, random ones after.
  static IssuancePipeline::SerialSource Repeating(std::string serial, int times) {
    auto left = std::make_shared<std::atomic<int>>(times);
    return [serial = std::move(serial), left]() -> absl::StatusOr<std::string> {
      if (left->fetch_sub(1) > 0) return serial;
      return pki::RandomSerial();
    };
  }

  // The `issued` events in the ledger, per serial.
  std::map<std::string, int> IssuedEvents() {
    auto events = ledger().ListEvents({.kind = ledger::EventKind::kIssued});
    EXPECT_TRUE(events.ok()) << events.status();
    std::map<std::string, int> per_serial;
    for (const ledger::LedgerEvent& e : events.value_or(std::vector<ledger::LedgerEvent>{})) {
      ++per_serial[e.serial_hex];
    }
    return per_serial;
  }

  const std::string kSerial = std::string(16, '\x2a');
  const std::string kSerialHex = "2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a";
  std::unique_ptr<ledger::Ledger> postgres_ledger_;
};

TEST_P(SerialCollisionTest, ASerialTheLedgerHoldsIsSignedAgainWithAFreshOne) {
  IssuancePipeline pipeline = MakePipeline(pki::TtlPolicy{}, ledger());
  pipeline.SetSerialSource(Repeating(kSerial, 2));
  absl::StatusOr<IssuedChain> first = IssueChain(pipeline);
  ASSERT_TRUE(first.ok()) << first.status();
  ASSERT_EQ(first->serial_hex, kSerialHex);

  // The second certificate draws the same serial: the ledger refuses it, the pipeline signs
  // again, and the client gets a certificate whose serial (inside the signed part) is new.
  absl::StatusOr<IssuedChain> second = IssueChain(pipeline);
  ASSERT_TRUE(second.ok()) << second.status();
  EXPECT_NE(second->serial_hex, kSerialHex);
  EXPECT_EQ(crypto::SerialHex(crypto::ParseCertificatePem(second->cert_chain[0]).value().get()),
            second->serial_hex);
  EXPECT_TRUE(testing::OpensslVerifyStrict(second->cert_chain[0], {second->cert_chain[1]},
                                           second->cert_chain[2], "sslclient")
                  .ok());

  // Both in the ledger, each once, each the certificate its client holds.
  for (const IssuedChain* chain : {&*first, &*second}) {
    auto row = ledger().GetCertificate(chain->serial_hex);
    ASSERT_TRUE(row.ok()) << row.status();
    EXPECT_EQ(row->certificate_pem, chain->cert_chain[0]);
  }
  EXPECT_EQ(ledger().CountCertificates(ledger::CertificateFilter{}).value(), 2);
  EXPECT_EQ(IssuedEvents(),
            (std::map<std::string, int>{{first->serial_hex, 1}, {second->serial_hex, 1}}));
}

TEST_P(SerialCollisionTest, ASerialThatCollidesOnEveryAttemptIsWithheldNotReturned) {
  IssuancePipeline pipeline = MakePipeline(pki::TtlPolicy{}, ledger());
  pipeline.SetSerialSource(Repeating(kSerial, 1 + IssuancePipeline::kSerialAttempts));
  ASSERT_TRUE(IssueChain(pipeline).ok());

  absl::StatusOr<IssuedChain> refused = IssueChain(pipeline);
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kUnavailable) << refused.status();
  EXPECT_EQ(RefusalOf(refused.status()), Refusal::kLedger);
  EXPECT_EQ(IssuedEvents(), (std::map<std::string, int>{{kSerialHex, 1}}));
  // The bound is per request: the next one (the source draws at random again) is issued.
  EXPECT_TRUE(IssueChain(pipeline).ok());
}

INSTANTIATE_TEST_SUITE_P(Engines, SerialCollisionTest,
                         ::testing::Values(Engine::kSqlite, Engine::kPostgres),
                         [](const ::testing::TestParamInfo<Engine>& info) {
                           return info.param == Engine::kSqlite ? "Sqlite" : "Postgres";
                         });

}  // namespace
}  // namespace svidd::issuance
