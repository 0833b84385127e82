// ListCertificates / QueryCertificates: every filter, every sort order, offset and keyset
// paging with totals, and counts grouped by column, on a real SQLite file.
#include "ledger/certificate_query.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <functional>

#include "absl/strings/str_cat.h"
#include "ledger/ledger_engine.h"
#include "ledger/ledger_test_util.h"
#include "svidd/ledger/sqlite_ledger.h"

namespace svidd::ledger {
namespace {

using std::chrono::hours;
using std::chrono::minutes;
using ::svidd::testing::kBaseUnix;
using ::svidd::testing::MakeRecord;
using ::svidd::testing::TempDir;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

using ::svidd::testing::kBase;
const std::string kWeb = "spiffe://example.org/ns/default/sa/web";
const std::string kWeb2 = "spiffe://example.org/ns/default/sa/web2";
const std::string kDb = "spiffe://example.org/ns/data/sa/db";
const std::string kTd = "spiffe://example.org";
const std::string kAdmin = "spiffe://example.org/admin/alice";

class CertificateQueryTest : public ::svidd::testing::EngineTest {
 protected:
  // issued (relative to kBase), ttl:
  //   01 web   +0h  24h  issuer aa            02 web  +12h 24h  supersedes 01
  //   03 web2  +1h  2h   RSA-1024, revoked    04 db   +2h  48h  issuer bb
  //   05 td    -1h  1y   intermediate         06 admin +3h 8h   EC-secp256k1
  //   07 db    +2h  1h   (same issued_at as 04, renewal by order)
  void SetUp() override {
    EngineTest::SetUp();
    if (HasFatalFailure()) return;
    ledger_ = Open();
    ASSERT_NE(ledger_, nullptr);
    Add("01", kWeb, hours(0), hours(24), [](CertificateRecord& r) { r.issuer_serial_hex = "aa"; });
    Add("02", kWeb, hours(12), hours(24), [](CertificateRecord& r) {
      r.supersedes_serial_hex = "01";
      r.issuer_serial_hex = "aa";
    });
    Add("03", kWeb2, hours(1), hours(2), [](CertificateRecord& r) { r.key_type = "RSA-1024"; });
    Add("04", kDb, hours(2), hours(48), [](CertificateRecord& r) { r.issuer_serial_hex = "bb"; });
    Add("05", kTd, -hours(1), hours(24 * 365),
        [](CertificateRecord& r) { r.kind = CertKind::kIntermediate; });
    Add("06", kAdmin, hours(3), hours(8),
        [](CertificateRecord& r) { r.key_type = "EC-secp256k1"; });
    Add("07", kDb, hours(2), hours(1), [](CertificateRecord& r) { r.issuer_serial_hex = "bb"; });
    ASSERT_TRUE(ledger_->RevokeCertificate("03", "key compromise", kBase + hours(2)).ok());
  }

  void Add(const std::string& serial, const std::string& id, std::chrono::seconds issued,
           std::chrono::seconds ttl, const std::function<void(CertificateRecord&)>& change) {
    CertificateRecord r = MakeRecord(serial, id, kBase + issued, ttl);
    change(r);
    ASSERT_TRUE(ledger_->RecordIssuance(r).ok());
  }

  std::vector<std::string> Serials(const CertificateFilter& filter) {
    auto list = ledger_->ListCertificates(filter);
    EXPECT_TRUE(list.ok()) << list.status();
    std::vector<std::string> out;
    for (const auto& r : list.value_or(std::vector<CertificateRecord>{})) {
      out.push_back(r.serial_hex);
    }
    return out;
  }

