// Runs the real svidctl binary against a ledger populated through OpenSqliteLedger.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <map>

#include "absl/strings/ascii.h"
#include "absl/strings/str_split.h"
#include "nlohmann/json.hpp"
#include "support/pki/external_verify.h"
#include "svidctl/svidctl_test_util.h"
#include "svidd/common/time_format.h"
#include "svidd/ledger/sqlite_ledger.h"

namespace svidd::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;
using json = nlohmann::json;

const std::string kWeb = "spiffe://cluster.local/ns/default/sa/web";
const std::string kDb = "spiffe://cluster.local/ns/default/sa/db";

class SvidctlCertsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    static std::atomic<int> counter{0};
    dir_ = std::filesystem::temp_directory_path() /
           ("svidctl-test-" + std::to_string(getpid()) + "-" + std::to_string(counter++));
    std::filesystem::remove_all(dir_);
    now_ = FromUnixSeconds(ToUnixSeconds(SystemClock::Instance().Now()));
    auto ledger = ledger::OpenSqliteLedger(dir_ / "ledger.db");
    ASSERT_TRUE(ledger.ok()) << ledger.status();
    ledger_ = std::move(*ledger);
    auto authority = MakeTestAuthority(now_ - std::chrono::hours(48));
    ASSERT_TRUE(authority.ok()) << authority.status();
    authority_ = *authority;
    // Newest first: web-3h30m (5a3f09c2), db-30d (0b77), web-90s-ago-expired (01f0), older.
    Add("01f0", kWeb, now_ - std::chrono::hours(30), now_ - std::chrono::seconds(90));
    Add("0b77", kDb, now_ - std::chrono::hours(2), now_ + std::chrono::hours(24 * 30));
    Add("5a3f09c2", kWeb, now_ - std::chrono::hours(1),
        now_ + std::chrono::hours(3) + std::chrono::minutes(30));
  }
  void TearDown() override {
    ledger_.reset();
    std::filesystem::remove_all(dir_);
  }

  void Add(const std::string& serial, const std::string& id, TimePoint issued, TimePoint until) {
    absl::StatusOr<ledger::CertificateRecord> r =
        IssueRecord(*authority_, serial, id, issued, until);
    ASSERT_TRUE(r.ok()) << r.status();
    ASSERT_EQ(r->serial_hex, serial);
    ASSERT_TRUE(ledger_->RecordIssuance(*r).ok());
    records_[serial] = *r;
  }

  CommandResult Run(std::vector<std::string> args) {
    args.insert(args.begin(), {"--data-dir", dir_.string()});
    return RunSvidctl(args);
  }
  std::vector<std::string> ListSerials(std::vector<std::string> flags) {
    std::vector<std::string> args = {"certs", "list", "--output", "json"};
    args.insert(args.end(), flags.begin(), flags.end());
    CommandResult r = Run(args);
    EXPECT_EQ(r.exit_code, 0) << r.err;
    std::vector<std::string> serials;
    const json list = json::parse(r.out);
    for (const auto& item : list) serials.push_back(item["serial"]);
    return serials;
  }

  std::filesystem::path dir_;
  TimePoint now_;
  std::unique_ptr<ledger::Ledger> ledger_;
  std::shared_ptr<const pki::Authority> authority_;
  std::map<std::string, ledger::CertificateRecord> records_;
};

