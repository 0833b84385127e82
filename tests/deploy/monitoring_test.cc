// deploy/monitoring: promtool accepts the scrape configuration and the alert rules, the rules'
// own unit tests pass, the PrometheusRule carries the same rules, and every metric the rules
// and the Grafana dashboard name is in a live scrape of a real svidd after some traffic.
#include <gtest/gtest.h>

#include "deploy/deploy_files.h"
#include "deploy/live_svidd.h"
#include "deploy/promql_names.h"
#include "nlohmann/json.hpp"
#include "support/ledger/temp_dir.h"
#include "support/metrics/prometheus_text.h"
#include "yaml-cpp/yaml.h"

namespace svidd::testing {
namespace {

// Series Prometheus makes itself for every target.
const std::set<std::string> kScrapeSeries = {"up", "scrape_duration_seconds",
                                             "scrape_samples_scraped"};

CommandResult Promtool(std::vector<std::string> args) {
  // setup-deps installs Debian's `prometheus` for promtool: missing means a broken machine.
  EXPECT_FALSE(FindTool("promtool").empty()) << "promtool missing: run tools/setup-deps.sh";
  args.insert(args.begin(), "promtool");
  return RunTool(args);
}

TEST(MonitoringTest, PromtoolAcceptsTheRulesAndTheScrapeConfig) {
  CommandResult rules =
      Promtool({"check", "rules", SourcePath("deploy/monitoring/svidd-alerts.yaml")});
  EXPECT_EQ(rules.exit_code, 0) << rules.out << rules.err;
  CommandResult config =
      Promtool({"check", "config", SourcePath("deploy/monitoring/prometheus.yml")});
  EXPECT_EQ(config.exit_code, 0) << config.out << config.err;
}

TEST(MonitoringTest, EveryAlertFiresInTheRulesOwnTests) {
  CommandResult r =
      Promtool({"test", "rules", SourcePath("deploy/monitoring/svidd-alerts-test.yaml")});
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  // Every alert is exercised by at least one test case.
  YAML::Node rules = YAML::LoadFile(SourcePath("deploy/monitoring/svidd-alerts.yaml"));
  const std::string tests = ReadSource("deploy/monitoring/svidd-alerts-test.yaml");
  for (const auto& group : rules["groups"]) {
    for (const auto& rule : group["rules"]) {
      const std::string alert = rule["alert"].as<std::string>("");
      if (alert.empty()) continue;
      EXPECT_NE(tests.find("alertname: " + alert + "\n"), std::string::npos)
          << alert << " has no test";
    }
  }
}

TEST(MonitoringTest, PrometheusRuleCarriesTheAlertsFile) {
  YAML::Node file = YAML::LoadFile(SourcePath("deploy/monitoring/svidd-alerts.yaml"));
  YAML::Node crd = YAML::LoadFile(SourcePath("deploy/monitoring/kubernetes/prometheusrule.yaml"));
  EXPECT_EQ(YAML::Dump(crd["spec"]["groups"]), YAML::Dump(file["groups"]))
      << "regenerate kubernetes/prometheusrule.yaml from svidd-alerts.yaml";
}

TEST(MonitoringTest, MetricNamesAreFoundInExpressions) {
  struct Case {
    const char* expr;
    std::set<std::string> names;
  } cases[] = {
      {"sum by (api) (rate(a_total{job=\"x\",kind=~\"w|y\"}[5m]))", {"a_total"}},
      {"histogram_quantile(0.99, sum by (le) (rate(h_bucket[$__rate_interval])))", {"h_bucket"}},
      {"up{job=\"svidd\"} == 0 or absent(up{job=\"svidd\"})", {"up"}},
      {"(g{role=\"root\"} - time()) < 30 * 86400", {"g"}},
      {"sum(increase(a[30m])) > 0 and sum(increase(b{api=\"rotation\"}[30m])) == 0", {"a", "b"}},
      {"x / on (instance) group_left (version) y offset 5m", {"x", "y"}},
      {"sum(rate(c[5m])) by (reason) > bool 1e3", {"c"}},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.expr);
    EXPECT_EQ(PromqlMetricNames(c.expr), c.names);
  }
}

void CollectExprs(const nlohmann::json& j, std::vector<std::string>& out) {
  if (j.is_object()) {
    for (const auto& [key, value] : j.items()) {
      if (key == "expr" && value.is_string()) {
        out.push_back(value.get<std::string>());
      } else {
        CollectExprs(value, out);
      }
    }
  } else if (j.is_array()) {
    for (const auto& v : j) CollectExprs(v, out);
  }
}

// name -> where it is used
std::map<std::string, std::string> NamedMetrics() {
  std::map<std::string, std::string> names;
  YAML::Node rules = YAML::LoadFile(SourcePath("deploy/monitoring/svidd-alerts.yaml"));
  for (const auto& group : rules["groups"]) {
    for (const auto& rule : group["rules"]) {
      for (const std::string& n : PromqlMetricNames(rule["expr"].as<std::string>())) {
        names[n] = "alert " + rule["alert"].as<std::string>("");
      }
    }
  }
  std::vector<std::string> exprs;
  CollectExprs(nlohmann::json::parse(ReadSource("deploy/monitoring/grafana-dashboard.json")),
               exprs);
  EXPECT_GE(exprs.size(), 10u);
  for (const std::string& e : exprs) {
    for (const std::string& n : PromqlMetricNames(e)) names.emplace(n, "dashboard: " + e);
  }
  return names;
}

TEST(MonitoringTest, EveryMetricTheRulesAndTheDashboardNameIsExported) {
  const auto named = NamedMetrics();
  // The extraction found the metrics it must (a broken extractor would check nothing).
  ASSERT_TRUE(named.count("svidd_issuance_duration_seconds_bucket"));
  ASSERT_TRUE(named.count("svidd_ca_certificate_expiry_timestamp_seconds"));

  LiveSvidd svidd;
  ASSERT_NE(svidd.port(), 0) << svidd.log();
  // Traffic: an issuance, a bad token, an identity the token does not vouch for, a bad CSR.
  const std::string token = svidd.Token("foo", "bar");
  EXPECT_TRUE(svidd.Request("spiffe://cluster.local/ns/foo/sa/bar", token).ok());
  EXPECT_EQ(svidd.Request("spiffe://cluster.local/ns/foo/sa/bar", "not-a-token").error_code(),
            grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_EQ(svidd.Request("spiffe://cluster.local/ns/foo/sa/other", token).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(svidd.RequestWithCsr("-----BEGIN CERTIFICATE REQUEST-----\n", token).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);

  const std::string body = svidd.Scrape();
  ASSERT_FALSE(body.empty()) << svidd.log();
  auto scraped = PrometheusText::Parse(body);
  ASSERT_TRUE(scraped.ok()) << scraped.status();
  for (const auto& [name, where] : named) {
    if (kScrapeSeries.count(name)) continue;
    EXPECT_FALSE(scraped->LabelSets(name).empty())
        << name << " (" << where << ") is not in svidd's /metrics";
  }
}

}  // namespace
}  // namespace svidd::testing
