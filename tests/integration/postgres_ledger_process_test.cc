// svidd and svidctl on a PostgreSQL ledger (--ledger): the real binaries against the test
// harness's PostgreSQL 15. Issuance is recorded there, svidctl reads it and `ledger verify`
// finds edits, deletions and reorders; a bad --ledger stops svidd with a message naming the
// ledger but never its password; a PostgreSQL restart under load fails requests with
// UNAVAILABLE, hands out nothing unrecorded, and issuance resumes by itself. svidd on
// PostgreSQL needs a plug-in CA (--ca-dir): each test makes one.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <signal.h>

#include <atomic>
#include <mutex>
#include <set>
#include <thread>

#include "integration/ca_client.h"
#include "integration/child_process.h"
#include "integration/test_env.h"
#include "nlohmann/json.hpp"
#include "support/jwt/test_jwt.h"
#include "support/pki/csr_builder.h"
#include "support/postgres/postgres_server.h"
#include "svidd/common/atomic_file.h"
#include "svidd/crypto/pem.h"
#include "svidd/crypto/x509_fields.h"
#include "svidd/ledger/postgres_ledger.h"
#include "svidd/pki/ca_material.h"

namespace svidd::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

constexpr char kSecret[] = "pw-that-must-never-be-printed";

// A plug-in CA in Istio's layout in `dir` (made 0700, the key 0600), as the cacerts Secret.
void MakeCaDir(const std::filesystem::path& dir) {
  absl::StatusOr<pki::CaMaterial> ca = pki::BootstrapCa({}, SystemClock::Instance().Now());
  ASSERT_TRUE(ca.ok()) << ca.status();
  ASSERT_TRUE(WriteIstioCaDir(dir, *ca).ok());
}

class PostgresLedgerProcessTest : public ::testing::Test {
 protected:
  void SetUp() override {
    absl::StatusOr<std::string> uri = FreshPostgresDatabase();
    ASSERT_TRUE(uri.ok()) << uri.status();  // fail, never skip
    uri_ = *uri;
    key_ = MakeRs256Key("k1").value();
    jwks_ = dir_.path() / "jwks.json";
    ASSERT_TRUE(WriteFileAtomically(jwks_, JwksJson({&key_})).ok());
    data_ = dir_.path() / "data";
    ca_dir_ = dir_.path() / "cacerts";
    MakeCaDir(ca_dir_);
  }

  std::vector<std::string> SviddArgs(const std::vector<std::string>& extra) const {
    std::vector<std::string> argv = {
        SVIDD_BINARY,  "--data-dir",  data_.string(), "--ca-dir",     ca_dir_.string(), "--listen",
        "127.0.0.1:0", "--jwks-file", jwks_.string(), "--jwt-issuer", kTestIssuer};
    argv.insert(argv.end(), extra.begin(), extra.end());
    return argv;
  }

  std::unique_ptr<ChildProcess> StartSvidd() {
    const std::filesystem::path port_file = dir_.path() / "port";
    std::filesystem::remove(port_file);
    auto child = std::make_unique<ChildProcess>(
        SviddArgs({"--ledger", uri_, "--port-file", port_file.string()}),
        dir_.path() / "svidd.log");
    port_ = WaitForPortFile(port_file, *child);
    EXPECT_NE(port_, 0) << child->log();
    return child;
  }

  std::string Root() const { return ReadFileToString(ca_dir_ / "root-cert.pem").value(); }

  std::string Token() const {
    TokenSpec spec;
    spec.issuer = kTestIssuer;
    spec.ns = "foo";
    spec.sa = "bar";
    spec.iat = SystemClock::Instance().Now();
    return MintToken(key_, spec);
  }

  // The leaf's serial, or "" if the call failed.
  std::string Issue() {
    TestCsr csr = BuildIstioCsr(kFooId).value();
    istio::v1::auth::IstioCertificateResponse response;
    grpc::Status status =
        CallCreateCertificate(MakeCaChannel(port_, Root()), csr.pem, 0, Token(), &response);
    EXPECT_TRUE(status.ok()) << status.error_message();
    if (!status.ok()) return "";
    return crypto::SerialHex(crypto::ParseCertificatePem(ChainOf(response)[0]).value().get());
  }

