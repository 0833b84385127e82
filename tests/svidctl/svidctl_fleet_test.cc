// The real svidctl binary on a data directory holding a realistic fleet (support/fleet):
// every operator command, its table and JSON output, and its errors. The fleet is recorded at
// the real time (svidctl reads the system clock), and time-dependent views are pinned with
// --at so their answers are exact.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <set>

#include "absl/strings/str_split.h"
#include "nlohmann/json.hpp"
#include "support/fleet/test_data_dir.h"
#include "support/fleet/test_fleet.h"
#include "support/fleet/test_records.h"
#include "support/pki/external_verify.h"
#include "svidctl/svidctl_test_util.h"
#include "svidd/common/atomic_file.h"
#include "svidd/common/time_format.h"
#include "svidd/crypto/pem.h"
#include "svidd/crypto/x509_fields.h"
#include "svidd/spiffe/trust_bundle.h"

namespace svidd::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using json = nlohmann::json;

class SvidctlFleetTest : public ::testing::Test {
 protected:
  void SetUp() override {
    now_ = FromUnixSeconds(ToUnixSeconds(SystemClock::Instance().Now()));
    at_ = FormatRfc3339(now_);
    auto dir = TestDataDir::Create(now_ - std::chrono::hours(24 * 31));
    ASSERT_TRUE(dir.ok()) << dir.status();
    dir_ = std::move(*dir);
    auto fleet = BuildTestFleet(dir_->ledger(), dir_->authority(), now_);
    ASSERT_TRUE(fleet.ok()) << fleet.status();
    fleet_ = std::move(*fleet);
  }

  CommandResult Run(std::vector<std::string> args) {
    args.insert(args.begin(), {"--data-dir", dir_->path().string()});
    return RunSvidctl(args);
  }
  json RunJson(std::vector<std::string> args, int want_exit = 0) {
    args.insert(args.end(), {"--output", "json"});
    CommandResult r = Run(args);
    EXPECT_EQ(r.exit_code, want_exit) << r.err;
    return json::parse(r.out);
  }
  std::vector<std::string> ListSerials(std::vector<std::string> flags) {
    std::vector<std::string> args = {"certs", "list"};
    args.insert(args.end(), flags.begin(), flags.end());
    std::vector<std::string> serials;
    const json list = RunJson(args);
    for (const json& item : list) serials.push_back(item["serial"]);
    return serials;
  }
  // Serials of the fleet's records (as the ledger holds them now, revocations included)
  // matching `keep`, in the default order (newest first).
  std::vector<std::string> Expected(
      const std::function<bool(const ledger::CertificateRecord&)>& keep) {
    std::vector<ledger::CertificateRecord> records;
    for (const ledger::CertificateRecord& recorded : fleet_.records) {
      ledger::CertificateRecord r = dir_->ledger().GetCertificate(recorded.serial_hex).value();
      if (keep(r)) records.push_back(r);
    }
    std::sort(records.begin(), records.end(), [](const auto& a, const auto& b) {
      return a.issued_at != b.issued_at ? a.issued_at > b.issued_at : a.serial_hex > b.serial_hex;
    });
    std::vector<std::string> serials;
    for (const ledger::CertificateRecord& r : records) serials.push_back(r.serial_hex);
    return serials;
  }

  TimePoint now_;
  std::string at_;
  std::unique_ptr<TestDataDir> dir_;
  TestFleet fleet_;
};

