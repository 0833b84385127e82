// AdminService when its worker queue refuses a call, over real gRPC: the caller hears the
// queue's own refusal (RESOURCE_EXHAUSTED when it is full, UNAVAILABLE once svidd stops), not a
// blanket "shutting down".
#include "server/admin_service.h"

#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include <future>
#include <set>

#include "issuance/ledger_revocation_checker.h"
#include "server/audit_log.h"
#include "support/ledger/temp_dir.h"
#include "svidd/auth/authenticator.h"
#include "svidd/ledger/sqlite_ledger.h"
#include "svidd/metrics/refusal_counter.h"
#include "svidd/metrics/server_metrics.h"

namespace svidd::server {
namespace {

// Never reached: every call here is refused before it runs.
class UnreachedCaOperations final : public ca::CaOperations {
 public:
  absl::Status RotateRoot() override { return Unreached(); }
  absl::Status RotateIntermediate() override { return Unreached(); }
  absl::StatusOr<size_t> Reissue(const std::string&) override { return Unreached(); }
  ca::CaStatus Status() const override { return {}; }

 private:
  static absl::Status Unreached() { return absl::InternalError("not reached in this test"); }
};

class AdminServiceQueueTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto ledger = ledger::OpenSqliteLedger(dir_.File("ledger.db"));
    ASSERT_TRUE(ledger.ok()) << ledger.status();
    ledger_ = *std::move(ledger);
    revocations_ = std::make_unique<issuance::LedgerRevocationChecker>(*ledger_);
    authenticator_ =
        std::make_unique<auth::Authenticator>("cluster.local", nullptr, *revocations_, clock_);
    authorizer_ = std::make_unique<api::AdminAuthorizer>(std::set<std::string>{}, *authenticator_,
                                                         authorities_);
    log_ = std::make_unique<AdminCallLog>(*ledger_, audit_);
    refusals_ = std::make_unique<metrics::RefusalCounter>(*ledger_, clock_, metrics_);
    operations_ =
        std::make_unique<ops::OperatorService>(*ledger_, ops::OperatorServiceOptions{}, clock_);
    service_ = std::make_unique<AdminService>(
        AdminService::Deps{*operations_, *authorizer_, *log_, *refusals_, ca_, workers_, clock_});
    grpc::ServerBuilder builder;
    int port = 0;
    builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &port);
    builder.RegisterService(service_.get());
    server_ = builder.BuildAndStart();
    ASSERT_NE(server_, nullptr);
    stub_ = v1::AdminService::NewStub(grpc::CreateChannel("127.0.0.1:" + std::to_string(port),
                                                          grpc::InsecureChannelCredentials()));
  }

  void TearDown() override {
    release_.set_value();
    if (server_ != nullptr) server_->Shutdown();
    workers_.Stop();
  }

  grpc::Status GetStats() {
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
    v1::Stats stats;
    return stub_->GetStats(&context, v1::GetStatsRequest(), &stats);
  }

  // Occupies the one admin worker until TearDown, and fills the queue of one behind it.
  void FillTheQueue() {
    auto started = std::make_shared<std::promise<void>>();
    std::future<void> running = started->get_future();
    std::shared_future<void> released = release_.get_future().share();
    ASSERT_TRUE(workers_
                    .Submit([started, released] {
                      started->set_value();
                      released.wait();
                    })
                    .ok());
    running.wait();
    ASSERT_TRUE(workers_.Submit([] {}).ok());
  }

  testing::TempDir dir_;
  FakeClock clock_{SystemClock::Instance().Now()};
  std::unique_ptr<ledger::Ledger> ledger_;
  std::unique_ptr<issuance::LedgerRevocationChecker> revocations_;
  std::unique_ptr<auth::Authenticator> authenticator_;
  pki::AuthorityHolder authorities_;
  std::unique_ptr<api::AdminAuthorizer> authorizer_;
  AuditLog audit_{clock_};
  std::unique_ptr<AdminCallLog> log_;
  metrics::ServerMetrics metrics_;
  std::unique_ptr<metrics::RefusalCounter> refusals_;
  std::unique_ptr<ops::OperatorService> operations_;
  UnreachedCaOperations ca_;
  WorkerPool workers_{1, /*max_queued=*/1};
  std::unique_ptr<AdminService> service_;
  std::unique_ptr<grpc::Server> server_;
  std::unique_ptr<v1::AdminService::Stub> stub_;
  std::promise<void> release_;
};

TEST_F(AdminServiceQueueTest, AFullQueueIsResourceExhausted) {
  FillTheQueue();
  grpc::Status refused = GetStats();
  EXPECT_EQ(refused.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED) << refused.error_message();
}

TEST_F(AdminServiceQueueTest, AfterStopItIsUnavailableBecauseSviddIsShuttingDown) {
  workers_.Stop();
  grpc::Status refused = GetStats();
  EXPECT_EQ(refused.error_code(), grpc::StatusCode::UNAVAILABLE);
  EXPECT_EQ(refused.error_message(), "svidd is shutting down");
}

}  // namespace
}  // namespace svidd::server
