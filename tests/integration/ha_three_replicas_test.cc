// Issue 15's three-replica test, with the real binaries: three svidd processes on 127.0.0.1
// sharing one real PostgreSQL 15 ledger (tests/support/postgres) and one plug-in CA directory.
// Load goes through all three; one replica is SIGKILLed under load and started again, and the
// rotation stream it held moves to another replica; then PostgreSQL itself is restarted under
// load. Afterwards every certificate a client received is in the ledger exactly once, `svidctl
// --ledger URI ledger verify` passes, the moved stream was renewed exactly once, and a
// revocation by svidctl is enforced by every replica (mTLS renewal refused, the stream told,
// every replica's CRL lists it). Loopback only; every loop is bounded in time and count.
#include <gtest/gtest.h>
#include <httplib.h>
#include <openssl/x509.h>
#include <signal.h>

#include <map>
#include <set>

#include "integration/ca_client.h"
#include "integration/child_process.h"
#include "integration/replica_load.h"
#include "integration/rotation_client.h"
#include "integration/test_env.h"
#include "support/jwt/test_jwt.h"
#include "support/pki/csr_builder.h"
#include "support/pki/external_verify.h"
#include "support/postgres/postgres_server.h"
#include "svidd/common/atomic_file.h"
#include "svidd/crypto/keys.h"
#include "svidd/crypto/pem.h"
#include "svidd/crypto/x509_fields.h"
#include "svidd/ledger/certificate_filter.h"
#include "svidd/ledger/postgres_ledger.h"
#include "svidd/pki/ca_material.h"

namespace svidd::testing {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;
using svidd::v1::RenewalRequested;
using Steady = std::chrono::steady_clock;

constexpr char kMoverId[] = "spiffe://cluster.local/ns/foo/sa/mover";
constexpr char kHolderId[] = "spiffe://cluster.local/ns/foo/sa/holder";
constexpr int kReplicas = 3;
// The moved stream's certificates live this long: renewal is due 4-5 s after issuance
// (half-life minus up to 10% jitter), short enough for the test, long enough to tell "asked at
// once" from "asked at its time".
constexpr int64_t kMoverTtlSeconds = 10;

// Whether any CRL in `crls_pem` lists `leaf_pem`'s serial.
bool CrlsList(const std::string& crls_pem, const std::string& leaf_pem) {
  auto crls = crypto::ParseCrlsPem(crls_pem);
  auto leaf = crypto::ParseCertificatePem(leaf_pem);
  if (!crls.ok() || !leaf.ok()) return false;
  for (const crypto::X509CrlPtr& crl : *crls) {
    X509_REVOKED* entry = nullptr;
    if (X509_CRL_get0_by_serial(crl.get(), &entry, X509_get_serialNumber(leaf->get())) == 1) {
      return true;
    }
  }
  return false;
}

// The rotation stream that moves: its certificate, key and the CSR that made them.
struct Held {
  svidd::v1::CertificateIssued issued;
  TestCsr csr;
  ClientIdentity Identity() const {
    ClientIdentity id;
    for (int i = 0; i + 1 < issued.cert_chain_size(); ++i)
      id.cert_chain_pem += issued.cert_chain(i);
    id.key_pem = crypto::PrivateKeyToPkcs8Pem(csr.key.get()).value();
    return id;
  }
};

// Answers renewal request `renewal_id` with a fresh key for `id`, asking for `ttl_seconds`;
// the certificate, or nullopt.
std::optional<Held> Answer(RotationTestClient& stream, uint64_t renewal_id, const char* id,
                           int64_t ttl_seconds) {
  Held held{{}, BuildIstioCsr(id).value()};
  if (!stream.SendCsr(held.csr.pem, renewal_id, ttl_seconds)) return std::nullopt;
  std::optional<svidd::v1::RotateResponse> reply = stream.NextNonBundle();
  if (!reply.has_value() || !reply->has_issued()) {
    ADD_FAILURE() << "expected CertificateIssued, got "
                  << (reply.has_value() ? reply->ShortDebugString() : "end of stream");
    return std::nullopt;
  }
  held.issued = reply->issued();
  return held;
}

class HaThreeReplicasTest : public ::testing::Test {
 protected:
  void SetUp() override {
    // A server of its own (the test restarts it); the run's shared one is never restarted.
    auto pg = PostgresServer::Start();
    ASSERT_TRUE(pg.ok()) << pg.status();  // fail, never skip
    postgres_ = std::move(*pg);
    auto uri = postgres_->CreateDatabase();
    ASSERT_TRUE(uri.ok()) << uri.status();
    uri_ = *uri;
    key_ = MakeRs256Key("k1").value();
    jwks_ = dir_.path() / "jwks.json";
    ASSERT_TRUE(WriteFileAtomically(jwks_, JwksJson({&key_})).ok());
    // One plug-in CA for all replicas, as every pod mounts the one cacerts Secret.
    auto ca = BootstrapCa(pki::CaBootstrapOptions{}, SystemClock::Instance().Now());
    ASSERT_TRUE(ca.ok()) << ca.status();
    ASSERT_TRUE(WriteIstioCaDir(CaDir(), *ca).ok());
    root_pem_ = ReadFileToString(CaDir() / "root-cert.pem").value();
    // All three at once, as a Deployment's pods start: they migrate the fresh database
    // together (under the migration lock).
    for (int i = 0; i < kReplicas; ++i) Spawn(i);
    for (int i = 0; i < kReplicas; ++i) {
      ASSERT_NE(WaitForPort(i), 0) << replicas_[i]->log();
    }
  }