TEST_F(SvidctlFleetTest, CertsListFiltersMatchTheLedger) {
  const std::string td = "spiffe://cluster.local/";
  // One certificate from another CA of the trust domain, so that --issuer has something to
  // leave out.
  auto other_ca = MakeTestAuthority(now_ - std::chrono::hours(24));
  ASSERT_TRUE(other_ca.ok()) << other_ca.status();
  auto foreign = IssueRecord(**other_ca, "0f0f", td + "ns/default/sa/web",
                             now_ - std::chrono::hours(2), now_ + std::chrono::hours(22));
  ASSERT_TRUE(foreign.ok()) << foreign.status();
  ASSERT_TRUE(dir_->ledger().RecordIssuance(*foreign).ok());
  fleet_.records.push_back(*foreign);
  const std::string signer = dir_->authority().signer_serial_hex();
  struct Case {
    const char* name;
    std::vector<std::string> flags;
    std::function<bool(const ledger::CertificateRecord&)> keep;
  };
  const std::vector<Case> cases = {
      {"namespace",
       {"--namespace", "legacy"},
       [&](const auto& r) { return r.spiffe_id.rfind(td + "ns/legacy/", 0) == 0; }},
      {"prefix",
       {"--prefix", td + "ns/default/sa/w"},
       [&](const auto& r) { return r.spiffe_id == fleet_.web; }},  // "0f0f" included
      {"kind",
       {"--kind", "server"},
       [](const auto& r) { return r.kind == ledger::CertKind::kServer; }},
      {"valid now",
       {"--status", "valid"},
       [&](const auto& r) {
         return r.status == ledger::CertStatus::kActive && r.not_before <= now_ &&
                r.not_after > now_;
       }},
      {"expired",
       {"--status", "expired"},
       [&](const auto& r) {
         return r.status == ledger::CertStatus::kActive && r.not_after < now_;
       }},
      {"revoked",
       {"--status", "revoked"},
       [](const auto& r) { return r.status == ledger::CertStatus::kRevoked; }},
      {"issued in the last 7h",
       {"--issued-since", "7h"},
       [&](const auto& r) { return r.issued_at >= now_ - std::chrono::hours(7); }},
      {"issued before an RFC 3339 time",
       {"--issued-until", FormatRfc3339(now_ - std::chrono::hours(24 * 20))},
       [&](const auto& r) { return r.issued_at < now_ - std::chrono::hours(24 * 20); }},
      {"key type",
       {"--key-type", "RSA-1024"},
       [](const auto& r) { return r.key_type == "RSA-1024"; }},
      {"issuer",
       {"--issuer", signer},
       [&](const auto& r) { return r.issuer_serial_hex == signer; }},
      {"the other issuer",
       {"--issuer", (*other_ca)->signer_serial_hex()},
       [](const auto& r) { return r.serial_hex == "0f0f"; }},
      {"serial",
       {"--serial", fleet_.SerialsOf(fleet_.api)[1]},
       [&](const auto& r) { return r.serial_hex == fleet_.SerialsOf(fleet_.api)[1]; }},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    const std::vector<std::string> want = Expected(c.keep);
    EXPECT_FALSE(want.empty());
    std::vector<std::string> flags = c.flags;
    flags.insert(flags.end(), {"--at", at_});  // svidctl's clock has moved on since now_
    EXPECT_EQ(ListSerials(flags), want);
  }
}

TEST_F(SvidctlFleetTest, CertsListSortsAndPagesWithoutRepeatsOrGaps) {
  json sorted = RunJson({"certs", "list", "--sort", "spiffe_id", "--asc"});
  std::vector<std::string> ids;
  for (const json& item : sorted) ids.push_back(item["spiffe_id"]);
  EXPECT_TRUE(std::is_sorted(ids.begin(), ids.end()));
  EXPECT_EQ(ids.size(), fleet_.records.size());

  // Page through by token, three at a time, sorted by expiry. stdout is only the list; the
  // count and the next page's token go to stderr.
  std::vector<std::string> all = ListSerials({"--sort", "not_after"});
  const std::string prefix =
      "3 of " + std::to_string(all.size()) + " shown; next page: --page-token ";
  std::vector<std::string> paged;
  std::string token;
  for (int page = 0; page < 100; ++page) {
    std::vector<std::string> args = {"certs",   "list", "--sort", "not_after",
                                     "--limit", "3",    "-o",     "json"};
    if (!token.empty()) args.insert(args.end(), {"--page-token", token});
    CommandResult r = Run(args);
    ASSERT_EQ(r.exit_code, 0) << r.err;
    const json list = json::parse(r.out);
    for (const json& item : list) paged.push_back(item["serial"]);
    if (r.err.find("next page") == std::string::npos) break;  // the last page
    ASSERT_EQ(r.err.rfind(prefix, 0), 0u) << r.err;
    token = r.err.substr(prefix.size());
    token.erase(token.find_last_not_of('\n') + 1);
  }
  EXPECT_EQ(paged, all);
  EXPECT_EQ(ListSerials({"--sort", "not_after", "--offset", "2", "--limit", "2"}),
            std::vector<std::string>(all.begin() + 2, all.begin() + 4));

  CommandResult table = Run({"certs", "list", "--limit", "2"});
  ASSERT_EQ(table.exit_code, 0) << table.err;
  EXPECT_THAT(table.err,
              HasSubstr("2 of " + std::to_string(all.size()) + " shown; next page: --page-token "));
  EXPECT_THAT(table.out, Not(HasSubstr("next page")));
}

