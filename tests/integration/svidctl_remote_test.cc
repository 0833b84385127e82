// svidctl against a real svidd's admin API: an admin credential bootstrapped with
// `svidctl admin issue` works, every read command prints exactly what the local look at the
// same data directory prints, writes (revocation, CA operations) reach the server, and a
// caller that is not an admin is refused with the server's reason.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "absl/strings/str_join.h"
#include "integration/child_process.h"
#include "integration/test_env.h"
#include "nlohmann/json.hpp"
#include "support/fleet/test_fleet.h"
#include "support/pki/csr_builder.h"
#include "support/pki/external_verify.h"
#include "svidd/common/atomic_file.h"
#include "svidd/common/time_format.h"
#include "svidd/crypto/pem.h"
#include "svidd/crypto/x509_fields.h"

namespace svidd::testing {
namespace {

using ::testing::HasSubstr;
using json = nlohmann::json;

constexpr char kRemoteAdminId[] = "spiffe://cluster.local/admin/alice";

class SvidctlRemoteTest : public ::testing::Test {
 protected:
  void SetUp() override {
    env_ = TestEnv::Start([](server::ServerOptions& o) { o.admin_ids = {kRemoteAdminId}; });
    ASSERT_NE(env_, nullptr);
    data_dir_ = env_->options().data_dir.string();
    // Realistic content next to what the server itself issues: a fleet recorded by an
    // older CA of the same trust domain.
    const TimePoint now = FromUnixSeconds(ToUnixSeconds(env_->clock().Now()));
    auto old_ca = MakeTestAuthority(now - std::chrono::hours(24 * 40));
    ASSERT_TRUE(old_ca.ok()) << old_ca.status();
    auto fleet = BuildTestFleet(env_->server().ledger(), **old_ca, now);
    ASSERT_TRUE(fleet.ok()) << fleet.status();
    fleet_ = *fleet;
    for (const char* sa : {"web", "api"}) Issue("shop", sa);

    const std::string creds = (env_->dir() / "alice").string();
    CommandResult issued = Local({"admin", "issue", "--id", kRemoteAdminId, "--out-dir", creds});
    ASSERT_EQ(issued.exit_code, 0) << issued.err;
    remote_ = {"--server",      "127.0.0.1:" + std::to_string(env_->server().port()),
               "--server-name", "localhost",
               "--cert",        creds + "/cert-chain.pem",
               "--key",         creds + "/key.pem",
               "--root-cert",   creds + "/root-cert.pem"};
  }

  // A workload certificate over the Istio API; returns the leaf's serial.
  std::string Issue(const std::string& ns, const std::string& sa,
                    ClientIdentity* identity = nullptr) {
    TestCsr csr = BuildIstioCsr("spiffe://cluster.local/ns/" + ns + "/sa/" + sa).value();
    istio::v1::auth::IstioCertificateResponse response;
    EXPECT_TRUE(env_->CreateCertificate(csr.pem, 0, env_->TokenFor(ns, sa), &response).ok());
    if (identity != nullptr) {
      for (int i = 0; i + 1 < response.cert_chain_size(); ++i) {
        identity->cert_chain_pem += response.cert_chain(i);
      }
      identity->key_pem = crypto::PrivateKeyToPkcs8Pem(csr.key.get()).value();
    }
    return crypto::SerialHex(crypto::ParseCertificatePem(response.cert_chain(0)).value().get());
  }

  CommandResult Local(std::vector<std::string> args) {
    args.insert(args.begin(), {SVIDCTL_BINARY, "--data-dir", data_dir_});
    return RunCommand(args);
  }
  CommandResult Remote(std::vector<std::string> args) {
    args.insert(args.begin(), remote_.begin(), remote_.end());
    args.insert(args.begin(), SVIDCTL_BINARY);
    return RunCommand(args);
  }

