// The real binaries: svidd started as operators start it, stopped with SIGTERM, restarted on
// the same data dir; svidctl revoking against the running server.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>

#include <cstdio>
#include <functional>
#include <thread>

#include "integration/ca_client.h"
#include "integration/child_process.h"
#include "integration/test_env.h"
#include "nlohmann/json.hpp"
#include "support/jwt/test_jwt.h"
#include "support/ledger/sqlite_tool.h"
#include "support/pki/csr_builder.h"
#include "svidd/common/atomic_file.h"
#include "svidd/crypto/pem.h"
#include "svidd/crypto/x509_fields.h"

namespace svidd::testing {
namespace {

class SviddProcessTest : public ::testing::Test {
 protected:
  void SetUp() override {
    key_ = MakeRs256Key("k1").value();
    jwks_ = dir_.path() / "jwks.json";
    ASSERT_TRUE(WriteFileAtomically(jwks_, JwksJson({&key_})).ok());
    data_ = dir_.path() / "data";
  }

  std::unique_ptr<ChildProcess> StartSvidd(const std::vector<std::string>& extra = {}) {
    std::filesystem::remove(port_file());
    std::vector<std::string> argv = {SVIDD_BINARY,         "--data-dir",  data_.string(),
                                     "--listen",           "127.0.0.1:0", "--port-file",
                                     port_file().string(), "--jwks-file", jwks_.string(),
                                     "--jwt-issuer",       kTestIssuer};
    argv.insert(argv.end(), extra.begin(), extra.end());
    auto child = std::make_unique<ChildProcess>(
        argv, dir_.path() / ("svidd-" + std::to_string(++starts_) + ".log"));
    port_ = WaitForPortFile(port_file(), *child);
    EXPECT_NE(port_, 0) << child->log();
    return child;
  }

  // svidd started to completion or refusal (for starts that must fail).
  CommandResult RunSvidd(const std::vector<std::string>& extra = {}) {
    std::vector<std::string> argv = {SVIDD_BINARY,   "--data-dir",   data_.string(),
                                     "--listen",     "127.0.0.1:0",  "--jwks-file",
                                     jwks_.string(), "--jwt-issuer", kTestIssuer};
    argv.insert(argv.end(), extra.begin(), extra.end());
    return RunCommand(argv, std::chrono::seconds(30));
  }

  std::string Root() const { return ReadFileToString(data_ / "ca" / "root-cert.pem").value(); }

  std::string Token() const {
    TokenSpec spec;
    spec.issuer = kTestIssuer;
    spec.ns = "foo";
    spec.sa = "bar";
    spec.iat = SystemClock::Instance().Now();
    return MintToken(key_, spec);
  }

  // Issues with a token; returns the response chain (empty on failure).
  std::vector<std::string> Issue(TestCsr* csr_out = nullptr) {
    TestCsr csr = BuildIstioCsr(kFooId).value();
    istio::v1::auth::IstioCertificateResponse response;
    grpc::Status status =
        CallCreateCertificate(MakeCaChannel(port_, Root()), csr.pem, 0, Token(), &response);
    EXPECT_TRUE(status.ok()) << status.error_message();
    if (csr_out != nullptr) *csr_out = std::move(csr);
    return ChainOf(response);
  }

  CommandResult Svidctl(std::vector<std::string> args) {
    args.insert(args.begin(), SVIDCTL_BINARY);
    args.push_back("--data-dir");
    args.push_back(data_.string());
    return RunCommand(args);
  }

  std::filesystem::path port_file() const { return dir_.path() / "port"; }

