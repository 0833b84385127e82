#include "svidd/server/server_flags.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <fstream>

namespace svidd::server {
namespace {

struct Parsed {
  absl::Status status;
  ServerOptions options;
};

Parsed Parse(std::vector<std::string> args) {
  CLI::App app;
  Parsed parsed;
  ServerFlags flags(app, parsed.options);
  args.insert(args.begin(), "svidd");
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  try {
    app.parse(static_cast<int>(argv.size()), argv.data());
  } catch (const CLI::ParseError& e) {
    parsed.status = absl::InvalidArgumentError(e.what());
    return parsed;
  }
  parsed.status = flags.Finish();
  return parsed;
}

TEST(ServerFlagsTest, DefaultsMatchTheDocumentedOnes) {
  Parsed p = Parse({});
  ASSERT_TRUE(p.status.ok()) << p.status;
  EXPECT_EQ(p.options.listen, "127.0.0.1:15012");
  EXPECT_EQ(p.options.data_dir, "./var/svidd");
  EXPECT_EQ(p.options.trust_domain, "cluster.local");
  EXPECT_EQ(p.options.jwt_audience, "istio-ca");
  EXPECT_EQ(p.options.server_names, std::vector<std::string>{"localhost"});
  EXPECT_EQ(p.options.default_ttl, std::chrono::hours(24));
  EXPECT_EQ(p.options.max_ttl, std::chrono::hours(24));
  EXPECT_EQ(p.options.ca_key_type, crypto::KeyType::kEcP256);
  EXPECT_EQ(p.options.crl_listen, "") << "no HTTP CRL endpoint unless asked";
  EXPECT_EQ(p.options.crl_url, "");
  EXPECT_TRUE(p.options.admin_ids.empty());
  EXPECT_EQ(p.options.metrics_listen, "") << "no metrics endpoint unless asked";
  EXPECT_EQ(p.options.leader_lease_ttl, std::chrono::seconds(15));
  EXPECT_EQ(p.options.renewal_overdue_fraction, 0.25);
  EXPECT_EQ(p.options.ledger_check_at_start, ServerOptions::LedgerCheckAtStart::kIncremental);
}

// How much of the ledger svidd checks before serving: the two modes, and nothing else.
TEST(ServerFlagsTest, LedgerCheckAtStartTakesIncrementalOrFull) {
  Parsed full = Parse({"--ledger-check-at-start", "full"});
  ASSERT_TRUE(full.status.ok()) << full.status;
  EXPECT_EQ(full.options.ledger_check_at_start, ServerOptions::LedgerCheckAtStart::kFull);
  Parsed incremental = Parse({"--ledger-check-at-start=incremental"});
  ASSERT_TRUE(incremental.status.ok()) << incremental.status;
  EXPECT_EQ(incremental.options.ledger_check_at_start,
            ServerOptions::LedgerCheckAtStart::kIncremental);
  Parsed other = Parse({"--ledger-check-at-start", "none"});
  EXPECT_FALSE(other.status.ok());
  EXPECT_NE(other.status.message().find("--ledger-check-at-start"), std::string::npos)
      << other.status;
}

// The lease the replicas sharing a ledger elect their checkpoint signer with, and the share of
// life below which a certificate without a successor is an overdue renewal.
TEST(ServerFlagsTest, LeaderLeaseTtlAndRenewalOverdueFraction) {
  Parsed p = Parse({"--leader-lease-ttl", "30s", "--renewal-overdue-fraction", "0.1"});
  ASSERT_TRUE(p.status.ok()) << p.status;
  EXPECT_EQ(p.options.leader_lease_ttl, std::chrono::seconds(30));
  EXPECT_EQ(p.options.renewal_overdue_fraction, 0.1);
}

TEST(ServerFlagsTest, MetricsListenFromFlagAndYaml) {
  Parsed flag = Parse({"--metrics-listen", "0.0.0.0:9090"});
  ASSERT_TRUE(flag.status.ok()) << flag.status;
  EXPECT_EQ(flag.options.metrics_listen, "0.0.0.0:9090");

  std::string path =
      ::testing::TempDir() + "/svidd-metrics-" + std::to_string(::getpid()) + ".yaml";
  std::ofstream(path) << "metrics-listen: 127.0.0.1:9102\n";
  Parsed yaml = Parse({"--config", path});
  ASSERT_TRUE(yaml.status.ok()) << yaml.status;
  EXPECT_EQ(yaml.options.metrics_listen, "127.0.0.1:9102");
  Parsed both = Parse({"--config", path, "--metrics-listen", "127.0.0.1:9103"});
  ASSERT_TRUE(both.status.ok()) << both.status;
  EXPECT_EQ(both.options.metrics_listen, "127.0.0.1:9103") << "the flag wins over the file";
  std::remove(path.c_str());
}

TEST(ServerFlagsTest, CrlSettingsFromFlagsAndYaml) {
  Parsed flags = Parse({"--crl-listen", "0.0.0.0:8080", "--crl-url", "http://svidd.mesh:8080"});
  ASSERT_TRUE(flags.status.ok()) << flags.status;
  EXPECT_EQ(flags.options.crl_listen, "0.0.0.0:8080");
  EXPECT_EQ(flags.options.crl_url, "http://svidd.mesh:8080");

  std::string path = ::testing::TempDir() + "/svidd-crl-" + std::to_string(::getpid()) + ".yaml";
  std::ofstream(path) << "crl-listen: 127.0.0.1:0\n"
                         "crl-url: https://pki.example.org/mesh\n";
  Parsed yaml = Parse({"--config", path});
  ASSERT_TRUE(yaml.status.ok()) << yaml.status;
  EXPECT_EQ(yaml.options.crl_listen, "127.0.0.1:0");
  EXPECT_EQ(yaml.options.crl_url, "https://pki.example.org/mesh");
  std::remove(path.c_str());
}

TEST(ServerFlagsTest, AdminIdRepeats) {
  Parsed p = Parse({"--admin-id", "spiffe://cluster.local/admin/alice", "--admin-id",
                    "spiffe://cluster.local/ns/ops/sa/robot"});
  ASSERT_TRUE(p.status.ok()) << p.status;
  EXPECT_EQ(p.options.admin_ids,
            (std::vector<std::string>{"spiffe://cluster.local/admin/alice",
                                      "spiffe://cluster.local/ns/ops/sa/robot"}));
}

TEST(ServerFlagsTest, YamlConfigAppliesAndFlagsWin) {
  std::string path = ::testing::TempDir() + "/svidd-config-" + std::to_string(::getpid()) + ".yaml";
  std::ofstream(path)
      << "listen: 127.0.0.1:9999\n"
         "trust-domain: example.org\n"
         "server-name: [a.example.org, b.example.org]\n"
         "max-ttl: 12h\n"
         "default-ttl: 1h\n"
         "admin-id: [spiffe://example.org/admin/alice, spiffe://example.org/admin/bob]\n";
  Parsed p = Parse({"--config", path, "--listen", "127.0.0.1:7777"});
  ASSERT_TRUE(p.status.ok()) << p.status;
  EXPECT_EQ(p.options.listen, "127.0.0.1:7777");
  EXPECT_EQ(p.options.trust_domain, "example.org");
  EXPECT_EQ(p.options.server_names, (std::vector<std::string>{"a.example.org", "b.example.org"}));
  EXPECT_EQ(p.options.max_ttl, std::chrono::hours(12));
  EXPECT_EQ(p.options.default_ttl, std::chrono::hours(1));
  EXPECT_EQ(p.options.admin_ids, (std::vector<std::string>{"spiffe://example.org/admin/alice",
                                                           "spiffe://example.org/admin/bob"}));
  std::remove(path.c_str());
}

// A default above the maximum is clamped like any request, not a reason to refuse to start
// (the README's quick start sets --max-ttl 30s and leaves --default-ttl at 1d).
TEST(ServerFlagsTest, DefaultTtlAboveMaxTtlIsClampedToIt) {
  Parsed p = Parse({"--max-ttl", "30s", "--ca-ttl", "10m"});
  ASSERT_TRUE(p.status.ok()) << p.status;
  EXPECT_EQ(p.options.default_ttl, std::chrono::hours(24));
  EXPECT_EQ(p.options.EffectiveDefaultTtl(), std::chrono::seconds(30));
}

TEST(ServerFlagsTest, JwksUrlLoggingAndMetricsFromTheYamlConfig) {
  std::string path = ::testing::TempDir() + "/svidd-jwks-" + std::to_string(::getpid()) + ".yaml";
  std::ofstream(path) << "jwks-url: https://kubernetes.default.svc/openid/v1/jwks\n"
                         "jwks-ca-file: /var/run/secrets/kubernetes.io/serviceaccount/ca.crt\n"
                         "jwks-token-file: /var/run/secrets/kubernetes.io/serviceaccount/token\n"
                         "jwks-refresh: 1m\n"
                         "jwt-issuer: https://kubernetes.default.svc.cluster.local\n"
                         "metrics-listen: 0.0.0.0\n"
                         "log-format: json\n"
                         "log-level: warn\n";
  Parsed p = Parse({"--config", path});
  ASSERT_TRUE(p.status.ok()) << p.status;
  EXPECT_EQ(p.options.jwks_url, "https://kubernetes.default.svc/openid/v1/jwks");
  EXPECT_EQ(p.options.jwks_ca_file, "/var/run/secrets/kubernetes.io/serviceaccount/ca.crt");
  EXPECT_EQ(p.options.jwks_token_file, "/var/run/secrets/kubernetes.io/serviceaccount/token");
  EXPECT_EQ(p.options.jwks_refresh, std::chrono::minutes(1));
  EXPECT_EQ(p.options.metrics_listen, "0.0.0.0:15014");
  EXPECT_EQ(p.options.log_format, "json");
  EXPECT_EQ(p.options.log_level, "warn");
}

// Found by the yaml_config fuzzer: valid YAML that is not a flat map of scalars or lists of
// scalars made yaml-cpp throw its own exception past CLI11's error handling, so svidd died
// on std::terminate instead of naming the problem.
TEST(ServerFlagsTest, YamlConfigThatIsNotFlagsIsAParseError) {
  struct Case {
    const char* yaml;
    const char* fragment;
  } cases[] = {
      {"[listen]: 127.0.0.1:1\n", "config key must be a plain name"},
      {"{a: b}: c\n", "config key must be a plain name"},
      {"admin-id: [[spiffe://cluster.local/ns/a/sa/b]]\n", "'admin-id' must be a scalar"},
      {"admin-id: [{a: b}]\n", "'admin-id' must be a scalar"},
      {"listen: {host: a}\n", "'listen' must be a scalar or a list"},
      {"listen: [unterminated\n", "not valid YAML"},
  };
  std::string path = ::testing::TempDir() + "/svidd-bad-" + std::to_string(::getpid()) + ".yaml";
  for (const Case& c : cases) {
    SCOPED_TRACE(c.yaml);
    std::ofstream(path) << c.yaml;
    Parsed p = Parse({"--config", path});
    ASSERT_FALSE(p.status.ok());
    EXPECT_NE(p.status.message().find(c.fragment), absl::string_view::npos) << p.status;
  }
  std::remove(path.c_str());
}

TEST(ServerFlagsTest, BadSettingsAreNamed) {
  struct Case {
    std::vector<std::string> args;
    const char* fragment;
  } cases[] = {
      {{"--default-ttl", "0"}, "--default-ttl must be positive"},
      {{"--max-ttl", "0"}, "--max-ttl must be positive"},
      {{"--max-ttl", "forever"}, "--max-ttl"},
      {{"--ca-key-type", "dsa"}, "--ca-key-type"},
      {{"--trust-domain", "Bad_Domain!"}, "--trust-domain"},
      {{"--listen", "nonsense"}, "HOST:PORT"},
      {{"--jwks-file", "/tmp/jwks.json"}, "--jwt-issuer"},
      {{"--crl-listen", "8080"}, "--crl-listen must be HOST:PORT"},
      {{"--metrics-listen", "9090"}, "--metrics-listen must be HOST:PORT, got \"9090\""},
      {{"--crl-url", "svidd:8080"}, "--crl-url: CRL URL \"svidd:8080\" must start with http"},
      {{"--crl-url", "http://svidd:8080/"}, "must not end in '/'"},
      {{"--admin-id", "alice"}, "--admin-id alice"},
      {{"--admin-id", "spiffe://other.org/admin/alice"}, "in trust domain cluster.local"},
      {{"--admin-id", "spiffe://cluster.local"}, "with a path"},
      {{"--log-format", "xml"}, "--log-format must be text or json"},
      {{"--log-level", "loud"}, "--log-level must be trace"},
      {{"--jwks-url", "https://kubernetes.default.svc/openid/v1/jwks"},
       "--jwks-url needs --jwt-issuer"},
      {{"--jwks-url", "http://api/jwks", "--jwt-issuer", "x"},
       "--jwks-url must be an https:// URL"},
      {{"--jwks-url", "https://api/jwks", "--jwt-issuer", "x", "--jwks-file", "/j"},
       "--jwks-file and --jwks-url exclude each other"},
      {{"--jwks-ca-file", "/ca.crt"}, "need --jwks-url"},
      {{"--jwks-url", "https://api/jwks", "--jwt-issuer", "x", "--jwks-refresh", "1s"},
       "--jwks-refresh must be at least 10s"},
      {{"--leader-lease-ttl", "2s"}, "--leader-lease-ttl must be at least 3s"},
      {{"--leader-lease-ttl", "soon"}, "--leader-lease-ttl"},
      {{"--renewal-overdue-fraction", "0"}, "--renewal-overdue-fraction must be above 0"},
      {{"--renewal-overdue-fraction", "0.5"}, "and below 0.5"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.fragment);
    Parsed p = Parse(c.args);
    ASSERT_FALSE(p.status.ok());
    EXPECT_NE(p.status.message().find(c.fragment), absl::string_view::npos) << p.status;
  }
}

TEST(ServerFlagsTest, MetricsListenNamingOnlyAHostGetsIstiosMonitoringPort) {
  struct Case {
    const char* given;
    const char* effective;
  } cases[] = {
      {"0.0.0.0", "0.0.0.0:15014"},
      {"[::]", "[::]:15014"},
      {"127.0.0.1:9090", "127.0.0.1:9090"},
      {"[::1]:0", "[::1]:0"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.given);
    Parsed p = Parse({"--metrics-listen", c.given});
    ASSERT_TRUE(p.status.ok()) << p.status;
    EXPECT_EQ(p.options.metrics_listen, c.effective);
  }
}

TEST(ServerFlagsTest, JwksUrlAndLoggingFromFlags) {
  Parsed p =
      Parse({"--jwks-url", "https://kubernetes.default.svc/openid/v1/jwks", "--jwt-issuer",
             "https://kubernetes.default.svc", "--jwks-ca-file", "/run/ca.crt", "--jwks-token-file",
             "/run/token", "--jwks-refresh", "2m", "--log-format", "json", "--log-level", "debug"});
  ASSERT_TRUE(p.status.ok()) << p.status;
  EXPECT_EQ(p.options.jwks_url, "https://kubernetes.default.svc/openid/v1/jwks");
  EXPECT_EQ(p.options.jwks_ca_file, "/run/ca.crt");
  EXPECT_EQ(p.options.jwks_token_file, "/run/token");
  EXPECT_EQ(p.options.jwks_refresh, std::chrono::minutes(2));
  EXPECT_EQ(p.options.log_format, "json");
  EXPECT_EQ(p.options.log_level, "debug");
}

}  // namespace
}  // namespace svidd::server