TEST_F(SvidctlFleetTest, RevokeEveryCertificateOfAnIdentityOrOfAnIssuer) {
  json revoked =
      RunJson({"certs", "revoke", "--spiffe-id", fleet_.api, "--reason", "decommissioned"});
  ASSERT_EQ(revoked["revoked"].size(), 3u);
  for (const json& r : revoked["revoked"]) {
    EXPECT_EQ(r["spiffe_id"], fleet_.api);
    EXPECT_EQ(r["status"], "revoked");
    EXPECT_EQ(r["revocation_reason"], "decommissioned");
  }
  EXPECT_EQ(ListSerials({"--spiffe-id", fleet_.api, "--status", "active"}),
            std::vector<std::string>{});

  CommandResult again = Run({"certs", "revoke", "--spiffe-id", fleet_.api});
  ASSERT_EQ(again.exit_code, 0) << again.err;
  EXPECT_THAT(again.out, HasSubstr("nothing revoked"));

  CommandResult by_issuer =
      Run({"certs", "revoke", "--issuer", dir_->authority().signer_serial_hex(), "--reason",
           "ca compromise"});
  ASSERT_EQ(by_issuer.exit_code, 0) << by_issuer.err;
  EXPECT_THAT(by_issuer.out, HasSubstr("revoked certificate "));
  EXPECT_EQ(ListSerials({"--status", "active"}), std::vector<std::string>{});

  for (const auto& args : std::vector<std::vector<std::string>>{
           {"certs", "revoke"}, {"certs", "revoke", "01", "--spiffe-id", fleet_.web}}) {
    CommandResult r = Run(args);
    EXPECT_EQ(r.exit_code, 1);
    EXPECT_THAT(r.err, HasSubstr("name exactly one of"));
  }
  CommandResult unknown =
      Run({"certs", "revoke", "--spiffe-id", "spiffe://cluster.local/ns/x/sa/y"});
  EXPECT_EQ(unknown.exit_code, 1);
  EXPECT_THAT(unknown.err, HasSubstr("spiffe://cluster.local/ns/x/sa/y"));
}

TEST_F(SvidctlFleetTest, IdentitiesListIsTheFleetView) {
  json j = RunJson({"identities", "list", "--at", at_});
  std::map<std::string, json> by_id;
  for (const json& item : j["identities"]) by_id[item["spiffe_id"]] = item;
  ASSERT_TRUE(by_id.count(fleet_.web));
  const json& web = by_id[fleet_.web];
  EXPECT_EQ(web["certificates"], 4);
  EXPECT_EQ(web["current_serial"], fleet_.SerialsOf(fleet_.web).back());
  EXPECT_EQ(web["current_status"], "active");
  EXPECT_EQ(web["kind"], "workload");
  EXPECT_EQ(by_id[fleet_.compromised]["current_status"], "revoked");
  EXPECT_EQ(by_id[fleet_.server]["kind"], "server");

  json legacy = RunJson({"identities", "list", "--namespace", "legacy", "--at", at_});
  std::set<std::string> ids;
  for (const json& item : legacy["identities"]) ids.insert(item["spiffe_id"]);
  EXPECT_EQ(ids, (std::set<std::string>{fleet_.stopped, fleet_.ancient, fleet_.weak}));

  CommandResult table = Run({"identities", "list", "--prefix", fleet_.web, "--at", at_});
  ASSERT_EQ(table.exit_code, 0) << table.err;
  std::vector<std::string> lines = absl::StrSplit(table.out, '\n', absl::SkipEmpty());
  ASSERT_EQ(lines.size(), 2u) << table.out;
  EXPECT_THAT(lines[0], HasSubstr("LAST ISSUED"));
  EXPECT_THAT(lines[1], HasSubstr(fleet_.web));
  EXPECT_THAT(lines[1], HasSubstr("1h ago"));
  EXPECT_THAT(lines[1], HasSubstr("in 23h"));
}