TEST_F(SvidctlCertsTest, ListJsonHasEveryField) {
  ASSERT_TRUE(ledger_->RevokeCertificate("0b77", "key compromise", now_).ok());
  CommandResult r = Run({"certs", "list", "--output", "json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  json list = json::parse(r.out);
  ASSERT_TRUE(list.is_array());
  ASSERT_EQ(list.size(), 3u);
  for (const json& item : list) {
    const ledger::CertificateRecord& want = records_.at(item["serial"]);
    SCOPED_TRACE(want.serial_hex);
    EXPECT_EQ(item["spiffe_id"], want.spiffe_id);
    EXPECT_EQ(item["kind"], "workload");
    EXPECT_EQ(item["issued_at"], FormatRfc3339(want.issued_at));
    EXPECT_EQ(item["not_before"], FormatRfc3339(want.not_before));
    EXPECT_EQ(item["not_after"], FormatRfc3339(want.not_after));
    EXPECT_EQ(item["key_type"], "EC-P256");
    EXPECT_EQ(item["auth_method"], "kubernetes");
    EXPECT_EQ(item["auth_principal"], want.auth_principal);
    EXPECT_EQ(item["issuer_serial"], authority_->signer_serial_hex());
    EXPECT_EQ(item["public_key_sha256"], want.public_key_sha256);
    EXPECT_EQ(item.contains("revoked_at"), want.serial_hex == "0b77");
  }
  EXPECT_EQ(list[1]["status"], "revoked");
  EXPECT_EQ(list[1]["revoked_at"], FormatRfc3339(now_));
  EXPECT_EQ(list[1]["revocation_reason"], "key compromise");
  EXPECT_EQ(list[0]["status"], "active");
}

TEST_F(SvidctlCertsTest, ListTableColumnsLineUp) {
  CommandResult r = Run({"certs", "list"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::vector<std::string> lines = absl::StrSplit(r.out, '\n', absl::SkipEmpty());
  ASSERT_EQ(lines.size(), 4u) << r.out;
  const std::vector<std::string> headers = {"SERIAL", "SPIFFE ID", "KIND",
                                            "STATUS", "NOT AFTER", "AUTH"};
  std::vector<size_t> offsets;
  for (const std::string& h : headers) {
    offsets.push_back(lines[0].find(h));
    ASSERT_NE(offsets.back(), std::string::npos) << h;
  }
  for (size_t i = 1; i < lines.size(); ++i) {
    SCOPED_TRACE(lines[i]);
    for (size_t c = 1; c < offsets.size(); ++c) {
      ASSERT_GT(lines[i].size(), offsets[c]);
      EXPECT_EQ(lines[i].substr(offsets[c] - 2, 2), "  ");
      EXPECT_NE(lines[i][offsets[c]], ' ');
    }
  }
  EXPECT_EQ(lines[1].substr(0, 8), "5a3f09c2");
  EXPECT_EQ(lines[1].substr(offsets[1], kWeb.size()), kWeb);
  EXPECT_EQ(lines[1].substr(offsets[4], 5), "in 3h");
  EXPECT_THAT(lines[3], HasSubstr("ago"));
}

// The ledger stores active or revoked; people read "expired" for an active certificate past
// its NOT AFTER (revoked stays revoked), scripts get the stored status and a boolean.
TEST_F(SvidctlCertsTest, AnActiveCertificatePastItsNotAfterReadsExpired) {
  Add("0c0c", kDb, now_ - std::chrono::hours(40), now_ - std::chrono::hours(10));
  ASSERT_TRUE(ledger_->RevokeCertificate("0c0c", "superseded", now_).ok());
  struct Case {
    std::string serial;
    std::string shown;  // table and text
    std::string stored;
    bool expired;
  };
  const std::vector<Case> cases = {
      {"01f0", "expired", "active", true},  // ended 90 s ago
      {"5a3f09c2", "active", "active", false},
      {"0c0c", "revoked", "revoked", true},  // revoked, and ended too
  };
  CommandResult table = Run({"certs", "list"});
  ASSERT_EQ(table.exit_code, 0) << table.err;
  std::vector<std::string> lines = absl::StrSplit(table.out, '\n', absl::SkipEmpty());
  const size_t status_column = lines.at(0).find("STATUS");
  CommandResult listed = Run({"certs", "list", "--output", "json"});
  ASSERT_EQ(listed.exit_code, 0) << listed.err;
  std::map<std::string, json> by_serial;
  for (const json& item : json::parse(listed.out)) by_serial[item["serial"]] = item;
  for (const Case& c : cases) {
    SCOPED_TRACE(c.serial);
    auto line = std::find_if(lines.begin(), lines.end(),
                             [&](const std::string& l) { return l.rfind(c.serial + " ", 0) == 0; });
    ASSERT_NE(line, lines.end()) << table.out;
    EXPECT_EQ(line->substr(status_column, c.shown.size() + 1), c.shown + " ");
    ASSERT_TRUE(by_serial.count(c.serial));
    EXPECT_EQ(by_serial[c.serial]["status"], c.stored);
    EXPECT_EQ(by_serial[c.serial]["expired"], c.expired);
    CommandResult text = Run({"certs", "show", c.serial});
    ASSERT_EQ(text.exit_code, 0) << text.err;
    std::vector<std::string> text_lines = absl::StrSplit(text.out, '\n');
    auto status = std::find_if(text_lines.begin(), text_lines.end(),
                               [](const std::string& l) { return l.rfind("Status:", 0) == 0; });
    ASSERT_NE(status, text_lines.end()) << text.out;
    EXPECT_EQ(absl::StripAsciiWhitespace(status->substr(7)), c.shown);
  }
}

// --at judges what is shown as of that time, as it does the filters: 5a3f09c2 ends 3h30m from
// now, so four hours on the table, the JSON and the relative time all say it has ended.
TEST_F(SvidctlCertsTest, AtJudgesTheShownStatusAndTimesAsOfThatTime) {
  const std::string later = FormatRfc3339(now_ + std::chrono::hours(4));
  CommandResult table = Run({"certs", "list", "--at", later});
  ASSERT_EQ(table.exit_code, 0) << table.err;
  std::vector<std::string> lines = absl::StrSplit(table.out, '\n', absl::SkipEmpty());
  const size_t status_column = lines.at(0).find("STATUS");
  auto line = std::find_if(lines.begin(), lines.end(),
                           [](const std::string& l) { return l.rfind("5a3f09c2 ", 0) == 0; });
  ASSERT_NE(line, lines.end()) << table.out;
  EXPECT_EQ(line->substr(status_column, 8), "expired ") << table.out;
  EXPECT_THAT(*line, HasSubstr("30m ago")) << table.out;
  CommandResult listed = Run({"certs", "list", "--output", "json", "--at", later});
  ASSERT_EQ(listed.exit_code, 0) << listed.err;
  for (const json& item : json::parse(listed.out)) {
    if (item["serial"] == "5a3f09c2") {
      EXPECT_EQ(item["expired"], true) << listed.out;
    }
  }
}

TEST_F(SvidctlCertsTest, ListFilters) {
  ASSERT_TRUE(ledger_->RevokeCertificate("0b77", "", now_).ok());
  struct Case {
    const char* name;
    std::vector<std::string> flags;
    std::vector<std::string> want;
  };
  const std::vector<Case> cases = {
      {"all", {}, {"5a3f09c2", "0b77", "01f0"}},
      {"spiffe id", {"--spiffe-id", kWeb}, {"5a3f09c2", "01f0"}},
      {"revoked", {"--status", "revoked"}, {"0b77"}},
      {"active", {"--status", "active"}, {"5a3f09c2", "01f0"}},
      {"expiring within 4h excludes expired and 30d", {"--expiring-within", "4h"}, {"5a3f09c2"}},
      {"expiring within 31d", {"--expiring-within", "31d"}, {"5a3f09c2", "0b77"}},
      {"limit", {"--limit", "1"}, {"5a3f09c2"}},
      {"no match", {"--spiffe-id", "spiffe://cluster.local/none"}, {}},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    EXPECT_EQ(ListSerials(c.flags), c.want);
  }
}

TEST_F(SvidctlCertsTest, ShowInEachFormatAcceptsOperatorSpelling) {
  const ledger::CertificateRecord& want = records_.at("5a3f09c2");
  CommandResult pem = Run({"certs", "show", "5A:3F:09:C2", "--output", "pem"});
  ASSERT_EQ(pem.exit_code, 0) << pem.err;
  EXPECT_EQ(pem.out, want.certificate_pem);

  CommandResult js = Run({"certs", "show", "5a3f09c2", "--output", "json"});
  ASSERT_EQ(js.exit_code, 0) << js.err;
  json item = json::parse(js.out);
  EXPECT_EQ(item["serial"], "5a3f09c2");
  EXPECT_EQ(item["certificate_pem"], want.certificate_pem);
  EXPECT_EQ(item["not_after"], FormatRfc3339(want.not_after));

  CommandResult text = Run({"certs", "show", "0x5A3F09C2"});
  ASSERT_EQ(text.exit_code, 0) << text.err;
  EXPECT_THAT(text.out, HasSubstr("SPIFFE ID:"));
  EXPECT_THAT(text.out, HasSubstr(kWeb));
  EXPECT_THAT(text.out, HasSubstr("Certificate:"));  // X509_print
  EXPECT_THAT(text.out, HasSubstr("URI:" + kWeb));
  EXPECT_THAT(text.out, HasSubstr("Serial Number: 1514080706 (0x5a3f09c2)"));
}

TEST_F(SvidctlCertsTest, RevokeThenListRevoked) {
  CommandResult r = Run({"certs", "revoke", "5A3F09C2", "--reason", "key compromise"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("revoked certificate 5a3f09c2"));
  EXPECT_THAT(r.out, HasSubstr(kWeb));
  EXPECT_EQ(ListSerials({"--status", "revoked"}), std::vector<std::string>{"5a3f09c2"});
  // The server's own Ledger instance sees it at once.
  EXPECT_TRUE(ledger_->IsRevoked("5a3f09c2").value());
  EXPECT_EQ(ledger_->GetCertificate("5a3f09c2")->revocation_reason, "key compromise");

  CommandResult again = Run({"certs", "revoke", "5a3f09c2"});
  EXPECT_NE(again.exit_code, 0);
  EXPECT_THAT(again.err, HasSubstr("already revoked at"));
  EXPECT_THAT(again.out, IsEmpty());
}

TEST_F(SvidctlCertsTest, ErrorsGoToStderrWithNonZeroExit) {
  struct Case {
    const char* name;
    std::vector<std::string> args;
    std::string message;
  };
  const std::string ledger = (dir_ / "ledger.db").string();
  const std::vector<Case> cases = {
      {"show unknown", {"certs", "show", "beef"}, "no certificate with serial beef in " + ledger},
      {"revoke unknown", {"certs", "revoke", "beef"}, "no certificate with serial beef"},
      {"bad serial", {"certs", "show", "xyz"}, "\"xyz\" is not a certificate serial"},
      {"bad duration", {"certs", "list", "--expiring-within", "soon"}, "--expiring-within"},
      {"negative duration", {"certs", "list", "--expiring-within", "-1h"}, "must be positive"},
      {"bad status", {"certs", "list", "--status", "bogus"}, "bogus"},
      {"bad output", {"certs", "list", "--output", "yaml"}, "yaml"},
      {"no subcommand", {"certs"}, "subcommand"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    CommandResult r = Run(c.args);
    EXPECT_NE(r.exit_code, 0);
    EXPECT_THAT(r.err, HasSubstr(c.message));
    EXPECT_THAT(r.out, Not(HasSubstr("SERIAL")));
  }
}

TEST_F(SvidctlCertsTest, MissingLedgerIsReportedAndNotCreated) {
  const auto missing = dir_ / "nowhere";
  for (const std::string cmd : {"list", "revoke"}) {
    SCOPED_TRACE(cmd);
    std::vector<std::string> args = {"--data-dir", missing.string(), "certs", cmd};
    if (cmd == "revoke") args.push_back("5a3f09c2");
    CommandResult r = RunSvidctl(args);
    EXPECT_NE(r.exit_code, 0);
    EXPECT_THAT(r.err, HasSubstr("no ledger at " + (missing / "ledger.db").string()));
  }
  EXPECT_FALSE(std::filesystem::exists(missing));
}

}  // namespace
}  // namespace svidd::testing
