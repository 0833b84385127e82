// The issuance pipeline's refusals with a real test CA, a real SQLite ledger and a fake clock:
// each keeps the code and the reason of the step that made it (a profile error is not turned
// into UNAVAILABLE), so a caller sees why and svidctl stats counts it under the right label.
#include "svidd/issuance/issuance_pipeline.h"

#include <gtest/gtest.h>

#include <future>

#include "issuance/ledger_revocation_checker.h"
#include "support/ledger/temp_dir.h"
#include "support/pki/csr_builder.h"
#include "support/pki/external_verify.h"
#include "svidd/common/refusal.h"
#include "svidd/ledger/sqlite_ledger.h"
#include "svidd/metrics/refusal_counter.h"

namespace svidd::issuance {
namespace {

using std::chrono::seconds;

constexpr char kBar[] = "spiffe://cluster.local/ns/foo/sa/bar";

class IssuancePipelineTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto ledger = OpenSqliteLedger(dir_.File("ledger.db"));
    ASSERT_TRUE(ledger.ok()) << ledger.status();
    ledger_ = *std::move(ledger);
    auto ca = testing::MakeTestAuthority(clock_.Now());
    ASSERT_TRUE(ca.ok()) << ca.status();
    authorities_.Set(*ca);
    revocations_ = std::make_unique<LedgerRevocationChecker>(*ledger_);
    authenticator_ =
        std::make_unique<Authenticator>("cluster.local", nullptr, *revocations_, clock_);
  }

  CallerIdentity Bar() const {
    return CallerIdentity{SpiffeId::Parse(kBar).value(), AuthMethod::kKubernetesToken,
                          "system:serviceaccount:foo:bar"};
  }

  // IssueFor, waiting for `done` (it may run on the ledger's thread).
  absl::Status Issue(const IssuancePipeline& pipeline, const std::string& csr_pem) {
    std::promise<absl::Status> result;
    pipeline.IssueFor(Bar(), IssuanceApi::kIstio, SigningRequest{csr_pem, seconds(0), ""},
                      [&](absl::StatusOr<IssuedChain> chain) { result.set_value(chain.status()); });
    return result.get_future().get();
  }

  IssuancePipeline MakePipeline(TtlPolicy ttl, Ledger& ledger) {
    return IssuancePipeline(authorities_, *authenticator_, ledger, ttl, CsrLimits{}, clock_,
                            metrics_);
  }

  testing::TempDir dir_;
  FakeClock clock_{std::chrono::floor<seconds>(SystemClock::Instance().Now())};
  std::unique_ptr<Ledger> ledger_;
  AuthorityHolder authorities_;
  std::unique_ptr<LedgerRevocationChecker> revocations_;
  std::unique_ptr<Authenticator> authenticator_;
  ServerMetrics metrics_;
};

TEST_F(IssuancePipelineTest, EachRefusalKeepsItsStepsCodeAndReason) {
  const std::string good = testing::BuildIstioCsr(kBar).value().pem;
  auto read_only = OpenSqliteLedger(dir_.File("ledger.db"), {.read_only = true});
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
         return Issue(MakePipeline(TtlPolicy{seconds(0), seconds(0)}, *ledger_), good);
       },
       absl::StatusCode::kInvalidArgument, Refusal::kProfile, "invalid-argument/profile"},
      {"NotACsr", [&] { return Issue(MakePipeline(TtlPolicy{}, *ledger_), "hello"); },
       absl::StatusCode::kInvalidArgument, Refusal::kCsr, "invalid-argument/csr"},
      {"AnotherIdentity",
       [&] {
         return Issue(MakePipeline(TtlPolicy{}, *ledger_),
                      testing::BuildIstioCsr("spiffe://cluster.local/ns/foo/sa/baz").value().pem);
       },
       absl::StatusCode::kPermissionDenied, Refusal::kIdentity, "permission-denied/identity"},
      {"LedgerRefusesTheWrite", [&] { return Issue(MakePipeline(TtlPolicy{}, **read_only), good); },
       absl::StatusCode::kUnavailable, Refusal::kLedger, "unavailable/ledger"},
      {"Halted",
       [&] {
         IssuancePipeline halted = MakePipeline(TtlPolicy{}, *ledger_);
         halted.Halt("the ledger lost revocations");
         return Issue(halted, good);
       },
       absl::StatusCode::kUnavailable, Refusal::kHalted, "unavailable/halted"},
      {"NoCa",
       [&] {
         AuthorityHolder none;
         IssuancePipeline pipeline(none, *authenticator_, *ledger_, TtlPolicy{}, CsrLimits{},
                                   clock_, metrics_);
         return Issue(pipeline, good);
       },
       absl::StatusCode::kUnavailable, Refusal::kCaNotReady, "unavailable/ca-not-ready"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    absl::Status refused = c.issue();
    EXPECT_EQ(refused.code(), c.code) << refused;
    EXPECT_EQ(RefusalOf(refused), c.reason) << refused;
    EXPECT_EQ(RefusalReason(refused), c.label);
  }
  EXPECT_TRUE(Issue(MakePipeline(TtlPolicy{}, *ledger_), good).ok()) << "and it still issues";
}

}  // namespace
}  // namespace svidd::issuance