TEST_F(SvidctlFleetTest, StatsCountTheFleet) {
  json j = RunJson({"stats", "--at", at_});
  EXPECT_EQ(j["generated_at"], at_);
  EXPECT_GT(j["valid_certificates"].get<int>(), 10);
  ASSERT_EQ(j["windows"].size(), 2u);
  EXPECT_EQ(j["windows"][0]["window"], "1h");
  EXPECT_EQ(j["windows"][1]["window"], "1d");
  EXPECT_GE(j["windows"][1]["renewals"].get<int>(), 3);
  std::set<std::string> roles;
  for (const json& c : j["ca"]) roles.insert(c["role"]);
  EXPECT_TRUE(roles.count("signer") && roles.count("root")) << j["ca"].dump();

  CommandResult text = Run({"stats"});
  ASSERT_EQ(text.exit_code, 0) << text.err;
  EXPECT_THAT(text.out, HasSubstr("Valid certificates: "));
  EXPECT_THAT(text.out, HasSubstr("RENEWALS"));
  EXPECT_THAT(text.out, HasSubstr(dir_->authority().signer_serial_hex()));
}

TEST_F(SvidctlFleetTest, AuditExitsTwoOnACriticalFindingAndZeroOnceItIsFixed) {
  json j = RunJson({"audit", "--at", at_}, /*want_exit=*/2);
  EXPECT_GE(j["critical"].get<int>(), 1);
  ASSERT_FALSE(j["findings"].empty());
  EXPECT_EQ(j["findings"][0]["severity"], "critical");
  EXPECT_EQ(j["findings"][0]["check"], "weak-key");
  std::set<std::string> checks;
  for (const json& f : j["findings"]) checks.insert(f["check"]);
  EXPECT_TRUE(checks.count("expiring-without-successor"));
  EXPECT_TRUE(checks.count("stopped-renewing"));
  EXPECT_TRUE(checks.count("ledger-integrity"));

  CommandResult table = Run({"audit"});
  EXPECT_EQ(table.exit_code, 2);
  EXPECT_THAT(table.out, HasSubstr("SEVERITY"));
  EXPECT_THAT(table.out, HasSubstr("1 critical, 2 warning"));

  ASSERT_EQ(Run({"certs", "revoke", "--spiffe-id", fleet_.weak, "--reason", "weak key"}).exit_code,
            0);
  CommandResult fixed = Run({"audit", "--at", at_});
  EXPECT_EQ(fixed.exit_code, 0) << fixed.out;
  EXPECT_THAT(fixed.out, HasSubstr("0 critical"));

  // A signing key readable by others is critical.
  ASSERT_EQ(chmod((dir_->ca_dir() / "ca-key.pem").c_str(), 0644), 0);
  CommandResult exposed = Run({"audit", "--at", at_});
  EXPECT_EQ(exposed.exit_code, 2);
  EXPECT_THAT(exposed.out, HasSubstr("key-permissions"));
}

TEST_F(SvidctlFleetTest, BundleInEachForm) {
  const std::string roots = ReadFileToString(dir_->ca_dir() / "root-cert.pem").value();
  CommandResult pem = Run({"bundle"});
  ASSERT_EQ(pem.exit_code, 0) << pem.err;
  EXPECT_EQ(pem.out, roots);

  CommandResult jwks = Run({"bundle", "--format", "jwks"});
  ASSERT_EQ(jwks.exit_code, 0) << jwks.err;
  auto parsed = spiffe::TrustBundle::ParseSpiffeJwks("cluster.local", jwks.out);
  ASSERT_TRUE(parsed.ok()) << parsed.status() << jwks.out;
  ASSERT_EQ(parsed->roots().size(), 1u);
  EXPECT_EQ(crypto::CertificateToPem(parsed->roots()[0].get()).value(), roots);
  EXPECT_GT(parsed->sequence(), 0u);
  EXPECT_TRUE(json::parse(jwks.out).contains("spiffe_sequence"));

  CommandResult map = Run({"bundle", "--format", "configmap", "--namespace", "shop"});
  ASSERT_EQ(map.exit_code, 0) << map.err;
  EXPECT_THAT(map.out, HasSubstr("kind: ConfigMap"));
  EXPECT_THAT(map.out, HasSubstr("name: istio-ca-root-cert"));
  EXPECT_THAT(map.out, HasSubstr("namespace: shop"));
  EXPECT_THAT(map.out, HasSubstr("root-cert.pem: |"));

  CommandResult map_json = Run({"bundle", "--format", "configmap-json"});
  ASSERT_EQ(map_json.exit_code, 0) << map_json.err;
  EXPECT_EQ(json::parse(map_json.out)["data"]["root-cert.pem"], roots);
}

