// The ledger's operator summaries and records: one line per identity, refusal counts per
// hour, the append-only admin audit log; and how migration 0004 sees existing rows.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sqlite3.h>

#include "ledger/ledger_engine.h"
#include "ledger/ledger_test_util.h"
#include "support/postgres/postgres_server.h"
#include "svidd/ledger/sqlite_ledger.h"

namespace svidd::ledger {
namespace {

using std::chrono::hours;
using ::svidd::testing::kBaseUnix;
using ::svidd::testing::MakeRecord;
using ::svidd::testing::TempDir;
using ::testing::HasSubstr;

using ::svidd::testing::kBase;
const std::string kWebId = "spiffe://example.org/ns/default/sa/web";
const std::string kDbId = "spiffe://example.org/ns/data/sa/db";
const std::string kGone = "spiffe://example.org/ns/default/sa/gone";

class OperatorRecordsTest : public ::svidd::testing::EngineTest {
 protected:
  void SetUp() override {
    EngineTest::SetUp();
    if (HasFatalFailure()) return;
    ledger_ = Open();
    ASSERT_NE(ledger_, nullptr);
  }
  void Record(CertificateRecord r) { ASSERT_TRUE(ledger_->RecordIssuance(std::move(r)).ok()); }

  std::unique_ptr<Ledger> ledger_;
};
SVIDD_INSTANTIATE_FOR_EVERY_ENGINE(OperatorRecordsTest);

TEST_P(OperatorRecordsTest, IdentitiesSummariseEveryCertificateOfAnId) {
  // web: three renewals, the newest revoked → current is the newest active one (w2).
  Record(MakeRecord("w1", kWebId, kBase, hours(24)));
  Record(MakeRecord("w2", kWebId, kBase + hours(12), hours(24)));
  Record(MakeRecord("w3", kWebId, kBase + hours(20), hours(24)));
  ASSERT_TRUE(ledger_->RevokeCertificate("w3", "", kBase + hours(21)).ok());
  // db: one certificate. gone: everything revoked → current is its newest.
  Record(MakeRecord("d1", kDbId, kBase + hours(1), hours(2)));
  Record(MakeRecord("g1", kGone, kBase, hours(24)));
  Record(MakeRecord("g2", kGone, kBase + hours(1), hours(24)));
  ASSERT_TRUE(ledger_->RevokeCertificate("g1", "", kBase + hours(2)).ok());
  ASSERT_TRUE(ledger_->RevokeCertificate("g2", "", kBase + hours(2)).ok());

  IdentityFilter all;
  all.now = kBase + hours(22);
  auto ids = ledger_->ListIdentities(all);
  ASSERT_TRUE(ids.ok()) << ids.status();
  ASSERT_EQ(ids->size(), 3u);
  const IdentitySummary& db = (*ids)[0];
  const IdentitySummary& gone = (*ids)[1];
  const IdentitySummary& web = (*ids)[2];
  EXPECT_EQ(db.spiffe_id, kDbId);
  EXPECT_EQ(db.certificates, 1);
  EXPECT_EQ(db.valid_certificates, 0);  // expired at +3h
  EXPECT_EQ(db.current_serial, "d1");
  EXPECT_EQ(gone.current_serial, "g2");
  EXPECT_EQ(gone.current_status, CertStatus::kRevoked);
  EXPECT_EQ(web.current_serial, "w2");
  EXPECT_EQ(web.current_status, CertStatus::kActive);
  EXPECT_EQ(web.certificates, 3);
  EXPECT_EQ(web.valid_certificates, 2);  // w1 (until +24h) and w2
  EXPECT_EQ(web.first_issued_at, kBase);
  EXPECT_EQ(web.last_issued_at, kBase + hours(20));
  EXPECT_EQ(web.current_not_after, kBase + hours(36));
  EXPECT_EQ(web.current_auth_method, "kubernetes");

  struct Case {
    const char* name;
    std::function<void(IdentityFilter&)> set;
    std::vector<std::string> want;
  };
  const std::vector<Case> cases = {
      {"namespace", [](IdentityFilter& f) { f.istio_namespace = "default"; }, {kGone, kWebId}},
      {"prefix",
       [](IdentityFilter& f) { f.spiffe_id_prefix = "spiffe://example.org/ns/data/"; },
       {kDbId}},
      {"kind", [](IdentityFilter& f) { f.kind = CertKind::kServer; }, {}},
      {"kind workload",
       [](IdentityFilter& f) { f.kind = CertKind::kWorkload; },
       {kDbId, kGone, kWebId}},
      {"kind and limit",
       [](IdentityFilter& f) {
         f.kind = CertKind::kWorkload;
         f.limit = 1;
       },
       {kDbId}},
      {"limit", [](IdentityFilter& f) { f.limit = 2; }, {kDbId, kGone}},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    IdentityFilter f = all;
    c.set(f);
    auto got = ledger_->ListIdentities(f);
    ASSERT_TRUE(got.ok()) << got.status();
    std::vector<std::string> names;
    for (const auto& s : *got) names.push_back(s.spiffe_id);
    EXPECT_EQ(names, c.want);
  }
}

TEST_P(OperatorRecordsTest, RefusalCountsAddUpPerHourAndReason) {
  const TimePoint t = kBase + std::chrono::minutes(7);
  ASSERT_TRUE(ledger_
                  ->AddRefusalCounts(
                      {{t, "unauthenticated/expired-token", 2}, {t, "invalid-argument/csr", 1}})
                  .ok());
  ASSERT_TRUE(
      ledger_
          ->AddRefusalCounts({{t + std::chrono::minutes(30), "unauthenticated/expired-token", 3},
                              {t + hours(1), "invalid-argument/csr", 4}})
          .ok());
  auto got = ledger_->ListRefusalCounts(t - hours(1));
  ASSERT_TRUE(got.ok()) << got.status();
  ASSERT_EQ(got->size(), 3u);
  EXPECT_EQ((*got)[0].hour, RefusalHour(t));
  EXPECT_EQ((*got)[0].reason, "invalid-argument/csr");
  EXPECT_EQ((*got)[0].count, 1);
  EXPECT_EQ((*got)[1].reason, "unauthenticated/expired-token");
  EXPECT_EQ((*got)[1].count, 5);
  EXPECT_EQ((*got)[2].hour, RefusalHour(t) + hours(1));
  EXPECT_EQ((*got)[2].count, 4);
  // `since` inside an hour includes that whole hour.
  EXPECT_EQ(ledger_->ListRefusalCounts(t + hours(1) + std::chrono::minutes(40))->size(), 1u);
  EXPECT_EQ(RefusalHour(FromUnixSeconds(7200 + 3599)), FromUnixSeconds(7200));
}

TEST_P(OperatorRecordsTest, AdminCallsAreAppendOnly) {
  AdminCallRecord call{
      kBase, kWebId, "x509:0a", "ipv4:127.0.0.1:5", "RevokeCertificates", R"({"serial":"0a"})",
      "OK",  ""};
  ASSERT_TRUE(ledger_->RecordAdminCall(call).ok());
  call.at += hours(1);
  call.outcome = "PERMISSION_DENIED";
  ASSERT_TRUE(ledger_->RecordAdminCall(call).ok());
  auto got = ledger_->ListAdminCalls(kBase, 0);
  ASSERT_TRUE(got.ok()) << got.status();
  ASSERT_EQ(got->size(), 2u);
  EXPECT_EQ((*got)[0].outcome, "PERMISSION_DENIED");  // newest first
  EXPECT_EQ((*got)[1].arguments, R"({"serial":"0a"})");
  EXPECT_EQ((*got)[1].caller_principal, "x509:0a");
  EXPECT_EQ(ledger_->ListAdminCalls(kBase + hours(1), 0)->size(), 1u);
  EXPECT_EQ(ledger_->ListAdminCalls(kBase, 1)->size(), 1u);

  absl::Status deleted = ExecRawSql("DELETE FROM admin_audit");
  EXPECT_FALSE(deleted.ok());
  EXPECT_THAT(std::string(deleted.message()), HasSubstr("append-only"));
}

TEST_P(OperatorRecordsTest, ReadOnlyLedgerRefusesOperatorWrites) {
  auto ro = TryOpen({.read_only = true});
  ASSERT_TRUE(ro.ok()) << ro.status();
  EXPECT_EQ((*ro)->AddRefusalCounts({{kBase, "x/y", 1}}).code(),
            absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ((*ro)->RecordAdminCall({}).code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_TRUE((*ro)->ListRefusalCounts(kBase).ok());
}

}  // namespace
}  // namespace svidd::ledger
