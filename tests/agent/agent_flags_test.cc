#include "svidd/agent/agent_flags.h"

#include <gtest/gtest.h>

namespace svidd::agent {
namespace {

struct Parsed {
  absl::Status status;
  AgentOptions options;
};

Parsed Parse(std::vector<std::string> args) {
  CLI::App app;
  Parsed parsed;
  AgentFlags flags(app, parsed.options);
  args.insert(args.begin(), "svid-agent");
  std::vector<const char*> argv;
  for (const auto& a : args) argv.push_back(a.c_str());
  try {
    app.parse(static_cast<int>(argv.size()), argv.data());
  } catch (const CLI::ParseError& e) {
    parsed.status = absl::InvalidArgumentError(e.what());
    return parsed;
  }
  parsed.status = flags.Finish();
  return parsed;
}

const std::vector<std::string> kBase = {
    "--server",     "127.0.0.1:15012", "--root-cert", "root.pem",
    "--token-file", "token",           "--out-dir",   "out"};

std::vector<std::string> With(std::vector<std::string> extra) {
  std::vector<std::string> args = kBase;
  args.insert(args.end(), extra.begin(), extra.end());
  return args;
}

TEST(AgentFlagsTest, EveryFlagOfTheIssue) {
  Parsed p = Parse(With({"--server-name",
                         "svidd.svc",
                         "--spiffe-id",
                         "spiffe://td/ns/a/sa/b",
                         "--trust-domain",
                         "td",
                         "--ttl",
                         "20s",
                         "--key-type",
                         "rsa-2048",
                         "--workload-api-socket",
                         "/tmp/s.sock",
                         "--workload-api-socket-mode",
                         "0660",
                         "--workload-uid",
                         "1000",
                         "--workload-uid",
                         "nobody",
                         "--workload-gid",
                         "2000",
                         "--on-rotate",
                         "kill -HUP 1"}));
  ASSERT_TRUE(p.status.ok()) << p.status;
  EXPECT_EQ(p.options.server, "127.0.0.1:15012");
  EXPECT_EQ(p.options.server_name, "svidd.svc");
  EXPECT_EQ(p.options.root_cert_file, "root.pem");
  EXPECT_EQ(p.options.token_file, "token");
  EXPECT_EQ(p.options.spiffe_id, "spiffe://td/ns/a/sa/b");
  EXPECT_EQ(p.options.trust_domain, "td");
  EXPECT_EQ(p.options.out_dir, "out");
  EXPECT_EQ(p.options.ttl, std::chrono::seconds(20));
  EXPECT_EQ(p.options.key_type, crypto::KeyType::kRsa2048);
  EXPECT_EQ(p.options.workload_api_socket, "/tmp/s.sock");
  EXPECT_EQ(p.options.workload_api_socket_mode, 0660u);
  EXPECT_EQ(p.options.workload_uids, (std::vector<uint32_t>{1000, 65534}));
  EXPECT_EQ(p.options.workload_gids, (std::vector<uint32_t>{2000}));
  EXPECT_EQ(p.options.on_rotate, "kill -HUP 1");
}

TEST(AgentFlagsTest, Defaults) {
  Parsed p = Parse(kBase);
  ASSERT_TRUE(p.status.ok()) << p.status;
  EXPECT_EQ(p.options.trust_domain, "cluster.local");
  EXPECT_EQ(p.options.ttl, std::chrono::hours(24));
  EXPECT_EQ(p.options.key_type, crypto::KeyType::kEcP256);
  // Only the agent's own user may fetch the key unless the operator says otherwise.
  EXPECT_EQ(p.options.workload_api_socket_mode, 0600u);
  EXPECT_TRUE(p.options.workload_uids.empty());
  EXPECT_TRUE(p.options.workload_gids.empty());
}

TEST(AgentFlagsTest, RefusalsNameTheFlag) {
  struct Case {
    const char* name;
    std::vector<std::string> args;
    const char* want;
  };
  const std::vector<Case> cases = {
      {"no server", {"--root-cert", "r", "--token-file", "t", "--out-dir", "o"}, "--server"},
      {"no output", {"--server", "s:1", "--root-cert", "r", "--token-file", "t"}, "nothing to"},
      {"no token", {"--server", "s:1", "--root-cert", "r", "--out-dir", "o"}, "--token-file"},
      {"bad ttl", With({"--ttl", "soon"}), "--ttl"},
      {"negative ttl", With({"--ttl", "-1s"}), "--ttl"},
      {"server key type", With({"--key-type", "rsa-4096"}), "--key-type"},
      {"unknown key type", With({"--key-type", "dsa"}), "--key-type"},
      {"decimal mode", With({"--workload-api-socket-mode", "666x"}), "socket-mode"},
      {"mode too wide", With({"--workload-api-socket-mode", "1777"}), "socket-mode"},
      {"wide mode without an allow-list", With({"--workload-api-socket-mode", "0666"}),
       "--workload-uid"},
      {"unknown user", With({"--workload-uid", "no-such-user-here"}), "--workload-uid"},
      {"unknown group", With({"--workload-gid", "no-such-group-here"}), "--workload-gid"},
      {"bad trust domain", With({"--trust-domain", "Bad.Domain"}), "--trust-domain"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    Parsed p = Parse(c.args);
    EXPECT_FALSE(p.status.ok());
    EXPECT_NE(std::string(p.status.message()).find(c.want), std::string::npos) << p.status;
  }
}

}  // namespace
}  // namespace svidd::agent