  void TearDown() override {
    for (int i = 0; i < kReplicas; ++i) {
      if (replicas_[i] == nullptr) continue;
      replicas_[i]->StopWith(SIGTERM);
      if (HasFailure()) {
        const std::string log = replicas_[i]->log();
        std::cout << "---- replica " << i << "'s log, the end:\n"
                  << log.substr(log.size() > 4000 ? log.size() - 4000 : 0) << "\n";
      }
    }
  }

  std::filesystem::path CaDir() const { return dir_.path() / "cacerts"; }
  std::filesystem::path PortFile(int i) const {
    return dir_.path() / ("port-" + std::to_string(i));
  }

  // Starts replica `i` (again): its own data directory, the shared ledger and CA.
  void Start(int i) {
    Spawn(i);
    WaitForPort(i);
  }
  // Starts its process; the port is known once it serves (WaitForPort).
  void Spawn(int i) {
    std::filesystem::remove(PortFile(i));
    crl_ports_[i] = FreeLoopbackPort();
    const std::vector<std::string> argv = {
        SVIDD_BINARY, "--data-dir", (dir_.path() / ("data-" + std::to_string(i))).string(),
        "--ledger", uri_, "--ca-dir", CaDir().string(), "--listen", "127.0.0.1:0", "--port-file",
        PortFile(i).string(), "--crl-listen", "127.0.0.1:" + std::to_string(crl_ports_[i]),
        "--jwks-file", jwks_.string(), "--jwt-issuer", kTestIssuer,
        // The load is one identity at full speed: no rate limit in the way.
        "--max-issuance-per-identity-per-second", "0", "--max-issuance-per-second", "0"};
    replicas_[i] = std::make_unique<ChildProcess>(
        argv,
        dir_.path() / ("svidd-" + std::to_string(i) + "-" + std::to_string(++starts_) + ".log"));
  }

  int WaitForPort(int i) {
    ports_.Set(i, WaitForPortFile(PortFile(i), *replicas_[i]));
    return ports_.Get(i);
  }

  std::string Token(const std::string& sa) const {
    TokenSpec spec;
    spec.issuer = kTestIssuer;
    spec.ns = "foo";
    spec.sa = sa;
    spec.iat = SystemClock::Instance().Now();
    return MintToken(key_, spec);
  }

  std::shared_ptr<grpc::Channel> Channel(int i, const ClientIdentity* client = nullptr) const {
    return MakeCaChannel(ports_.Get(i), root_pem_, client);
  }

  CommandResult Svidctl(std::vector<std::string> args) const {
    args.insert(args.begin(), {SVIDCTL_BINARY, "--ledger", uri_, "--ca-dir", CaDir().string()});
    return RunCommand(args);
  }

  // GET /ca-crl.pem from replica `i`'s CRL endpoint; "" if it does not answer.
  std::string FetchCrls(int i) const {
    httplib::Client client("127.0.0.1", crl_ports_[i]);
    client.set_connection_timeout(seconds(2));
    client.set_read_timeout(seconds(2));
    httplib::Result res = client.Get("/ca-crl.pem");
    return res && res->status == 200 ? res->body : "";
  }