  std::unique_ptr<Ledger> ledger_;
};
SVIDD_INSTANTIATE_FOR_EVERY_ENGINE(CertificateQueryTest);

struct FilterCase {
  const char* name;
  std::function<void(CertificateFilter&)> set;
  std::vector<std::string> want;  // in the default order: issued_at desc, serial desc
};

// Unexpired at kBase + `at`, with less than `fraction` of its life left.
std::function<void(CertificateFilter&)> ShortOfLife(std::chrono::seconds at, double fraction) {
  return [at, fraction](CertificateFilter& f) {
    f.life_left_below = LifeLeftBelow{kBase + at, fraction};
  };
}

TEST_P(CertificateQueryTest, EachFilter) {
  const std::vector<FilterCase> cases = {
      {"none", [](CertificateFilter&) {}, {"02", "06", "07", "04", "03", "01", "05"}},
      {"spiffe id exact", [](CertificateFilter& f) { f.spiffe_id = kWeb; }, {"02", "01"}},
      {"prefix", [](CertificateFilter& f) { f.spiffe_id_prefix = kWeb; }, {"02", "03", "01"}},
      {"prefix is case-sensitive",
       [](CertificateFilter& f) { f.spiffe_id_prefix = "spiffe://example.org/NS/"; },
       {}},
      {"prefix of a whole trust domain",
       [](CertificateFilter& f) { f.spiffe_id_prefix = "spiffe://example.org/"; },
       {"02", "06", "07", "04", "03", "01"}},
      {"namespace",
       [](CertificateFilter& f) { f.istio_namespace = "default"; },
       {"02", "03", "01"}},
      {"namespace data", [](CertificateFilter& f) { f.istio_namespace = "data"; }, {"07", "04"}},
      {"namespace is a whole segment", [](CertificateFilter& f) { f.istio_namespace = "def"; }, {}},
      {"serial", [](CertificateFilter& f) { f.serial = "04"; }, {"04"}},
      {"status revoked", [](CertificateFilter& f) { f.status = CertStatus::kRevoked; }, {"03"}},
      {"kind intermediate", [](CertificateFilter& f) { f.kind = CertKind::kIntermediate; }, {"05"}},
      {"issuer", [](CertificateFilter& f) { f.issuer_serial = "bb"; }, {"07", "04"}},
      {"key type", [](CertificateFilter& f) { f.key_type = "RSA-1024"; }, {"03"}},
      {"issued since +2h",
       [](CertificateFilter& f) { f.issued_since = kBase + hours(2); },
       {"02", "06", "07", "04"}},
      {"issued until +2h",
       [](CertificateFilter& f) { f.issued_until = kBase + hours(2); },
       {"03", "01", "05"}},
      {"issued in [+1h, +3h)",
       [](CertificateFilter& f) {
         f.issued_since = kBase + hours(1);
         f.issued_until = kBase + hours(3);
       },
       {"07", "04", "03"}},
      {"expiring within 10h of +2h30m, unexpired",
       [](CertificateFilter& f) {
         f.not_after_after = kBase + hours(2) + minutes(30);
         f.not_after_before = kBase + hours(12) + minutes(30);
       },
       {"06", "07", "03"}},
      {"valid from", [](CertificateFilter& f) { f.not_before_until = kBase; }, {"01", "05"}},
      {"revoked since +2h",
       [](CertificateFilter& f) { f.revoked_since = kBase + hours(2); },
       {"03"}},
      {"revoked since +3h", [](CertificateFilter& f) { f.revoked_since = kBase + hours(3); }, {}},
      {"revoked until +2h", [](CertificateFilter& f) { f.revoked_until = kBase + hours(2); }, {}},
      {"revoked until +3h",
       [](CertificateFilter& f) { f.revoked_until = kBase + hours(3); },
       {"03"}},
      {"renewals", [](CertificateFilter& f) { f.renewal = true; }, {"02", "07"}},
      {"first issuances",
       [](CertificateFilter& f) { f.renewal = false; },
       {"06", "04", "03", "01", "05"}},
      {"with a successor (02 names 01; 07 follows 04 by serial at the same time)",
       [](CertificateFilter& f) { f.has_successor = true; },
       {"04", "01"}},
      {"without a successor",
       [](CertificateFilter& f) { f.has_successor = false; },
       {"02", "06", "07", "03", "05"}},
      // 01 has 4h of 24h left; 03, 06 and 07 have expired (no life left, but not short of it).
      {"less than a quarter of its life left at +20h", ShortOfLife(hours(20), 0.25), {"01"}},
      {"exactly a quarter left is not less", ShortOfLife(hours(18), 0.25), {}},
      {"a second later it is", ShortOfLife(hours(18) + std::chrono::seconds(1), 0.25), {"01"}},
      {"less than half of its life left at +25h (02: 11h of 24h)",
       ShortOfLife(hours(25), 0.5),
       {"02"}},
      {"not issued by an operator",
       [](CertificateFilter& f) { f.not_auth_method = "kubernetes"; },
       {}},
      {"combined",
       [](CertificateFilter& f) {
         f.istio_namespace = "default";
         f.status = CertStatus::kActive;
         f.issuer_serial = "aa";
       },
       {"02", "01"}},
  };
  for (const FilterCase& c : cases) {
    SCOPED_TRACE(c.name);
    CertificateFilter filter;
    c.set(filter);
    EXPECT_EQ(Serials(filter), c.want);
    auto count = ledger_->CountCertificates(filter);
    ASSERT_TRUE(count.ok()) << count.status();
    EXPECT_EQ(*count, static_cast<int64_t>(c.want.size()));
  }
}

// The overdue-renewal rule measures a certificate's life from its issuance, not from its
// backdated NotBefore (a minute earlier here): a fresh 10-second certificate is not overdue, one
// with less than a quarter of its 10 seconds left is.
TEST_P(CertificateQueryTest, FreshShortCertificateIsNotAnOverdueRenewal) {
  const std::string kJob = "spiffe://example.org/ns/batch/sa/short";
  Add("0d", kJob, hours(5), std::chrono::seconds(10), [](CertificateRecord&) {});
  struct Case {
    std::chrono::seconds since_issued;
    std::vector<std::string> want;
  };
  for (const Case& c : std::vector<Case>{{std::chrono::seconds(0), {}},
                                         {std::chrono::seconds(7), {}},
                                         {std::chrono::seconds(8), {"0d"}},
                                         {std::chrono::seconds(10), {}}}) {
    SCOPED_TRACE(c.since_issued.count());
    CertificateFilter f = OverdueRenewalFilter(kBase + hours(5) + c.since_issued, 0.25);
    f.spiffe_id = kJob;
    EXPECT_EQ(Serials(f), c.want);
  }
}

// A renewal that names the certificate it replaced is its successor even when the order alone
// (same issued_at, a smaller serial) would call the replaced one the newer.
TEST_P(CertificateQueryTest, NamingASerialAsSupersededMakesASuccessor) {
  const std::string kJob = "spiffe://example.org/ns/batch/sa/job";
  Add("0b", kJob, hours(5), hours(1), [](CertificateRecord&) {});
  Add("0a", kJob, hours(5), hours(1), [](CertificateRecord& r) { r.supersedes_serial_hex = "0b"; });
  Add("0c", kJob, hours(4), hours(1), [](CertificateRecord& r) { r.auth_method = "svidctl"; });
  CertificateFilter without;
  without.spiffe_id = kJob;
  without.has_successor = false;
  EXPECT_THAT(Serials(without), ::testing::IsEmpty());
  CertificateFilter with = without;
  with.has_successor = true;
  EXPECT_THAT(Serials(with), ElementsAre("0b", "0a", "0c"));
  with.not_auth_method = "svidctl";
  EXPECT_THAT(Serials(with), ElementsAre("0b", "0a"));
}

TEST_P(CertificateQueryTest, EachSortOrder) {
  struct Case {
    const char* name;
    CertificateSortField sort;
    bool descending;
    std::vector<std::string> want;
  };
  const std::vector<Case> cases = {
      {"issued_at desc",
       CertificateSortField::kIssuedAt,
       true,
       {"02", "06", "07", "04", "03", "01", "05"}},
      {"issued_at asc",
       CertificateSortField::kIssuedAt,
       false,
       {"05", "01", "03", "04", "07", "06", "02"}},
      // not_after: 07 +3h, 03 +3h, 06 +11h, 01 +24h, 02 +36h, 04 +50h, 05 +1y-1h
      {"not_after asc",
       CertificateSortField::kNotAfter,
       false,
       {"03", "07", "06", "01", "02", "04", "05"}},
      {"not_after desc",
       CertificateSortField::kNotAfter,
       true,
       {"05", "04", "02", "01", "06", "07", "03"}},
      {"spiffe_id asc",
       CertificateSortField::kSpiffeId,
       false,
       {"05", "06", "04", "07", "01", "02", "03"}},
      {"spiffe_id desc",
       CertificateSortField::kSpiffeId,
       true,
       {"03", "02", "01", "07", "04", "06", "05"}},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    CertificateFilter filter;
    filter.sort = c.sort;
    filter.descending = c.descending;
    EXPECT_EQ(Serials(filter), c.want);
  }
}

// Walks every page of `filter` by token; returns the serials in order and checks totals.
std::vector<std::string> WalkPages(const Ledger& ledger, CertificateFilter filter,
                                   int64_t want_total) {
  std::vector<std::string> seen;
  for (int page = 0; page < 20; ++page) {
    auto got = ledger.QueryCertificates(filter);
    EXPECT_TRUE(got.ok()) << got.status();
    if (!got.ok()) break;
    EXPECT_EQ(got->total, want_total);
    EXPECT_LE(got->records.size(), filter.limit);
    for (const auto& r : got->records) seen.push_back(r.serial_hex);
    if (got->next_page_token.empty()) break;
    filter.page_token = got->next_page_token;
  }
  return seen;
}

TEST_P(CertificateQueryTest, TokenPagesCoverEveryRowOnceInEachOrder) {
  for (CertificateSortField sort :
       {CertificateSortField::kIssuedAt, CertificateSortField::kNotAfter,
        CertificateSortField::kSpiffeId}) {
    for (bool descending : {true, false}) {
      for (size_t limit : {1u, 2u, 3u, 7u, 10u}) {
        SCOPED_TRACE(absl::StrCat(CertificateSortFieldName(sort), descending ? " desc" : " asc",
                                  " limit ", limit));
        CertificateFilter all;
        all.sort = sort;
        all.descending = descending;
        CertificateFilter paged = all;
        paged.limit = limit;
        EXPECT_EQ(WalkPages(*ledger_, paged, 7), Serials(all));
      }
    }
  }
}

TEST_P(CertificateQueryTest, TokenPagingIsStableWhenRowsArriveBetweenPages) {
  CertificateFilter filter;
  filter.limit = 3;
  auto first = ledger_->QueryCertificates(filter);
  ASSERT_TRUE(first.ok());
  EXPECT_EQ(first->records.size(), 3u);
  // A newer certificate arrives; the next page still continues after "07".
  ASSERT_TRUE(ledger_->RecordIssuance(MakeRecord("08", kWeb, kBase + hours(20))).ok());
  filter.page_token = first->next_page_token;
  EXPECT_EQ(Serials(filter), (std::vector<std::string>{"04", "03", "01"}));
}

TEST_P(CertificateQueryTest, OffsetPagesAndFilteredTotal) {
  CertificateFilter filter;
  filter.istio_namespace = "default";
  filter.limit = 2;
  filter.offset = 1;
  auto page = ledger_->QueryCertificates(filter);
  ASSERT_TRUE(page.ok()) << page.status();
  EXPECT_EQ(page->total, 3);
  ASSERT_EQ(page->records.size(), 2u);
  EXPECT_EQ(page->records[0].serial_hex, "03");
  EXPECT_EQ(page->records[1].serial_hex, "01");
  EXPECT_TRUE(page->next_page_token.empty());

  CertificateFilter skip_only;
  skip_only.offset = 5;
  EXPECT_EQ(Serials(skip_only), (std::vector<std::string>{"01", "05"}));
}

TEST_P(CertificateQueryTest, BadPageTokensAreInvalidArgument) {
  CertificateFilter filter;
  filter.limit = 2;
  auto first = ledger_->QueryCertificates(filter);
  ASSERT_TRUE(first.ok());
  struct Case {
    const char* name;
    std::function<void(CertificateFilter&)> set;
    std::string message;
  };
  const std::vector<Case> cases = {
      {"garbage", [](CertificateFilter& f) { f.page_token = "!!"; }, "page token is not valid"},
      {"json but not ours", [](CertificateFilter& f) { f.page_token = "e30"; }, "unknown format"},
      {"other sort",
       [&](CertificateFilter& f) {
         f.page_token = first->next_page_token;
         f.sort = CertificateSortField::kNotAfter;
       },
       "sorted by issued_at descending"},
      {"other direction",
       [&](CertificateFilter& f) {
         f.page_token = first->next_page_token;
         f.descending = false;
       },
       "sorted by issued_at descending"},
      {"with offset",
       [&](CertificateFilter& f) {
         f.page_token = first->next_page_token;
         f.offset = 1;
       },
       "either an offset or a page token"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    CertificateFilter f;
    c.set(f);
    auto got = ledger_->QueryCertificates(f);
    EXPECT_EQ(got.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_THAT(std::string(got.status().message()), HasSubstr(c.message));
  }
}

TEST_P(CertificateQueryTest, CountsGroupedByColumn) {
  auto by_key = ledger_->CountCertificatesBy(CertificateGroup::kKeyType, {});
  ASSERT_TRUE(by_key.ok()) << by_key.status();
  std::vector<std::pair<std::string, int64_t>> got;
  for (const GroupCount& g : *by_key) got.emplace_back(g.value, g.count);
  EXPECT_THAT(got, ElementsAre(std::pair<std::string, int64_t>{"EC-P256", 5},
                               std::pair<std::string, int64_t>{"EC-secp256k1", 1},
                               std::pair<std::string, int64_t>{"RSA-1024", 1}));

  CertificateFilter active;
  active.status = CertStatus::kActive;
  auto by_kind = ledger_->CountCertificatesBy(CertificateGroup::kKind, active);
  ASSERT_TRUE(by_kind.ok());
  got.clear();
  for (const GroupCount& g : *by_kind) got.emplace_back(g.value, g.count);
  EXPECT_THAT(got, ElementsAre(std::pair<std::string, int64_t>{"intermediate", 1},
                               std::pair<std::string, int64_t>{"workload", 5}));
}

}  // namespace
}  // namespace svidd::ledger

namespace svidd::ledger::internal {
namespace {

using ::testing::HasSubstr;

// The filters operators use on large ledgers are index lookups, not table scans.
void ExpiringWithoutSuccessor(CertificateFilter& f) {
  f = OverdueRenewalFilter(FromUnixSeconds(1000), 0.25);
}

TEST(CertificateQueryPlanTest, SelectiveFiltersUseAnIndex) {
  svidd::testing::TempDir dir;
  ASSERT_TRUE(OpenSqliteLedger(dir.File("ledger.db")).ok());
  sqlite3* raw = nullptr;
  ASSERT_EQ(sqlite3_open(dir.File("ledger.db").c_str(), &raw), SQLITE_OK);
  SqliteDbPtr db(raw);
  struct Case {
    const char* name;
    std::function<void(CertificateFilter&)> set;
    std::string index;
  };
  const std::vector<Case> cases = {
      {"namespace", [](CertificateFilter& f) { f.istio_namespace = "default"; },
       "certificates_by_namespace"},
      {"prefix", [](CertificateFilter& f) { f.spiffe_id_prefix = "spiffe://td/ns/a/"; },
       "certificates_by_spiffe_id"},
      {"exact id", [](CertificateFilter& f) { f.spiffe_id = "spiffe://td/ns/a/sa/b"; },
       "certificates_by_spiffe_id"},
      {"issuer", [](CertificateFilter& f) { f.issuer_serial = "0a"; }, "certificates_by_issuer"},
      {"revoked since", [](CertificateFilter& f) { f.revoked_since = FromUnixSeconds(1); },
       "certificates_by_revoked_at"},
      {"serial", [](CertificateFilter& f) { f.serial = "0a"; }, "serial=?"},
      // What the CRL publisher and the revocation watcher ask every second.
      {"revoked", [](CertificateFilter& f) { f.status = CertStatus::kRevoked; },
       "certificates_by_revoked_at"},
      {"revoked, unexpired",
       [](CertificateFilter& f) {
         f.status = CertStatus::kRevoked;
         f.not_after_after = FromUnixSeconds(1);
       },
       "certificates_by_revoked_at"},
      // svidd_certificates_expiring_without_successor: the unexpired range of not_after, then
      // one index seek per certificate for a later one of its identity and one for a renewal
      // naming it.
      {"expiring", ExpiringWithoutSuccessor, "certificates_by_not_after"},
      {"successor by identity", ExpiringWithoutSuccessor, "certificates_by_spiffe_id_issued_at"},
      {"successor by name", ExpiringWithoutSuccessor, "certificates_by_supersedes"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    CertificateFilter filter;
    c.set(filter);
    // The count, and the page with its ORDER BY (which may tempt the planner to scan an
    // index in that order instead).
    for (const SqlFragment& q :
         {CertificateQuery::Build(filter)->Count(), CertificateQuery::Build(filter)->Page()}) {
      auto plan = Statement::Prepare(db.get(), "EXPLAIN QUERY PLAN " + q.sql);
      ASSERT_TRUE(plan.ok()) << plan.status();
      BindAll(*plan, q.params);
      std::string details;
      while (plan->Step().value_or(false)) details += plan->ColumnText(3) + "\n";
      EXPECT_THAT(details, HasSubstr(c.index)) << q.sql;
    }
  }
}

}  // namespace
}  // namespace svidd::ledger::internal
