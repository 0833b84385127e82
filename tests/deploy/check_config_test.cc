// `svidd --check-config`, as the real process: it prints the effective configuration (flags
// over --config over defaults) as YAML that is itself a valid --config, exits 0 without
// serving, refuses a bad configuration with a message naming what is wrong, and never prints
// a secret.
#include <gtest/gtest.h>

#include "deploy/deploy_files.h"
#include "server/yaml_config.h"
#include "support/ledger/temp_dir.h"
#include "yaml-cpp/yaml.h"

namespace svidd::testing {
namespace {

std::map<std::string, std::string> ScalarsOf(const std::string& yaml) {
  std::map<std::string, std::string> values;
  YAML::Node root = YAML::Load(yaml);
  for (const auto& entry : root) {
    if (entry.second.IsScalar())
      values[entry.first.as<std::string>()] = entry.second.as<std::string>();
  }
  return values;
}

TEST(CheckConfigTest, PrintsTheEffectiveConfigurationAndExitsWithoutServing) {
  TempDir dir;
  const auto data_dir = dir.path() / "never-created";
  CommandResult r = CheckConfig({"--data-dir", data_dir.string(), "--listen", "127.0.0.1:0",
                                 "--default-ttl", "1h", "--max-ttl", "12h"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto values = ScalarsOf(r.out);
  EXPECT_EQ(values["data-dir"], data_dir.string());
  EXPECT_EQ(values["max-ttl"], "12h");
  EXPECT_EQ(values["default-ttl"], "1h");
  EXPECT_EQ(values["trust-domain"], "cluster.local");  // a default is shown too
  EXPECT_EQ(values["leader-lease-ttl"], "15s");
  EXPECT_EQ(values["renewal-overdue-fraction"], "0.25");
  EXPECT_EQ(values.count("check-config"), 0u);
  // Nothing was started: no data directory, no CA, no ledger.
  EXPECT_FALSE(std::filesystem::exists(data_dir));
}

TEST(CheckConfigTest, FlagsWinOverTheConfigFileAndTheOutputIsAConfigFile) {
  TempDir dir;
  WriteTestFile(dir.File("svidd.yaml"),
                "trust-domain: example.org\nmax-ttl: 6h\ndefault-ttl: 1h\n"
                "server-name: [ca.example.org, ca2.example.org]\n");
  CommandResult r = CheckConfig({"--config", dir.File("svidd.yaml").string(), "--max-ttl", "3h"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto values = ScalarsOf(r.out);
  EXPECT_EQ(values["trust-domain"], "example.org");
  EXPECT_EQ(values["max-ttl"], "3h");
  YAML::Node printed = YAML::Load(r.out);
  ASSERT_TRUE(printed["server-name"].IsSequence()) << r.out;
  EXPECT_EQ(printed["server-name"][1].as<std::string>(), "ca2.example.org");

  // What it printed, read back as --config, gives the same configuration.
  WriteTestFile(dir.File("effective.yaml"), r.out);
  CommandResult again = CheckConfig({"--config", dir.File("effective.yaml").string()});
  ASSERT_EQ(again.exit_code, 0) << again.err;
  EXPECT_EQ(again.out, r.out);
}

TEST(CheckConfigTest, RefusesABadConfigurationNamingWhatIsWrong) {
  TempDir dir;
  WriteTestFile(dir.File("misspelt.yaml"), "max-tll: 1h\n");
  WriteTestFile(dir.File("list.yaml"), "- max-ttl\n- 1h\n");
  WriteTestFile(dir.File("broken.yaml"), "max-ttl: [1h\n");
  struct Case {
    const char* name;
    std::vector<std::string> args;
    const char* message;  // in stderr
  } cases[] = {
      {"misspelt key in the file", {"--config", dir.File("misspelt.yaml").string()}, "max-tll"},
      {"file not a mapping", {"--config", dir.File("list.yaml").string()}, "mapping"},
      {"file not YAML", {"--config", dir.File("broken.yaml").string()}, "YAML"},
      {"missing file", {"--config", dir.File("absent.yaml").string()}, "absent.yaml"},
      {"unknown flag", {"--no-such-flag"}, "--no-such-flag"},
      {"bad duration", {"--max-ttl", "5x"}, "--max-ttl"},
      {"bad trust domain", {"--trust-domain", "Not A Domain"}, "--trust-domain"},
      {"listen without port", {"--listen", "localhost"}, "--listen"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    CommandResult r = CheckConfig(c.args);
    EXPECT_NE(r.exit_code, 0);
    EXPECT_NE(r.err.find(c.message), std::string::npos) << r.err;
    EXPECT_EQ(r.out.find("effective configuration"), std::string::npos) << r.out;
  }
}

TEST(CheckConfigTest, SecretsAreRedacted) {
  struct Case {
    const char* option;
    const char* value;
    const char* printed;
  } cases[] = {
      {"ledger", "postgresql://svidd:hunter2@db.example:5432/svidd?sslmode=verify-full",
       "postgresql://svidd:***@db.example:5432/svidd?sslmode=verify-full"},
      {"ledger", "postgresql://svidd:p@ss@db/svidd", "postgresql://svidd:***@db/svidd"},
      {"ledger", "postgresql://svidd:pa/ss@db/svidd", "postgresql://svidd:***@db/svidd"},
      {"ledger", "host=db password=hunter2 dbname=svidd", "host=db password=*** dbname=svidd"},
      {"jwks-url", "https://svidd:pa/ss@host/x", "https://svidd:***@host/x"},
      {"jwks-url", "https://kubernetes.default.svc/openid/v1/jwks",
       "https://kubernetes.default.svc/openid/v1/jwks"},
      {"jwks-url", "https://user@host/x", "https://user@host/x"},
      {"crl-url", "http://host/a@b:c", "http://host/a@b:c"},
      {"bootstrap-token", "s3cr3t", "REDACTED"},
      {"db-password", "s3cr3t", "REDACTED"},
      {"jwks-token-file", "/var/run/token", "/var/run/token"},
      {"data-dir", "/var/lib/svidd", "/var/lib/svidd"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(std::string(c.option) + "=" + c.value);
    EXPECT_EQ(server::RedactConfigValue(c.option, c.value), c.printed);
  }
  // The real process: a password in --jwks-url never reaches stdout.
  CommandResult r =
      CheckConfig({"--jwks-url", "https://svidd:hunter2@issuer.example/openid/v1/jwks",
                   "--jwt-issuer", "https://issuer.example"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out.find("hunter2"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("https://svidd:***@issuer.example/openid/v1/jwks"), std::string::npos)
      << r.out;
}

}  // namespace
}  // namespace svidd::testing
