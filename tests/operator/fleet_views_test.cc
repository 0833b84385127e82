// identities, stats and audit over a realistic fleet, at a fixed time.
#include <gmock/gmock.h>
#include <sys/stat.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>

#include "operator/operator_fixture.h"
#include "support/ledger/sqlite_tool.h"
#include "svidd/common/data_dir.h"
#include "svidd/ledger/sqlite_ledger.h"
#include "svidd/operator/audit.h"

namespace svidd::testing {
namespace {

using std::chrono::hours;
using ::testing::HasSubstr;

class FleetViewsTest : public OperatorFixture {};

TEST_F(FleetViewsTest, IdentitiesShowEachIdsCurrentCertificateAndHistory) {
  ledger::IdentityFilter filter;
  filter.now = now();
  auto ids = service_->ListIdentities(filter);
  ASSERT_TRUE(ids.ok()) << ids.status();
  EXPECT_EQ(ids->size(), 10u + fleet_.workers);
  std::map<std::string, ledger::IdentitySummary> by_id;
  for (const ledger::IdentitySummary& s : *ids) by_id[s.spiffe_id] = s;

  struct Case {
    std::string id;
    int64_t certificates;
    int64_t valid;
    size_t current_index;  // into SerialsOf(id)
    ledger::CertStatus status;
    hours last_issued;
    ledger::CertKind kind;
  };
  const std::vector<Case> cases = {
      {fleet_.web, 4, 2, 3, ledger::CertStatus::kActive, hours(-1), ledger::CertKind::kWorkload},
      {fleet_.api, 3, 2, 2, ledger::CertStatus::kActive, hours(-6), ledger::CertKind::kWorkload},
      {fleet_.expiring, 3, 1, 2, ledger::CertStatus::kActive, hours(-20),
       ledger::CertKind::kWorkload},
      {fleet_.stopped, 3, 0, 2, ledger::CertStatus::kActive, hours(-26),
       ledger::CertKind::kWorkload},
      {fleet_.compromised, 2, 0, 1, ledger::CertStatus::kRevoked, hours(-2),
       ledger::CertKind::kWorkload},
      {fleet_.once, 1, 0, 0, ledger::CertStatus::kActive, hours(-30), ledger::CertKind::kWorkload},
      {fleet_.server, 2, 2, 1, ledger::CertStatus::kActive, hours(-1), ledger::CertKind::kServer},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.id);
    ASSERT_TRUE(by_id.count(c.id));
    const ledger::IdentitySummary& s = by_id[c.id];
    EXPECT_EQ(s.certificates, c.certificates);
    EXPECT_EQ(s.valid_certificates, c.valid);
    EXPECT_EQ(s.current_serial, fleet_.SerialsOf(c.id)[c.current_index]);
    EXPECT_EQ(s.current_status, c.status);
    EXPECT_EQ(s.last_issued_at, now() + c.last_issued);
    EXPECT_EQ(s.kind, c.kind);
  }
}

TEST_F(FleetViewsTest, StatsCountIssuanceRenewalsRevocationsAndRefusalsPerWindow) {
  ASSERT_TRUE(
      dir_->ledger()
          .AddRefusalCounts({{now() - std::chrono::minutes(30), "unauthenticated/expired-token", 3},
                             {now() - hours(5), "invalid-argument/csr", 2},
                             {now() - hours(30), "invalid-argument/csr", 7}})
          .ok());
  auto stats = service_->Stats();
  ASSERT_TRUE(stats.ok()) << stats.status();
  EXPECT_EQ(stats->generated_at, now());
  EXPECT_EQ(stats->valid_certificates, 29);
  ASSERT_EQ(stats->valid_by_kind.size(), 2u);
  EXPECT_EQ(stats->valid_by_kind[0].value, "server");
  EXPECT_EQ(stats->valid_by_kind[0].count, 2);
  EXPECT_EQ(stats->valid_by_kind[1].count, 27);

  ASSERT_EQ(stats->windows.size(), 2u);
  const ops::StatsWindow& hour = stats->windows[0];
  EXPECT_EQ(hour.window, hours(1));
  EXPECT_EQ(hour.issued, 3);    // web, server and the weak key, at exactly -1h
  EXPECT_EQ(hour.renewals, 2);  // web, server
  EXPECT_EQ(hour.revoked, 2);   // both compromised certificates
  EXPECT_EQ(hour.refused, 3);
  const ops::StatsWindow& day = stats->windows[1];
  EXPECT_EQ(day.issued, 32);
  EXPECT_EQ(day.renewals, 18);
  EXPECT_EQ(day.revoked, 2);
  EXPECT_EQ(day.refused, 5);

  ASSERT_EQ(stats->refusals.size(), 2u);
  EXPECT_EQ(stats->refusals[0].reason, "invalid-argument/csr");
  EXPECT_EQ(stats->refusals[0].counts, (std::vector<int64_t>{0, 2}));
  EXPECT_EQ(stats->refusals[1].reason, "unauthenticated/expired-token");
  EXPECT_EQ(stats->refusals[1].counts, (std::vector<int64_t>{3, 3}));

  ASSERT_EQ(stats->ca.size(), 2u);  // signer (intermediate) and root
  EXPECT_EQ(stats->ca[0].role, ops::CaRole::kSigner);
  EXPECT_EQ(stats->ca[0].serial_hex, dir_->authority().signer_serial_hex());
  EXPECT_EQ(stats->ca[0].not_after, dir_->authority().not_after());
  EXPECT_EQ(stats->ca[1].role, ops::CaRole::kRoot);
}

TEST_F(FleetViewsTest, StatsAsOfAnEarlierTime) {
  auto stats = service_->Stats(now() - hours(24 * 29));
  ASSERT_TRUE(stats.ok()) << stats.status();
  EXPECT_EQ(stats->windows[1].issued, 2);  // the ancient identity's two certificates
  EXPECT_EQ(stats->valid_certificates, 1);
}

TEST_F(FleetViewsTest, AuditFindsOverdueStoppedAndWeakButNotHistory) {
  auto report = service_->Audit();
  ASSERT_TRUE(report.ok()) << report.status();
  std::vector<std::tuple<std::string, std::string, std::string>> got;
  for (const ops::AuditFinding& f : report->findings) {
    got.emplace_back(AuditSeverityName(f.severity), f.check, f.subject);
  }
  using T = std::tuple<std::string, std::string, std::string>;
  EXPECT_EQ(got, (std::vector<T>{
                     T{"critical", "weak-key", "RSA-1024"},
                     T{"warning", "expiring-without-successor", fleet_.expiring},
                     T{"warning", "stopped-renewing", fleet_.stopped},
                     T{"info", "ledger-integrity", "ledger"},
                     // The real ledger verifier ran: intact, nothing signed yet (no server).
                     T{"info", "ledger-integrity", "no_head_file"},
                     T{"info", "ledger-integrity", "not_yet_signed"},
                 }));
  EXPECT_TRUE(report->HasCritical());
  EXPECT_EQ(report->Count(ops::AuditSeverity::kWarning), 2);
  const std::string weak_serial = fleet_.SerialsOf(fleet_.weak)[0];
  EXPECT_THAT(report->findings[0].message, HasSubstr("1 valid certificates"));
  EXPECT_THAT(report->findings[0].message, HasSubstr(weak_serial));
  EXPECT_THAT(report->findings[1].message, HasSubstr("expires in 4h"));
  EXPECT_THAT(report->findings[2].message, HasSubstr("expired 2h ago"));
}

// ca-retired/<serial>/ holds a retired intermediate's private key: a loose one is as
// critical as the signing key's, for the audit and for svidd's start alike.
TEST_F(FleetViewsTest, ALooseKeyOfARetiredIntermediateIsCritical) {
  const std::filesystem::path retired = dir_->path() / "ca-retired" / "0a1b2c3d";
  ASSERT_TRUE(std::filesystem::create_directories(retired));
  const std::filesystem::path key = retired / "ca-key.pem";
  std::ofstream(key) << "x";
  ASSERT_EQ(::chmod(key.c_str(), 0644), 0);
  auto critical_for_key = [&] {
    auto report = service_->Audit();
    EXPECT_TRUE(report.ok()) << report.status();
    if (!report.ok()) return false;
    return std::any_of(report->findings.begin(), report->findings.end(),
                       [&](const ops::AuditFinding& f) {
                         return f.severity == ops::AuditSeverity::kCritical &&
                                f.check == "key-permissions" && f.subject == key.string();
                       });
  };
  EXPECT_TRUE(critical_for_key());
  const std::vector<std::filesystem::path> key_dirs = DataDir(dir_->path()).OtherKeyDirs();
  absl::Status start = ops::CheckStartupPermissions(dir_->path(), dir_->ca_dir(), key_dirs);
  EXPECT_TRUE(absl::IsFailedPrecondition(start)) << start;
  EXPECT_THAT(start.message(), HasSubstr(key.string()));

  ASSERT_EQ(::chmod(key.c_str(), 0600), 0);
  EXPECT_FALSE(critical_for_key());
  EXPECT_TRUE(ops::CheckStartupPermissions(dir_->path(), dir_->ca_dir(), key_dirs).ok());
}

TEST_F(FleetViewsTest, RevokingTheWeakKeyLeavesAWarningAndNoCritical) {
  ops::RevocationRequest request{ops::RevocationRequest::Target::kSpiffeId, fleet_.weak,
                                 "weak key"};
  ASSERT_TRUE(service_->Revoke(request).ok());
  auto report = service_->Audit();
  ASSERT_TRUE(report.ok()) << report.status();
  EXPECT_FALSE(report->HasCritical());
  auto weak = std::find_if(report->findings.begin(), report->findings.end(),
                           [](const ops::AuditFinding& f) { return f.check == "weak-key"; });
  ASSERT_NE(weak, report->findings.end());
  EXPECT_EQ(weak->severity, ops::AuditSeverity::kWarning);
  EXPECT_THAT(weak->message, HasSubstr("none is still valid"));
}

TEST_F(FleetViewsTest, AuditLaterFindsMoreOverdueAndAnExpiringCa) {
  // 330 days on, the intermediate (365 days from now - 31d) has 4 days left: critical.
  auto report = service_->Audit(now() + hours(24 * 330));
  ASSERT_TRUE(report.ok()) << report.status();
  ASSERT_FALSE(report->findings.empty());
  EXPECT_EQ(report->findings[0].check, "ca-expiry");
  EXPECT_EQ(report->findings[0].severity, ops::AuditSeverity::kCritical);
  EXPECT_EQ(report->findings[0].subject, dir_->authority().signer_serial_hex());
}

TEST_F(FleetViewsTest, TrustBundleIsTheRootFile) {
  auto bundle = service_->TrustBundle();
  ASSERT_TRUE(bundle.ok()) << bundle.status();
  EXPECT_EQ(bundle->roots_pem, dir_->authority().root_bundle_pem());
  EXPECT_EQ(bundle->trust_domain, "cluster.local");
  EXPECT_GT(bundle->sequence, 0u);
}

TEST_F(FleetViewsTest, AnEditedLedgerRowIsACriticalAuditFinding) {
  dir_->CloseLedger();
  auto edited = RunSqlite3(dir_->path() / "ledger.db",
                           WithoutGuards("UPDATE certificates SET spiffe_id = "
                                         "'spiffe://cluster.local/ns/x/sa/evil' WHERE seq = 3;"));
  ASSERT_TRUE(edited.ok()) << edited.status();
  auto ledger = ledger::OpenSqliteLedger(dir_->path() / "ledger.db");
  ASSERT_TRUE(ledger.ok());
  ops::OperatorService service(**ledger, Options(), clock_);
  auto report = service.Audit();
  ASSERT_TRUE(report.ok()) << report.status();
  ASSERT_FALSE(report->findings.empty());
  bool found = false;
  for (const ops::AuditFinding& f : report->findings) {
    if (f.check != "ledger-integrity" || f.severity != ops::AuditSeverity::kCritical) continue;
    found = true;
    EXPECT_THAT(f.message, HasSubstr("certificate_edited"));
    EXPECT_EQ(f.subject, "certificates row 3");
  }
  EXPECT_TRUE(found);
}

}  // namespace
}  // namespace svidd::testing