  CommandResult Svidctl(std::vector<std::string> args) {
    args.insert(args.begin(), {SVIDCTL_BINARY, "--ledger", uri_, "--ca-dir", ca_dir_.string(),
                               "--data-dir", data_.string()});
    return RunCommand(args);
  }

  // SQL on the ledger database with svidd's guard triggers switched off, as a tamperer would.
  void Tamper(const std::string& sql) {
    PostgresServer* server = SharedPostgres().value();
    const std::string db = uri_.substr(uri_.rfind('/') + 1);
    ASSERT_TRUE(server->ExecSql(db, "SET session_replication_role = replica; " + sql).ok());
  }

  TempDir dir_;
  std::string uri_;
  TestSigningKey key_;
  std::filesystem::path jwks_, data_, ca_dir_;
  int port_ = 0;
};

TEST_F(PostgresLedgerProcessTest,
       IssuanceIsRecordedInPostgresAndVerifyFindsEditsDeletionsAndReorders) {
  auto svidd = StartSvidd();
  std::vector<std::string> serials;
  for (int i = 0; i < 4; ++i) serials.push_back(Issue());
  ASSERT_THAT(serials, Not(::testing::Contains("")));
  EXPECT_FALSE(std::filesystem::exists(data_ / "ledger.db")) << "the SQLite ledger was opened";

  CommandResult list = Svidctl({"certs", "list", "--spiffe-id", kFooId, "--output", "json"});
  ASSERT_EQ(list.exit_code, 0) << list.err;
  std::set<std::string> listed;
  for (const auto& row : nlohmann::json::parse(list.out))
    listed.insert(row["serial"].get<std::string>());
  for (const std::string& s : serials) EXPECT_TRUE(listed.count(s)) << s;

  CommandResult revoke = Svidctl({"certs", "revoke", serials[1], "--reason", "test"});
  ASSERT_EQ(revoke.exit_code, 0) << revoke.out << revoke.err;
  EXPECT_EQ(svidd->StopWith(SIGTERM), 0) << svidd->log();

  CommandResult intact = Svidctl({"ledger", "verify"});
  ASSERT_EQ(intact.exit_code, 0) << intact.out << intact.err;

  // Each tampering on a fresh copy of the database; verify must name it.
  struct Case {
    const char* name;
    std::string sql;
    const char* kind;
  };
  const std::vector<Case> cases = {
      {"edit",
       "UPDATE certificates SET spiffe_id = 'spiffe://cluster.local/ns/evil/sa/x' WHERE serial = "
       "'" +
           serials[2] + "'",
       "certificate_edited"},
      {"deletion", "DELETE FROM ledger_events WHERE seq = 2", "event_missing"},
      {"reorder",
       "UPDATE ledger_events SET seq = -2 WHERE seq = 2; UPDATE ledger_events SET seq = 2 WHERE "
       "seq = 3; UPDATE ledger_events SET seq = 3 WHERE seq = -2",
       "events_reordered"},
  };
  PostgresServer* server = SharedPostgres().value();
  const std::string db = uri_.substr(uri_.rfind('/') + 1);
  const std::string original = uri_;
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    const std::string copy = db + "_" + c.name;
    ASSERT_TRUE(server->ExecSql("postgres", "CREATE DATABASE " + copy + " TEMPLATE " + db).ok());
    uri_ = server->Uri(copy);
    Tamper(c.sql);
    CommandResult broken = Svidctl({"ledger", "verify", "--output", "json"});
    EXPECT_NE(broken.exit_code, 0) << broken.out;
    EXPECT_THAT(broken.out + broken.err, HasSubstr(c.kind));
    uri_ = original;
  }
}