  TempDir dir_;
  std::unique_ptr<PostgresServer> postgres_;
  std::string uri_;
  TestSigningKey key_;
  std::filesystem::path jwks_;
  std::string root_pem_;
  std::unique_ptr<ChildProcess> replicas_[kReplicas];
  ReplicaPorts ports_{kReplicas};
  int crl_ports_[kReplicas] = {};
  int starts_ = 0;
};

TEST_F(HaThreeReplicasTest, NothingLostDuplicatedOrUnrevokedThroughAReplicaKillAndADbRestart) {
  const auto test_started = Steady::now();
  // Where the time goes, in the test's output (CI runs this on 2 cores).
  auto mark = [&](const char* what) {
    std::cout << "["
              << std::chrono::duration_cast<milliseconds>(Steady::now() - test_started).count()
              << " ms] " << what << "\n";
  };
  // A rotation stream on replica 1, the one that will be killed: its first certificate.
  auto on_1 = std::make_unique<RotationTestClient>(Channel(1), Token("mover"), seconds(60));
  std::optional<svidd::v1::RotateResponse> m = on_1->NextNonBundle();
  ASSERT_TRUE(m.has_value() && m->has_renewal_requested());
  const auto first_asked = Steady::now();  // it is issued after this
  std::optional<Held> first =
      Answer(*on_1, m->renewal_requested().renewal_id(), kMoverId, kMoverTtlSeconds);
  ASSERT_TRUE(first.has_value());

  ReplicaLoad load(ports_, root_pem_, Token("bar"), ReplicaLoad::Limits{3, 30000, seconds(120)});
  ASSERT_TRUE(load.WaitForMore(60, seconds(60))) << "no load got through";
  mark("load through the replicas");

  // Replica 1 SIGKILLed under load: the others keep issuing, its stream breaks.
  ASSERT_EQ(replicas_[1]->StopWith(SIGKILL), -1) << "not killed";
  ports_.Set(1, 0);
  EXPECT_FALSE(on_1->NextNonBundle().has_value()) << "the killed replica's stream lives";
  on_1.reset();
  mark("replica 1 killed");

  // The workload reconnects through the Service and lands on replica 2, presenting the
  // certificate replica 1 gave it. Not twice: replica 2 does not re-issue at open; not never:
  // it asks at the certificate's renewal time (half-life from issuance, minus jitter).
  const ClientIdentity me = first->Identity();
  RotationTestClient on_2(Channel(2, &me), "", seconds(90));
  std::optional<svidd::v1::RotateResponse> asked = on_2.NextNonBundle();
  const auto asked_at = Steady::now();
  ASSERT_TRUE(asked.has_value() && asked->has_renewal_requested())
      << (asked.has_value() ? asked->ShortDebugString() : "end of stream");
  EXPECT_EQ(asked->renewal_requested().reason(), RenewalRequested::SCHEDULED);
  // Due at half-life from issuance minus at most 10% jitter, issuance counted in the ledger's
  // whole seconds: no earlier than 40% of the lifetime, less a second, after it was asked for.
  EXPECT_GE(asked_at - first_asked, milliseconds(kMoverTtlSeconds * 400 - 1000))
      << "renewed at once on the new replica: twice";
  EXPECT_LT(asked_at - first_asked, seconds(kMoverTtlSeconds)) << "not renewed in time";
  // An hour this time: nothing more is due before the end of the test.
  std::optional<Held> second =
      Answer(on_2, asked->renewal_requested().renewal_id(), kMoverId, 3600);
  ASSERT_TRUE(second.has_value());
  mark("the moved stream renewed on replica 2");

  Start(1);  // the killed replica comes back on the same ledger
  ASSERT_NE(ports_.Get(1), 0) << replicas_[1]->log();
  ASSERT_TRUE(load.WaitForMoreFrom(1, 20, seconds(60))) << "the restarted replica issues nothing";
  mark("replica 1 restarted and issuing");

  // PostgreSQL restarted under load: calls fail meanwhile, then issuance resumes by itself.
  ASSERT_TRUE(postgres_->Restart().ok());
  mark("PostgreSQL restarted");
  const bool resumed = load.WaitForMore(60, seconds(60));
  const ReplicaLoad::Outcome outcome = load.Stop();
  std::cout << "load: " << outcome.Summary() << "\n";
  ASSERT_TRUE(resumed) << "issuance did not resume after the restart";
  mark("issuance resumed");
  for (int i = 0; i < kReplicas; ++i) EXPECT_GT(outcome.ok_by_replica[i], 0u) << "replica " << i;
  for (const auto& [code, n] : outcome.refused) {
    EXPECT_EQ(code, grpc::StatusCode::UNAVAILABLE) << n << " call(s) refused with " << code;
  }

  // Every certificate a client received is in the ledger exactly once: one row (the serial
  // is unique) and one `issued` event.
  auto ledger = ledger::OpenPostgresLedger(uri_, {.read_only = true});
  ASSERT_TRUE(ledger.ok()) << ledger.status();
  std::vector<std::string> received = outcome.serials;
  received.push_back(first->issued.serial());
  received.push_back(second->issued.serial());
  EXPECT_EQ(std::set<std::string>(received.begin(), received.end()).size(), received.size())
      << "a serial was handed out twice";
  auto issued = (*ledger)->ListEvents({0, INT64_MAX, ledger::EventKind::kIssued});
  ASSERT_TRUE(issued.ok()) << issued.status();
  std::map<std::string, int> events_per_serial;
  for (const ledger::LedgerEvent& e : *issued) ++events_per_serial[e.serial_hex];
  for (const std::string& serial : received) {
    EXPECT_EQ(events_per_serial[serial], 1) << serial;
    auto row = (*ledger)->GetCertificate(serial);
    EXPECT_TRUE(row.ok()) << serial << " handed out, not recorded: " << row.status();
  }
  // The moved stream was renewed once: two certificates for it, the second replacing the first.
  ledger::CertificateFilter mover;
  mover.spiffe_id = kMoverId;
  EXPECT_EQ((*ledger)->CountCertificates(mover).value(), 2);
  EXPECT_EQ((*ledger)->GetCertificate(second->issued.serial())->supersedes_serial_hex,
            first->issued.serial());

  // The shared chain and its checkpoints verify.
  mark("every certificate received is in the ledger once");
  CommandResult verify = Svidctl({"ledger", "verify"});
  EXPECT_EQ(verify.exit_code, 0) << verify.out << verify.err;
  mark("svidctl ledger verify");

  // A workload on replica 0 holds a certificate; svidctl revokes it; every replica enforces
  // that at once: its CRL lists it, mTLS renewal with it is refused, and the stream holding
  // it is asked for a new one.
  RotationTestClient holder(Channel(0), Token("holder"), seconds(60));
  std::optional<svidd::v1::RotateResponse> initial = holder.NextNonBundle();
  ASSERT_TRUE(initial.has_value() && initial->has_renewal_requested());
  std::optional<Held> held =
      Answer(holder, initial->renewal_requested().renewal_id(), kHolderId, 3600);
  ASSERT_TRUE(held.has_value());
  const std::string revoked_leaf = held->issued.cert_chain(0);
  CommandResult revoke =
      Svidctl({"certs", "revoke", held->issued.serial(), "--reason", "keyCompromise"});
  ASSERT_EQ(revoke.exit_code, 0) << revoke.out << revoke.err;
  const auto revoked_at = Steady::now();
  // Each replica's CRL endpoint lists it within about two seconds (polled, bounded).
  for (int i = 0; i < kReplicas; ++i) {
    std::string crls;
    for (int poll = 0; poll < 200 && !CrlsList(crls, revoked_leaf); ++poll) {
      if (poll > 0) std::this_thread::sleep_for(milliseconds(25));
      crls = FetchCrls(i);
    }
    ASSERT_TRUE(CrlsList(crls, revoked_leaf)) << "replica " << i << "'s CRL does not list it";
    EXPECT_LT(Steady::now() - revoked_at, seconds(3)) << "replica " << i << " was slow";
    // openssl, as a relying party, refuses the certificate with that CRL.
    const auto& chain = held->issued.cert_chain();
    EXPECT_FALSE(OpensslVerifyWithCrl(chain[0], {chain[1]}, chain[2], crls).ok())
        << "replica " << i;
  }
  mark("every replica's CRL lists the revoked certificate");
  // The stream holding it, on replica 0, is asked for a new certificate.
  std::optional<svidd::v1::RotateResponse> reissue = holder.NextNonBundle();
  ASSERT_TRUE(reissue.has_value() && reissue->has_renewal_requested())
      << (reissue.has_value() ? reissue->ShortDebugString() : "end of stream");
  EXPECT_EQ(reissue->renewal_requested().reason(), RenewalRequested::REVOKED);
  // mTLS renewal with it is refused by each replica.
  const ClientIdentity revoked = held->Identity();
  for (int i = 0; i < kReplicas; ++i) {
    istio::v1::auth::IstioCertificateResponse response;
    grpc::Status status = CallCreateCertificate(
        Channel(i, &revoked), BuildIstioCsr(kHolderId).value().pem, 0, "", &response);
    EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAUTHENTICATED)
        << "replica " << i << ": " << status.error_message();
  }
  mark("the revocation enforced by every replica");
}

}  // namespace
}  // namespace svidd::testing