  std::unique_ptr<TestEnv> env_;
  std::string data_dir_;
  TestFleet fleet_;
  std::vector<std::string> remote_;
};

TEST_F(SvidctlRemoteTest, EveryReadCommandPrintsTheSameRemoteAndLocal) {
  const std::string at = FormatRfc3339(env_->clock().Now());
  const std::string web = fleet_.SerialsOf(fleet_.web).back();
  const std::vector<std::vector<std::string>> commands = {
      {"certs", "list", "-o", "json"},
      // --at: the table's "in 22h" is judged at one time for both runs, not each run's now.
      {"certs", "list", "--namespace", "default", "--sort", "not_after", "--limit", "4", "--at",
       at},
      {"certs", "list", "--status", "revoked", "-o", "json"},
      {"certs", "list", "--prefix", "spiffe://cluster.local/ns/shop/", "-o", "json"},
      {"certs", "show", web, "-o", "json"},
      {"certs", "show", web, "-o", "pem"},
      {"identities", "list", "--at", at, "-o", "json"},
      {"identities", "list", "--namespace", "legacy", "--at", at},
      {"stats", "--at", at, "-o", "json"},
      {"stats", "--at", at},
      {"bundle"},
      {"bundle", "--format", "jwks"},
      {"bundle", "--format", "configmap", "-n", "shop"},
  };
  for (const auto& command : commands) {
    SCOPED_TRACE(absl::StrJoin(command, " "));
    CommandResult local = Local(command);
    CommandResult remote = Remote(command);
    ASSERT_EQ(local.exit_code, 0) << local.err;
    ASSERT_EQ(remote.exit_code, 0) << remote.err;
    EXPECT_FALSE(local.out.empty());
    EXPECT_EQ(remote.out, local.out);
  }
  json listed = json::parse(Remote({"certs", "list", "-o", "json"}).out);
  EXPECT_GT(listed.size(), fleet_.records.size());  // the fleet, shop, alice

  // The audit: same findings, critical exit both ways. The ledger's integrity finding is left
  // out of the comparison: the server signs a checkpoint every second, so what is "not yet
  // signed" changes between the two runs.
  auto findings = [](const CommandResult& r) {
    std::vector<json> kept;
    const json report = json::parse(r.out);
    for (const json& f : report["findings"]) {
      if (f["check"] != "ledger-integrity") kept.push_back(f);
    }
    return kept;
  };
  CommandResult local_audit = Local({"audit", "--at", at, "-o", "json"});
  CommandResult remote_audit = Remote({"audit", "--at", at, "-o", "json"});
  EXPECT_EQ(local_audit.exit_code, 2) << local_audit.err;
  EXPECT_EQ(remote_audit.exit_code, 2) << remote_audit.err;
  EXPECT_EQ(findings(remote_audit), findings(local_audit));
  EXPECT_FALSE(findings(remote_audit).empty());

  // Every remote call was audit-logged under the admin's identity.
  auto calls = env_->server().ledger().ListAdminCalls(TimePoint{}, 0);
  ASSERT_TRUE(calls.ok()) << calls.status();
  std::set<std::string> methods;
  for (const ledger::AdminCallRecord& call : *calls) {
    EXPECT_EQ(call.caller_id, kRemoteAdminId);
    EXPECT_EQ(call.outcome, "OK");
    methods.insert(call.method);
  }
  EXPECT_EQ(methods, (std::set<std::string>{"ListCertificates", "GetCertificate", "ListIdentities",
                                            "GetStats", "GetTrustBundle", "RunAudit"}));
}

TEST_F(SvidctlRemoteTest, RemoteRevocationReachesTheServerAndCaOperationsRun) {
  const std::string serial = Issue("shop", "cart");
  CommandResult revoked = Remote({"certs", "revoke", serial, "--reason", "lost laptop"});
  ASSERT_EQ(revoked.exit_code, 0) << revoked.err;
  EXPECT_THAT(revoked.out, HasSubstr("revoked certificate " + serial));
  EXPECT_TRUE(env_->server().ledger().IsRevoked(serial).value());
  CommandResult twice = Remote({"certs", "revoke", serial});
  EXPECT_EQ(twice.exit_code, 1);
  EXPECT_THAT(twice.err, HasSubstr("FAILED_PRECONDITION"));
  EXPECT_THAT(twice.err, HasSubstr("already revoked"));

  CommandResult status = Remote({"ca", "status", "-o", "json"});
  ASSERT_EQ(status.exit_code, 0) << status.err;
  json before = json::parse(status.out);
  EXPECT_EQ(before["mode"], "self-managed");
  EXPECT_EQ(before["root_phase"], "steady");
  CommandResult table = Remote({"ca", "status"});
  ASSERT_EQ(table.exit_code, 0) << table.err;
  EXPECT_THAT(table.out, HasSubstr("Mode:"));
  EXPECT_THAT(table.out, HasSubstr(before["active"]["serial"].get<std::string>()));

  CommandResult rotated = Remote({"ca", "rotate-intermediate", "-o", "json"});
  ASSERT_EQ(rotated.exit_code, 0) << rotated.err;
  json after = json::parse(rotated.out);
  EXPECT_NE(after["active"]["serial"], before["active"]["serial"]);
  const std::string old_serial = before["active"]["serial"];
  CommandResult reissue = Remote({"ca", "reissue", old_serial});
  ASSERT_EQ(reissue.exit_code, 0) << reissue.err;
  EXPECT_THAT(reissue.out, HasSubstr("asked 0 connected workloads"));
  // New leaves come from the new intermediate.
  const std::string fresh = Issue("shop", "after-rotation");
  CommandResult shown = Remote({"certs", "show", fresh, "-o", "json"});
  ASSERT_EQ(shown.exit_code, 0) << shown.err;
  EXPECT_EQ(json::parse(shown.out)["issuer_serial"], after["active"]["serial"]);
}

TEST_F(SvidctlRemoteTest, ANonAdminIsRefusedWithTheServersReason) {
  ClientIdentity workload;
  Issue("shop", "web", &workload);
  const auto dir = env_->dir() / "workload";
  std::filesystem::create_directories(dir);
  ASSERT_TRUE(WriteFileAtomically(dir / "cert.pem", workload.cert_chain_pem, 0600).ok());
  ASSERT_TRUE(WriteFileAtomically(dir / "key.pem", workload.key_pem, 0600).ok());
  CommandResult r = RunCommand(
      {"/usr/bin/env", "SVIDCTL_SERVER=127.0.0.1:" + std::to_string(env_->server().port()),
       "SVIDCTL_SERVER_NAME=localhost", "SVIDCTL_CERT=" + (dir / "cert.pem").string(),
       "SVIDCTL_KEY=" + (dir / "key.pem").string(),
       "SVIDCTL_ROOT_CERT=" + (env_->dir() / "alice" / "root-cert.pem").string(), SVIDCTL_BINARY,
       "certs", "list"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.err, HasSubstr("PERMISSION_DENIED"));
  EXPECT_THAT(r.err, HasSubstr("spiffe://cluster.local/ns/shop/sa/web"));
  EXPECT_TRUE(r.out.empty()) << r.out;

  // The admin, through the same environment variables, is let in (no server name given: for
  // an IP address svidctl expects svidd's default name, localhost).
  CommandResult admin = RunCommand(
      {"/usr/bin/env", "SVIDCTL_SERVER=127.0.0.1:" + std::to_string(env_->server().port()),
       "SVIDCTL_CERT=" + (env_->dir() / "alice" / "cert-chain.pem").string(),
       "SVIDCTL_KEY=" + (env_->dir() / "alice" / "key.pem").string(),
       "SVIDCTL_ROOT_CERT=" + (env_->dir() / "alice" / "root-cert.pem").string(), SVIDCTL_BINARY,
       "stats"});
  EXPECT_EQ(admin.exit_code, 0) << admin.err;

  // Unreachable: a clear error, not a hang.
  CommandResult down =
      RunCommand({SVIDCTL_BINARY, "--server", "127.0.0.1:1", "--timeout", "3", "--server-name",
                  "localhost", "--cert", (env_->dir() / "alice" / "cert-chain.pem").string(),
                  "--key", (env_->dir() / "alice" / "key.pem").string(), "--root-cert",
                  (env_->dir() / "alice" / "root-cert.pem").string(), "stats"});
  EXPECT_EQ(down.exit_code, 1);
  EXPECT_THAT(down.err, HasSubstr("cannot reach svidd at 127.0.0.1:1"));
}

}  // namespace
}  // namespace svidd::testing