// svidd's check at start on PostgreSQL (--ledger-check-at-start=incremental): a revocation
// undone inside the signed prefix is refused before serving; an edit of another column there
// lets svidd start, and the full walk it runs in the background then stops issuance.
TEST_F(PostgresLedgerProcessTest,
       AnUndoneRevocationIsRefusedAtStartAndAnotherEditStopsIssuanceFromTheBackground) {
  auto svidd = StartSvidd();
  const std::vector<std::string> serials = {Issue(), Issue()};
  ASSERT_THAT(serials, Not(::testing::Contains("")));
  CommandResult revoke = Svidctl({"certs", "revoke", serials[0], "--reason", "test"});
  ASSERT_EQ(revoke.exit_code, 0) << revoke.out << revoke.err;
  EXPECT_EQ(svidd->StopWith(SIGTERM), 0) << svidd->log();  // signs the head

  PostgresServer* server = SharedPostgres().value();
  const std::string db = uri_.substr(uri_.rfind('/') + 1);
  const std::string original = uri_;
  auto use_copy = [&](const std::string& name) {
    const std::string copy = db + "_" + name;
    ASSERT_TRUE(server->ExecSql("postgres", "CREATE DATABASE " + copy + " TEMPLATE " + db).ok());
    uri_ = server->Uri(copy);
  };

  use_copy("unrevoked");
  Tamper(
      "UPDATE certificates SET status = 'active', revoked_at = NULL, revocation_reason = ''"
      " WHERE serial = '" +
      serials[0] + "'");
  CommandResult refused = RunCommand(SviddArgs({"--ledger", uri_}), std::chrono::seconds(30));
  EXPECT_EQ(refused.exit_code, 1) << refused.out << refused.err;
  EXPECT_THAT(refused.out + refused.err, HasSubstr("status_mismatch"));
  EXPECT_THAT(refused.out + refused.err, HasSubstr("--accept-ledger-rollback"));

  use_copy("edited");
  Tamper(
      "UPDATE certificates SET spiffe_id = 'spiffe://cluster.local/ns/evil/sa/x'"
      " WHERE serial = '" +
      serials[1] + "'");
  auto started = StartSvidd();
  ASSERT_NE(port_, 0);
  auto channel = MakeCaChannel(port_, Root());
  // The event: health turns NOT_SERVING.
  EXPECT_TRUE(WaitUntilNotServing(channel, std::chrono::milliseconds(30000))) << started->log();
  TestCsr csr = BuildIstioCsr(kFooId).value();
  istio::v1::auth::IstioCertificateResponse response;
  grpc::Status status = CallCreateCertificate(channel, csr.pem, 0, Token(), &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAVAILABLE) << status.error_message();
  EXPECT_THAT(status.error_message(), HasSubstr("certificate_edited"));
  EXPECT_EQ(started->StopWith(SIGTERM), 0) << started->log();
  uri_ = original;
}