  TempDir dir_;
  TestSigningKey key_;
  std::filesystem::path jwks_, data_;
  int port_ = 0;
  int starts_ = 0;
};

TEST_F(SviddProcessTest, FirstStartCreatesIstioCaLayoutWithPrivateKey) {
  auto svidd = StartSvidd();
  for (const char* f : {"ca-cert.pem", "ca-key.pem", "root-cert.pem", "cert-chain.pem"}) {
    EXPECT_TRUE(std::filesystem::exists(data_ / "ca" / f)) << f;
  }
  auto perms = std::filesystem::status(data_ / "ca" / "ca-key.pem").permissions();
  EXPECT_EQ(perms & std::filesystem::perms::all,
            std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
  EXPECT_TRUE(std::filesystem::exists(data_ / "ledger.db"));
  EXPECT_TRUE(HealthSaysServing(MakeCaChannel(port_, Root())));
  // The log never holds key material.
  EXPECT_EQ(svidd->log().find("PRIVATE KEY"), std::string::npos);
  EXPECT_EQ(svidd->StopWith(SIGTERM), 0);
}

TEST_F(SviddProcessTest, RestartKeepsRootAndLedger) {
  auto first = StartSvidd();
  std::string root_before = Root();
  std::vector<std::string> chain1 = Issue();
  ASSERT_EQ(chain1.size(), 3u);
  EXPECT_EQ(first->StopWith(SIGTERM), 0) << first->log();

  auto second = StartSvidd();
  EXPECT_EQ(Root(), root_before);
  std::vector<std::string> chain2 = Issue();
  ASSERT_EQ(chain2.size(), 3u);
  EXPECT_EQ(chain2.back(), root_before);
  EXPECT_EQ(chain2[1], chain1[1]) << "same intermediate after restart";

  CommandResult list = Svidctl({"certs", "list", "--spiffe-id", kFooId, "--output", "json"});
  ASSERT_EQ(list.exit_code, 0) << list.err;
  auto rows = nlohmann::json::parse(list.out);
  ASSERT_EQ(rows.size(), 2u) << list.out;
  std::set<std::string> serials;
  for (const auto& row : rows) serials.insert(row["serial"].get<std::string>());
  EXPECT_TRUE(
      serials.count(crypto::SerialHex(crypto::ParseCertificatePem(chain1[0]).value().get())));
  EXPECT_TRUE(
      serials.count(crypto::SerialHex(crypto::ParseCertificatePem(chain2[0]).value().get())));
  EXPECT_EQ(second->StopWith(SIGTERM), 0) << second->log();
}

TEST_F(SviddProcessTest, SvidctlRevokeStopsMtlsRenewalOfRunningServer) {
  auto svidd = StartSvidd();
  TestCsr csr;
  std::vector<std::string> chain = Issue(&csr);
  ASSERT_EQ(chain.size(), 3u);
  ClientIdentity me{chain[0] + chain[1], crypto::PrivateKeyToPkcs8Pem(csr.key.get()).value()};
  std::string serial = crypto::SerialHex(crypto::ParseCertificatePem(chain[0]).value().get());

  istio::v1::auth::IstioCertificateResponse response;
  TestCsr next = BuildIstioCsr(kFooId).value();
  ASSERT_TRUE(
      CallCreateCertificate(MakeCaChannel(port_, Root(), &me), next.pem, 0, "", &response).ok());

  CommandResult revoke = Svidctl({"certs", "revoke", serial, "--reason", "key compromise"});
  ASSERT_EQ(revoke.exit_code, 0) << revoke.err;
  grpc::Status status =
      CallCreateCertificate(MakeCaChannel(port_, Root(), &me), next.pem, 0, "", &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAUTHENTICATED) << status.error_message();

  CommandResult shown = Svidctl({"certs", "show", serial, "--output", "json"});
  ASSERT_EQ(shown.exit_code, 0) << shown.err;
  EXPECT_EQ(nlohmann::json::parse(shown.out)["status"], "revoked");
  EXPECT_EQ(svidd->StopWith(SIGTERM), 0);
}

TEST_F(SviddProcessTest, UnusableCaDirIsRefusedWithReason) {
  // A "CA" whose signing certificate is a workload leaf.
  auto first = StartSvidd();
  std::vector<std::string> chain = Issue();
  ASSERT_EQ(first->StopWith(SIGTERM), 0);
  std::filesystem::path bad = dir_.path() / "bad-ca";
  std::filesystem::create_directories(bad);
  ASSERT_TRUE(WriteFileAtomically(bad / "ca-cert.pem", chain[0]).ok());
  ASSERT_TRUE(WriteFileAtomically(bad / "ca-key.pem",
                                  ReadFileToString(data_ / "ca" / "ca-key.pem").value(), 0600)
                  .ok());
  ASSERT_TRUE(WriteFileAtomically(bad / "root-cert.pem", Root()).ok());
  ASSERT_TRUE(WriteFileAtomically(bad / "cert-chain.pem", chain[0] + chain[1] + chain[2]).ok());
  CommandResult run = RunCommand({SVIDD_BINARY, "--data-dir", (dir_.path() / "d2").string(),
                                  "--ca-dir", bad.string(), "--listen", "127.0.0.1:0"});
  EXPECT_NE(run.exit_code, 0);
  EXPECT_NE((run.out + run.err).find("not a CA"), std::string::npos) << run.out << run.err;
}

// As ssh refuses a private key others can read: svidd refuses to start, naming the file (or
// directory) and its mode, whichever of its keys or directories is too open.
TEST_F(SviddProcessTest, RefusesToStartWithAKeyOthersCanReadOrADirectoryOthersCanWrite) {
  auto first = StartSvidd();
  ASSERT_EQ(first->StopWith(SIGTERM), 0) << first->log();
  // An operator CA directory (--ca-dir), in the same Istio layout as svidd's own.
  const std::filesystem::path cacerts = dir_.path() / "cacerts";
  std::filesystem::create_directories(cacerts);
  std::filesystem::permissions(cacerts, std::filesystem::perms::owner_all);
  for (const char* name : {"ca-cert.pem", "ca-key.pem", "root-cert.pem", "cert-chain.pem"}) {
    std::filesystem::copy_file(data_ / "ca" / name, cacerts / name);
  }
  struct Case {
    const char* name;
    std::filesystem::path path;
    unsigned bad_mode, good_mode;
    std::vector<std::string> extra;
  };
  const std::vector<Case> cases = {
      {"world-readable CA key", data_ / "ca" / "ca-key.pem", 0644, 0600, {}},
      {"group-readable root key", data_ / "root" / "root-key.pem", 0640, 0600, {}},
      {"group-writable serving key", data_ / "serving" / "chain-and-key.pem", 0620, 0600, {}},
      {"0777 data directory", data_, 0777, 0700, {}},
      {"world-readable --ca-dir key",
       cacerts / "ca-key.pem",
       0604,
       0600,
       {"--ca-dir", cacerts.string()}},
      {"0777 --ca-dir", cacerts, 0777, 0700, {"--ca-dir", cacerts.string()}},
  };
  char mode_text[8];
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    ASSERT_TRUE(std::filesystem::exists(c.path)) << c.path;
    ASSERT_EQ(::chmod(c.path.c_str(), c.bad_mode), 0);
    CommandResult run = RunSvidd(c.extra);
    const std::string output = run.out + run.err;
    EXPECT_EQ(run.exit_code, 1) << output;
    std::snprintf(mode_text, sizeof(mode_text), "%04o", c.bad_mode);
    EXPECT_NE(output.find(c.path.string()), std::string::npos) << output;
    EXPECT_NE(output.find(mode_text), std::string::npos) << output;
    ASSERT_EQ(::chmod(c.path.c_str(), c.good_mode), 0);
  }
  auto again = StartSvidd();  // all restored: it starts
  EXPECT_EQ(again->StopWith(SIGTERM), 0) << again->log();
}

// The self-probe asks for a name svidd's certificate holds: probing 127.0.0.1 by its IP made
// gRPC log "No match found for server name: 127.0.0.1." on every probe, in every quick start.
TEST_F(SviddProcessTest, TheSelfProbeAsksForANameTheCertificateHolds) {
  auto svidd = StartSvidd({"--self-probe-interval", "1s", "--log-level", "debug"});
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  // The event: two probes have answered.
  auto answered = [&] {
    const std::string log = svidd->log();
    const size_t first = log.find("self-probe of");
    return first != std::string::npos && log.find("self-probe of", first + 1) != std::string::npos;
  };
  while (!answered() && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  ASSERT_TRUE(answered()) << svidd->log();
  EXPECT_EQ(svidd->log().find("No match found for server name"), std::string::npos) << svidd->log();
  EXPECT_EQ(svidd->StopWith(SIGTERM), 0) << svidd->log();
}

TEST_F(SviddProcessTest, BadFlagsExitWithMessage) {
  CommandResult run =
      RunCommand({SVIDD_BINARY, "--data-dir", data_.string(), "--max-ttl", "1h", "--ca-ttl", "2h"});
  EXPECT_EQ(run.exit_code, 2);
  EXPECT_NE(run.err.find("--ca-ttl 2h is less than 6 x --max-ttl"), std::string::npos) << run.err;
}

// The README's quick start: --max-ttl 30s with the default --default-ttl (1d). The default is
// clamped to the maximum, like any request, with one INFO line, instead of a refusal to start.
TEST_F(SviddProcessTest, DefaultTtlAboveMaxTtlIsClampedNotRefused) {
  auto svidd = StartSvidd({"--max-ttl", "30s", "--ca-ttl", "10m"});
  ASSERT_NE(port_, 0);
  std::vector<std::string> chain = Issue();  // asks for no lifetime (0)
  ASSERT_FALSE(chain.empty());
  auto leaf = crypto::ParseCertificatesPem(chain.front());
  ASSERT_TRUE(leaf.ok());
  const auto now = SystemClock::Instance().Now();
  EXPECT_LE(crypto::NotAfter(leaf->front().get()), now + std::chrono::seconds(31));
  EXPECT_GE(crypto::NotAfter(leaf->front().get()), now + std::chrono::seconds(20));
  ASSERT_EQ(svidd->StopWith(SIGTERM), 0);
  const std::string log = svidd->log();
  const std::string line = "--default-ttl 1d exceeds --max-ttl 30s";
  const size_t at = log.find(line);
  ASSERT_NE(at, std::string::npos) << log;
  EXPECT_EQ(log.find(line, at + 1), std::string::npos) << "logged more than once:\n" << log;
  const size_t line_start = log.rfind('\n', at) == std::string::npos ? 0 : log.rfind('\n', at);
  EXPECT_NE(log.substr(line_start, at - line_start).find("info"), std::string::npos) << log;
}

// The ledger's chain, signed by the running svidd and checked by svidctl beside it: intact
// through issuance, a revocation from another process and restarts; broken once the sqlite3
// tool truncates it, and a restarted svidd does not sign over the truncation.
TEST_F(SviddProcessTest, LedgerStaysVerifiableUntilTruncatedAndIsNeverResignedOver) {
  auto verify = [this] {
    CommandResult r = Svidctl({"ledger", "verify", "--output", "json"});
    return std::make_pair(r.exit_code, nlohmann::json::parse(r.out.empty() ? "{}" : r.out));
  };
  auto first = StartSvidd();
  std::vector<std::string> chain = Issue();
  ASSERT_EQ(chain.size(), 3u);
  Issue();
  const std::string serial = crypto::SerialHex(crypto::ParseCertificatePem(chain[0]).value().get());
  ASSERT_EQ(Svidctl({"certs", "revoke", serial, "--reason", "test"}).exit_code, 0);
  // Events: the intermediate, svidd's serving certificate, two issuances, the revocation.
  auto [code, report] = verify();
  for (int i = 0; i < 50 && code == 0 && report["last_signed_seq"] != 5; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    std::tie(code, report) = verify();
  }
  ASSERT_EQ(code, 0) << report.dump(2);
  EXPECT_EQ(report["events"], 5);
  EXPECT_EQ(report["last_signed_seq"], 5) << "the running svidd signs a moved head";
  EXPECT_EQ(first->StopWith(SIGTERM), 0) << first->log();

  auto second = StartSvidd();
  Issue();
  EXPECT_EQ(second->StopWith(SIGTERM), 0) << second->log();
  std::tie(code, report) = verify();
  ASSERT_EQ(code, 0) << report.dump(2);
  EXPECT_EQ(report["events"], 6);
  EXPECT_EQ(report["last_signed_seq"], 6) << "signed at shutdown";
  EXPECT_EQ(report["warnings"], nlohmann::json::array());

  ASSERT_TRUE(RunSqlite3(data_ / "ledger.db",
                         WithoutGuards("DELETE FROM certificates WHERE serial = (SELECT serial FROM"
                                       " ledger_events WHERE seq = 6);"
                                       " DELETE FROM ledger_events WHERE seq = 6;"
                                       " DELETE FROM ledger_checkpoints"))
                  .ok());
  std::tie(code, report) = verify();
  EXPECT_EQ(code, 1);
  EXPECT_EQ(report["first_break"]["kind"], "truncated") << report.dump(2);
  EXPECT_EQ(report["first_break"]["where"], "ledger-head.json");
  EXPECT_EQ(report["first_break"]["row"], 6);

  // A truncated ledger is not served from (it may have lost revocations)...
  CommandResult refused = RunSvidd();
  EXPECT_EQ(refused.exit_code, 1) << refused.out << refused.err;
  EXPECT_NE((refused.out + refused.err).find("--accept-ledger-rollback"), std::string::npos)
      << refused.out << refused.err;
  // ...unless the operator accepts it as it is: then the head is signed afresh.
  auto third = StartSvidd({"--accept-ledger-rollback"});
  Issue();  // a new event 6, in place of the one removed
  EXPECT_EQ(third->StopWith(SIGTERM), 0) << third->log();
  std::tie(code, report) = verify();
  EXPECT_EQ(code, 0) << report.dump(2);
}

// The review's finding: restoring an older ledger.db (from before a revocation) made the
// revoked certificate work again. svidd now refuses to start from it, says what to do, and
// starts only when told to accept it, which the ledger records.
TEST_F(SviddProcessTest, AnOlderLedgerCopyOrAnEditedRowIsRefusedAtStart) {
  auto first = StartSvidd();
  std::vector<std::string> chain = Issue();
  ASSERT_EQ(chain.size(), 3u);
  ASSERT_EQ(first->StopWith(SIGTERM), 0) << first->log();
  const std::filesystem::path backup = dir_.path() / "ledger-backup.db";
  std::filesystem::copy_file(data_ / "ledger.db", backup);

  auto second = StartSvidd();
  const std::string serial = crypto::SerialHex(crypto::ParseCertificatePem(chain[0]).value().get());
  ASSERT_EQ(Svidctl({"certs", "revoke", serial, "--reason", "test"}).exit_code, 0);
  ASSERT_EQ(second->StopWith(SIGTERM), 0) << second->log();  // signs the head at shutdown

  struct Case {
    const char* name;
    std::function<void()> tamper;
  };
  const std::vector<Case> cases = {
      {"older copy",
       [&] {
         std::filesystem::copy_file(backup, data_ / "ledger.db",
                                    std::filesystem::copy_options::overwrite_existing);
       }},
      {"edited row",
       [&] {
         ASSERT_TRUE(RunSqlite3(data_ / "ledger.db",
                                WithoutGuards("UPDATE certificates SET status = 'active', "
                                              "revoked_at = NULL, revocation_reason = '' "
                                              "WHERE serial = '" +
                                              serial + "';"))
                         .ok());
       }},
  };
  const std::filesystem::path good = dir_.path() / "ledger-good.db";
  std::filesystem::copy_file(data_ / "ledger.db", good);
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    std::filesystem::copy_file(good, data_ / "ledger.db",
                               std::filesystem::copy_options::overwrite_existing);
    c.tamper();
    CommandResult run = RunSvidd();
    const std::string output = run.out + run.err;
    EXPECT_EQ(run.exit_code, 1) << output;
    EXPECT_NE(output.find("does not verify"), std::string::npos) << output;
    EXPECT_NE(output.find("--accept-ledger-rollback"), std::string::npos) << output;
  }
  // The operator's override: it starts, and the ledger's admin log says who accepted what.
  auto accepted = StartSvidd({"--accept-ledger-rollback"});
  EXPECT_NE(accepted->log().find("--accept-ledger-rollback"), std::string::npos);
  EXPECT_EQ(accepted->StopWith(SIGTERM), 0) << accepted->log();
  auto audit = RunSqlite3(data_ / "ledger.db",
                          "SELECT method FROM admin_audit WHERE method = 'AcceptLedgerRollback';");
  ASSERT_TRUE(audit.ok()) << audit.status();
  EXPECT_NE(audit->find("AcceptLedgerRollback"), std::string::npos) << *audit;
}

// An edit inside the signed prefix that undoes no revocation (here a certificate's SPIFFE ID):
// --ledger-check-at-start=full refuses it before serving; the default (incremental) check
// lets svidd start, and the full walk it then runs in the background stops issuance.
TEST_F(SviddProcessTest,
       AnEditInsideTheSignedPrefixIsRefusedByTheFullWalkAtStartOrInTheBackground) {
  auto first = StartSvidd();
  std::vector<std::string> chain = Issue();
  ASSERT_EQ(chain.size(), 3u);
  Issue();
  ASSERT_EQ(first->StopWith(SIGTERM), 0) << first->log();  // signs the head at shutdown
  const std::string serial = crypto::SerialHex(crypto::ParseCertificatePem(chain[0]).value().get());
  ASSERT_TRUE(RunSqlite3(data_ / "ledger.db",
                         WithoutGuards("UPDATE certificates SET spiffe_id = "
                                       "'spiffe://cluster.local/ns/evil/sa/x' WHERE serial = '" +
                                       serial + "';"))
                  .ok());

  CommandResult full = RunSvidd({"--ledger-check-at-start", "full"});
  const std::string output = full.out + full.err;
  EXPECT_EQ(full.exit_code, 1) << output;
  EXPECT_NE(output.find("certificate_edited"), std::string::npos) << output;
  EXPECT_NE(output.find("--accept-ledger-rollback"), std::string::npos) << output;

  auto svidd = StartSvidd();  // the incremental check does not read that row
  ASSERT_NE(port_, 0);
  auto channel = MakeCaChannel(port_, Root());
  // The event: health turns NOT_SERVING.
  EXPECT_TRUE(WaitUntilNotServing(channel, std::chrono::milliseconds(30000))) << svidd->log();
  TestCsr csr = BuildIstioCsr(kFooId).value();
  istio::v1::auth::IstioCertificateResponse response;
  grpc::Status status = CallCreateCertificate(channel, csr.pem, 0, Token(), &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAVAILABLE) << status.error_message();
  EXPECT_NE(status.error_message().find("certificate_edited"), std::string::npos)
      << status.error_message();
  EXPECT_EQ(svidd->StopWith(SIGTERM), 0) << svidd->log();
}

// Rolled back under a running svidd: the next checkpoint notices, issuance stops and health
// turns NOT_SERVING.
TEST_F(SviddProcessTest, ALedgerTruncatedWhileRunningStopsIssuance) {
  auto svidd = StartSvidd();
  Issue();
  Issue();
  // Wait (bounded) until the running svidd has signed its head past both issuances.
  for (int i = 0; i < 100 && !std::filesystem::exists(data_ / "ledger-head.json"); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  auto signed_seq = [this] {
    auto head = ReadFileToString(data_ / "ledger-head.json");
    return head.ok() ? nlohmann::json::parse(*head).value("event_seq", 0) : 0;
  };
  for (int i = 0; i < 100 && signed_seq() < 4; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  ASSERT_GE(signed_seq(), 4);
  ASSERT_TRUE(RunSqlite3(data_ / "ledger.db",
                         WithoutGuards("DELETE FROM certificates WHERE serial IN (SELECT serial "
                                       "FROM ledger_events WHERE seq >= 3);"
                                       " DELETE FROM ledger_events WHERE seq >= 3;"
                                       " DELETE FROM ledger_checkpoints"))
                  .ok());
  auto channel = MakeCaChannel(port_, Root());
  // The event: health turns NOT_SERVING.
  EXPECT_TRUE(WaitUntilNotServing(channel, std::chrono::milliseconds(10000))) << svidd->log();
  TestCsr csr = BuildIstioCsr(kFooId).value();
  istio::v1::auth::IstioCertificateResponse response;
  grpc::Status status = CallCreateCertificate(channel, csr.pem, 0, Token(), &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAVAILABLE) << status.error_message();
  EXPECT_NE(status.error_message().find("rolled back"), std::string::npos)
      << status.error_message();
  EXPECT_EQ(svidd->StopWith(SIGTERM), 0) << svidd->log();
}

}  // namespace
}  // namespace svidd::testing