TEST_F(SvidctlFleetTest, AdminIssueWritesAWorkingCredentialAndRecordsIt) {
  const auto out = dir_->path() / "alice";
  const std::string id = "spiffe://cluster.local/admin/bob";
  CommandResult r = Run({"admin", "issue", "--id", id, "--out-dir", out.string(), "--ttl", "8h"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("--admin-id " + id));
  EXPECT_THAT(r.out, Not(HasSubstr("PRIVATE KEY")));

  struct stat st {};
  ASSERT_EQ(stat((out / "key.pem").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  ASSERT_EQ(stat(out.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0077, 0u);

  auto chain =
      crypto::ParseCertificatesPem(ReadFileToString(out / "cert-chain.pem").value()).value();
  ASSERT_GE(chain.size(), 2u);
  std::vector<std::string> intermediates;
  for (size_t i = 1; i < chain.size(); ++i)
    intermediates.push_back(crypto::CertificateToPem(chain[i].get()).value());
  const std::string leaf = crypto::CertificateToPem(chain[0].get()).value();
  const std::string roots = ReadFileToString(out / "root-cert.pem").value();
  EXPECT_TRUE(OpensslVerifyStrict(leaf, intermediates, roots, "sslclient").ok());
  EXPECT_TRUE(CerttoolVerify(leaf, intermediates, roots).ok());

  json listed = RunJson({"certs", "list", "--spiffe-id", id});
  ASSERT_EQ(listed.size(), 1u);
  const json& record = listed[0];
  EXPECT_EQ(record["auth_method"], "svidctl");
  EXPECT_EQ(record["serial"], crypto::SerialHex(chain[0].get()));
  const auto lifetime = ParseRfc3339(record["not_after"].get<std::string>()).value() -
                        ParseRfc3339(record["not_before"].get<std::string>()).value();
  EXPECT_LE(lifetime, std::chrono::hours(9));

  for (const auto& [bad, message] : std::vector<std::pair<std::string, std::string>>{
           {"spiffe://other.domain/admin/eve", "not in the CA's trust domain"},
           {"not-a-spiffe-id", "admin ID not-a-spiffe-id"}}) {
    CommandResult refused =
        Run({"admin", "issue", "--id", bad, "--out-dir", (dir_->path() / "x").string()});
    EXPECT_EQ(refused.exit_code, 1);
    EXPECT_THAT(refused.err, HasSubstr(message));
  }
}

TEST_F(SvidctlFleetTest, ServerOnlyCommandsAndRemoteFlagsSayWhatIsMissing) {
  for (const char* command : {"status", "rotate-root", "rotate-intermediate"}) {
    CommandResult r = Run({"ca", command});
    EXPECT_EQ(r.exit_code, 1);
    EXPECT_THAT(r.err, HasSubstr("give --server HOST:PORT"));
  }
  CommandResult no_cert = Run({"--server", "127.0.0.1:1", "certs", "list"});
  EXPECT_EQ(no_cert.exit_code, 1);
  EXPECT_THAT(no_cert.err, HasSubstr("--server needs --cert (or SVIDCTL_CERT)"));
}

TEST_F(SvidctlFleetTest, HelpShowsEveryCommand) {
  CommandResult top = RunSvidctl({"--help"});
  ASSERT_EQ(top.exit_code, 0);
  for (const char* command :
       {"certs", "identities", "stats", "audit", "bundle", "ca", "admin", "ledger", "--server",
        "--cert", "--key", "--root-cert", "--data-dir"}) {
    EXPECT_THAT(top.out, HasSubstr(command));
  }
  const std::vector<std::pair<std::string, std::vector<std::string>>> groups = {
      {"certs", {"list", "show", "revoke"}},
      {"identities", {"list"}},
      {"ca",
       {"issue-intermediate", "csr", "import", "status", "rotate-root", "rotate-intermediate",
        "reissue"}},
      {"admin", {"issue"}},
      {"ledger", {"verify"}}};
  // Each as an entry of the subcommand list ("  NAME   description"), not merely a word
  // that some other command's description happens to use.
  for (const auto& [group, commands] : groups) {
    CommandResult help = RunSvidctl({group, "--help"});
    ASSERT_EQ(help.exit_code, 0) << group;
    for (const std::string& command : commands) {
      EXPECT_THAT(help.out, HasSubstr("\n  " + command + " ")) << group;
    }
  }
}

}  // namespace
}  // namespace svidd::testing