TEST_F(PostgresLedgerProcessTest,
       AnUnreachableOrRefusingLedgerStopsSviddNamingItButNotThePassword) {
  PostgresServer* server = SharedPostgres().value();
  std::string wrong_password = server->Uri("postgres");
  wrong_password.replace(wrong_password.find(server->password()), server->password().size(),
                         kSecret);
  struct Case {
    const char* name;
    std::string ledger;
    std::string named;
    std::string libpq_says;
  };
  const std::vector<Case> cases = {
      {"nothing listens", std::string("postgresql://svidd:") + kSecret + "@127.0.0.1:1/svidd",
       "postgresql://svidd:***@127.0.0.1:1/svidd", "Connection refused"},
      {"wrong password", wrong_password, ledger::RedactLedgerUri(wrong_password),
       "password authentication failed"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    CommandResult run = RunCommand(SviddArgs({"--ledger", c.ledger}), std::chrono::seconds(30));
    EXPECT_EQ(run.exit_code, 1) << run.out << run.err;
    const std::string output = run.out + run.err;
    EXPECT_THAT(output, HasSubstr(c.named));
    EXPECT_THAT(output, HasSubstr(c.libpq_says));
    EXPECT_THAT(output, Not(HasSubstr(kSecret)));
  }

  // --check-config: not a PostgreSQL URI is refused; a good one is shown without its password.
  CommandResult bad = RunCommand(SviddArgs({"--check-config", "--ledger", "mysql://u:p@h/db"}));
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_THAT(bad.err, HasSubstr("--ledger"));
  CommandResult good =
      RunCommand(SviddArgs({"--check-config", "--ledger",
                            std::string("postgresql://svidd:") + kSecret + "@db:5432/svidd"}));
  EXPECT_EQ(good.exit_code, 0) << good.err;
  EXPECT_THAT(good.out, HasSubstr("ledger: postgresql://svidd:***@db:5432/svidd"));
  EXPECT_THAT(good.out + good.err, Not(HasSubstr(kSecret)));
}

// In process (TestEnv) for the issuance path itself: PostgreSQL restarted under load.
TEST(PostgresLedgerFaultTest, PostgresRestartUnderLoadFailsUnavailableRecordsEverythingAndResumes) {
  // A server of its own: the run's shared one is never restarted.
  absl::StatusOr<std::unique_ptr<PostgresServer>> own = PostgresServer::Start();
  ASSERT_TRUE(own.ok()) << own.status();
  PostgresServer* server = own->get();
  absl::StatusOr<std::string> uri = server->CreateDatabase();
  ASSERT_TRUE(uri.ok()) << uri.status();
  TempDir ca;
  MakeCaDir(ca.path() / "cacerts");
  auto env = TestEnv::Start([&](server::ServerOptions& o) {
    o.ledger = *uri;
    o.ca_dir = ca.path() / "cacerts";
    // One identity makes every call and the fake clock stands still: no rate limit.
    o.max_issuance_per_identity_per_second = 0;
    o.max_issuance_per_second = 0;
  });
  ASSERT_NE(env, nullptr);

  std::mutex mu;
  std::vector<std::string> handed_out;  // serials of every certificate a client received
  std::set<int> failure_codes;
  std::atomic<bool> stop{false};
  std::vector<std::thread> clients;
  for (int t = 0; t < 3; ++t) {
    clients.emplace_back([&] {
      for (int i = 0; i < 5000 && !stop; ++i) {
        TestCsr csr = BuildIstioCsr("spiffe://cluster.local/ns/foo/sa/bar").value();
        istio::v1::auth::IstioCertificateResponse response;
        grpc::Status s = env->CreateCertificate(csr.pem, 0, env->TokenFor("foo", "bar"), &response);
        std::lock_guard<std::mutex> lock(mu);
        if (s.ok()) {
          handed_out.push_back(
              crypto::SerialHex(crypto::ParseCertificatePem(ChainOf(response)[0]).value().get()));
        } else {
          failure_codes.insert(s.error_code());
        }
      }
    });
  }
  auto received = [&] {
    std::lock_guard<std::mutex> lock(mu);
    return handed_out.size();
  };
  for (int i = 0; i < 3000 && received() < 20; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  ASSERT_GE(received(), 20u);
  ASSERT_TRUE(server->Restart().ok());
  const size_t at_restart = received();
  for (int i = 0; i < 3000 && received() < at_restart + 20; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  stop = true;
  for (auto& c : clients) c.join();

  EXPECT_GE(handed_out.size(), at_restart + 20) << "issuance did not resume by itself";
  for (int code : failure_codes) EXPECT_EQ(code, grpc::StatusCode::UNAVAILABLE) << code;
  auto ledger = ledger::OpenPostgresLedger(*uri, {.read_only = true});
  ASSERT_TRUE(ledger.ok()) << ledger.status();
  for (const std::string& serial : handed_out) {
    ASSERT_TRUE((*ledger)->GetCertificate(serial).ok()) << serial << " handed out, not recorded";
  }
}

}  // namespace
}  // namespace svidd::testing
