// The CA manager driven by a fake clock over a real data directory and a real SQLite
// ledger: bootstrap and reuse, intermediate rotation on SPIRE's schedule, recovery from an
// interrupted activation, a whole root rotation, and the watch of CAs svidd does not manage.
#include "svidd/ca/ca_manager.h"

#include <gtest/gtest.h>
#include <openssl/err.h>
#include <sys/stat.h>

#include <fstream>
#include <set>

#include "svidd/common/atomic_file.h"
#include "svidd/crypto/pem.h"
#include "svidd/crypto/x509_fields.h"
#include "svidd/ledger/sqlite_ledger.h"

namespace svidd::ca {
namespace {

namespace fs = std::filesystem;
using std::chrono::hours;
using std::chrono::minutes;
using std::chrono::seconds;

class CaManagerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char pattern[] = "/tmp/svidd-ca-manager-XXXXXX";
    ASSERT_NE(::mkdtemp(pattern), nullptr);
    dir_ = pattern;
    auto ledger = ledger::OpenSqliteLedger(dir_ / "ledger.db");
    ASSERT_TRUE(ledger.ok()) << ledger.status();
    ledger_ = std::move(*ledger);
    options_.data_dir = dir_;
    options_.trust_domain = "example.org";
    options_.ca_ttl = hours(60);  // prepare at 30h, activate at 50h
    options_.root_ttl = hours(24 * 365);
    options_.max_leaf_ttl = hours(10);
  }
  void TearDown() override {
    ledger_.reset();
    fs::remove_all(dir_);
  }

  std::unique_ptr<CaManager> Open() {
    auto manager = CaManager::Open(options_, *ledger_, clock_, metrics_);
    EXPECT_TRUE(manager.ok()) << manager.status();
    return manager.ok() ? std::move(*manager) : nullptr;
  }

  // Each Tick at `at`; returns whether it reported a change.
  bool TickAt(CaManager& manager, TimePoint at) {
    clock_.Set(at);
    auto changed = manager.Tick();
    EXPECT_TRUE(changed.ok()) << changed.status();
    return changed.ok() && *changed;
  }

  std::set<std::string> BundleSerials(const pki::Authority& a) {
    std::set<std::string> out;
    for (const crypto::X509Ptr& r : a.roots()) out.insert(crypto::SerialHex(r.get()));
    return out;
  }

  // The invariant of every state: the active signer chains to a root in its own bundle.
  void ExpectSignerUnderPublishedRoot(const pki::Authority& a) {
    bool found = false;
    for (const crypto::X509Ptr& r : a.roots()) {
      EVP_PKEY* key = X509_get0_pubkey(r.get());
      found = found || X509_verify(const_cast<X509*>(a.signing_cert()), key) == 1;
    }
    ERR_clear_error();
    EXPECT_TRUE(found) << "active CA " << a.signer_serial_hex() << " is not under a published root";
  }

  fs::path dir_;
  FakeClock clock_{SystemClock::Instance().Now()};
  std::unique_ptr<ledger::Ledger> ledger_;
  metrics::ServerMetrics metrics_;
  CaManagerOptions options_;
};

TEST_F(CaManagerTest, FirstOpenBootstrapsAndRecordsLaterOpensReuse) {
  std::string signer;
  {
    auto manager = Open();
    ASSERT_NE(manager, nullptr);
    EXPECT_EQ(manager->Status().mode, CaMode::kSelfManaged);
    signer = manager->active()->signer_serial_hex();
    struct stat st;
    ASSERT_EQ(::stat((dir_ / "root" / "root-key.pem").c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 0777, 0600u);
    ASSERT_EQ(::stat((dir_ / "ca" / "ca-key.pem").c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 0777, 0600u);
    auto record = ledger_->GetCertificate(signer);
    ASSERT_TRUE(record.ok()) << "the intermediate is on record";
    EXPECT_EQ(record->kind, ledger::CertKind::kIntermediate);
    EXPECT_EQ(crypto::NotAfter(manager->active()->signing_cert()) -
                  crypto::NotBefore(manager->active()->signing_cert()),
              hours(60) + minutes(2));
  }
  auto again = Open();
  ASSERT_NE(again, nullptr);
  EXPECT_EQ(again->active()->signer_serial_hex(), signer);
}

TEST_F(CaManagerTest, IntermediateIsPreparedAtHalfLifeAndActivatedWithASixthLeft) {
  auto manager = Open();
  ASSERT_NE(manager, nullptr);
  int notified = 0;
  manager->SetListener([&] { ++notified; });
  const auto first = manager->active();
  // Its life counts from its issuance (on record), not from its backdated NotBefore.
  const TimePoint nb = ledger_->GetCertificate(first->signer_serial_hex()).value().issued_at;
  const TimePoint na = first->not_after();
  ASSERT_EQ(nb, crypto::NotBefore(first->signing_cert()) + minutes(2));
  ASSERT_EQ(pki::PrepareNextAt(nb, na), nb + hours(30));
  ASSERT_EQ(pki::ActivateNextAt(nb, na), nb + hours(50));

  EXPECT_FALSE(TickAt(*manager, pki::PrepareNextAt(nb, na) - seconds(1)));
  EXPECT_EQ(manager->Status().next, nullptr);
  EXPECT_TRUE(TickAt(*manager, pki::PrepareNextAt(nb, na)));
  auto next = manager->Status().next;
  ASSERT_NE(next, nullptr);
  EXPECT_EQ(manager->active(), first) << "prepared, not yet signing";
  EXPECT_TRUE(fs::exists(dir_ / "ca-next" / "ca-cert.pem"));
  EXPECT_TRUE(ledger_->GetCertificate(next->signer_serial_hex()).ok())
      << "on record before anyone can see it";

  EXPECT_FALSE(TickAt(*manager, pki::ActivateNextAt(nb, na) - seconds(1)));
  EXPECT_TRUE(TickAt(*manager, pki::ActivateNextAt(nb, na)));
  EXPECT_EQ(manager->active()->signer_serial_hex(), next->signer_serial_hex());
  ExpectSignerUnderPublishedRoot(*manager->active());
  EXPECT_FALSE(fs::exists(dir_ / "ca-next"));
  EXPECT_EQ(notified, 2);
  // The retired one still signs CRLs for its leaves, then is forgotten.
  ASSERT_EQ(manager->signers().size(), 2u);
  EXPECT_EQ(manager->signers()[1]->signer_serial_hex(), first->signer_serial_hex());
  TickAt(*manager, pki::ActivateNextAt(nb, na) + options_.max_leaf_ttl + minutes(6));
  EXPECT_EQ(manager->signers().size(), 1u);
  // And a restart picks up the new one.
  manager.reset();
  EXPECT_EQ(Open()->active()->signer_serial_hex(), next->signer_serial_hex());
}

// A directory svidd cannot use must not end the process from the maintenance thread: the
// filesystem errors come back as statuses, or (clean-up after a step took effect) are logged.
// A symlink loop (ELOOP) stands in for EACCES, which root, who runs these tests here, never
// gets; std::filesystem's throwing overloads throw for both.
TEST_F(CaManagerTest, FilesystemErrorsAreReportedNotThrown) {
  auto manager = Open();
  ASSERT_NE(manager, nullptr);
  const auto first = manager->active();
  const TimePoint nb = ledger_->GetCertificate(first->signer_serial_hex()).value().issued_at;
  const TimePoint activate = pki::ActivateNextAt(nb, first->not_after());
  EXPECT_TRUE(TickAt(*manager, activate));  // prepares and activates; the first is retired
  ASSERT_EQ(manager->signers().size(), 2u);
  // ca-retired/ becomes a link to itself: removing the retired signer's files fails.
  fs::rename(dir_ / "ca-retired", dir_ / "ca-retired-moved");
  fs::create_directory_symlink("ca-retired", dir_ / "ca-retired");
  clock_.Set(activate + options_.max_leaf_ttl + minutes(6));
  absl::StatusOr<bool> pruned = absl::UnknownError("not run");
  EXPECT_NO_THROW(pruned = manager->Tick());
  ASSERT_TRUE(pruned.ok()) << pruned.status();
  EXPECT_TRUE(*pruned);
  EXPECT_EQ(manager->signers().size(), 1u) << "the signer is forgotten; only its files remain";
  // A prepared-CA directory that cannot even be looked at stops Open with a status naming it.
  manager.reset();
  fs::create_directory_symlink("ca-next", dir_ / "ca-next");
  absl::StatusOr<std::unique_ptr<CaManager>> reopened = absl::UnknownError("not run");
  EXPECT_NO_THROW(reopened = CaManager::Open(options_, *ledger_, clock_, metrics_));
  ASSERT_FALSE(reopened.ok());
  EXPECT_NE(reopened.status().message().find("ca-next"), std::string::npos) << reopened.status();
}

TEST_F(CaManagerTest, DownAcrossBothMomentsPreparesAndActivatesInOnePass) {
  auto manager = Open();
  const auto first = manager->active();
  EXPECT_TRUE(TickAt(*manager, first->not_after() + hours(1)));  // even after it expired
  EXPECT_NE(manager->active()->signer_serial_hex(), first->signer_serial_hex());
  EXPECT_GT(manager->active()->not_after(), clock_.Now());
}

TEST_F(CaManagerTest, AnInterruptedActivationIsFinishedOnOpen) {
  std::string prepared;
  {
    auto manager = Open();
    const auto a = manager->active();
    TickAt(*manager, pki::PrepareNextAt(ledger_->GetCertificate(a->signer_serial_hex())->issued_at,
                                        a->not_after()));
    ASSERT_NE(manager->Status().next, nullptr);
    prepared = manager->Status().next->signer_serial_hex();
  }
  // As if the process died halfway through writing ca/ from ca-next/.
  ASSERT_TRUE(WriteFileAtomically(dir_ / "ca" / "ca-key.pem",
                                  ReadFileToString(dir_ / "ca-next" / "ca-key.pem").value(), 0600)
                  .ok());
  auto manager = Open();
  ASSERT_NE(manager, nullptr);
  EXPECT_EQ(manager->active()->signer_serial_hex(), prepared);
  EXPECT_FALSE(fs::exists(dir_ / "ca-next"));
}

TEST_F(CaManagerTest, RootRotationPublishesFirstSwitchesLaterDropsLast) {
  auto manager = Open();
  const TimePoint t0 = clock_.Now();
  const std::string old_root = *BundleSerials(*manager->active()).begin();
  const std::string old_signer = manager->active()->signer_serial_hex();

  ASSERT_TRUE(manager->RequestRootRotation().ok());
  EXPECT_EQ(manager->RequestRootRotation().code(), absl::StatusCode::kFailedPrecondition);
  // Phase 1: both roots published, signing unchanged.
  EXPECT_EQ(manager->Status().root_phase, pki::RootPhase::kPublished);
  EXPECT_EQ(BundleSerials(*manager->active()).size(), 2u);
  EXPECT_EQ(manager->active()->signer_serial_hex(), old_signer);
  EXPECT_EQ(
      crypto::ParseCertificatesPem(ReadFileToString(dir_ / "ca" / "root-cert.pem").value())->size(),
      2u);

  // Phase 2: after the bundle had time to reach everyone, an intermediate under the new root.
  EXPECT_FALSE(TickAt(*manager, t0 + options_.max_leaf_ttl - seconds(1)));
  EXPECT_TRUE(TickAt(*manager, t0 + options_.max_leaf_ttl));
  EXPECT_EQ(manager->Status().root_phase, pki::RootPhase::kSwitched);
  EXPECT_NE(manager->active()->signer_serial_hex(), old_signer);
  ExpectSignerUnderPublishedRoot(*manager->active());
  EXPECT_EQ(BundleSerials(*manager->active()).size(), 2u) << "old root kept for its dependents";
  EXPECT_NE(crypto::SerialHex(pki::LoadRootCaDir(dir_ / "root")->cert.get()), old_root);

  // Phase 3: the old intermediate (under the old root) expires; then the old root goes.
  const TimePoint old_expiry = ledger_->GetCertificate(old_signer)->not_after;
  EXPECT_FALSE(TickAt(*manager, old_expiry) &&
               manager->Status().root_phase == pki::RootPhase::kSteady);
  TickAt(*manager, old_expiry + seconds(1));
  EXPECT_EQ(manager->Status().root_phase, pki::RootPhase::kSteady);
  EXPECT_EQ(BundleSerials(*manager->active()).count(old_root), 0u);
  EXPECT_EQ(BundleSerials(*manager->active()).size(), 1u);
  ExpectSignerUnderPublishedRoot(*manager->active());
  auto retired = crypto::ParseCertificatesPem(ReadFileToString(dir_ / "retired-roots.pem").value());
  ASSERT_TRUE(retired.ok());
  ASSERT_EQ(retired->size(), 1u) << "kept so old ledger checkpoints still verify";
  EXPECT_EQ(crypto::SerialHex(retired->front().get()), old_root);
}

// A crash between writing ca/ (signed by the new root) and replacing root/: the next Open
// finishes the switch, and the old root leaves the bundle when its last dependent expires,
// exactly as after an uninterrupted switch (not a whole root lifetime later).
TEST_F(CaManagerTest, AnInterruptedRootSwitchKeepsTheOldRootOnlyForItsDependents) {
  auto manager = Open();
  const TimePoint t0 = clock_.Now();
  const std::string old_root = *BundleSerials(*manager->active()).begin();
  const std::string old_signer = manager->active()->signer_serial_hex();
  ASSERT_TRUE(manager->RequestRootRotation().ok());
  const fs::path before = dir_ / "before-switch";
  fs::create_directories(before);
  fs::copy(dir_ / "root", before / "root", fs::copy_options::recursive);
  fs::copy(dir_ / "root-next", before / "root-next", fs::copy_options::recursive);
  fs::copy_file(dir_ / "ca-state.json", before / "ca-state.json");
  ASSERT_TRUE(TickAt(*manager, t0 + options_.max_leaf_ttl));
  ASSERT_EQ(manager->Status().root_phase, pki::RootPhase::kSwitched);
  manager.reset();

  // The files as the crash left them: ca/ already under the new root, root/ still the old one.
  fs::remove_all(dir_ / "root");
  fs::rename(before / "root", dir_ / "root");
  fs::rename(before / "root-next", dir_ / "root-next");
  fs::copy_file(before / "ca-state.json", dir_ / "ca-state.json",
                fs::copy_options::overwrite_existing);
  manager = Open();
  ASSERT_NE(manager, nullptr);
  EXPECT_EQ(manager->Status().root_phase, pki::RootPhase::kSwitched);
  EXPECT_EQ(BundleSerials(*manager->active()).count(old_root), 1u);
  ExpectSignerUnderPublishedRoot(*manager->active());

  const TimePoint old_expiry = ledger_->GetCertificate(old_signer)->not_after;
  TickAt(*manager, old_expiry + seconds(1));
  EXPECT_EQ(manager->Status().root_phase, pki::RootPhase::kSteady);
  EXPECT_EQ(BundleSerials(*manager->active()).count(old_root), 0u);
}

TEST_F(CaManagerTest, OperatorCaIsWatchedAndOnlyValidChangesApply) {
  fs::path ca_dir = dir_ / "cacerts";
  pki::CaBootstrapOptions bootstrap;
  ASSERT_TRUE(WriteIstioCaDir(ca_dir, BootstrapCa(bootstrap, clock_.Now()).value()).ok());
  options_.operator_ca_dir = ca_dir;
  auto manager = Open();
  ASSERT_NE(manager, nullptr);
  EXPECT_EQ(manager->Status().mode, CaMode::kOperator);
  EXPECT_EQ(manager->RequestRootRotation().code(), absl::StatusCode::kFailedPrecondition);
  const std::string first = manager->active()->signer_serial_hex();
  EXPECT_FALSE(TickAt(*manager, clock_.Now()));

  // A broken change (key of another CA) is refused; the old CA keeps signing.
  pki::CaMaterial other = BootstrapCa(bootstrap, clock_.Now()).value();
  ASSERT_TRUE(WriteFileAtomically(ca_dir / "ca-key.pem",
                                  crypto::PrivateKeyToPkcs8Pem(other.signing_key.get()).value(),
                                  0600)
                  .ok());
  EXPECT_FALSE(TickAt(*manager, clock_.Now()));
  EXPECT_EQ(manager->active()->signer_serial_hex(), first);

  // A whole new CA is applied without a restart — once it is valid by this clock: one that
  // starts in the future is retried every tick, with no further change to the files.
  pki::CaBootstrapOptions later;
  pki::CaMaterial future = BootstrapCa(later, clock_.Now() + hours(1)).value();
  ASSERT_TRUE(WriteIstioCaDir(ca_dir, future).ok());
  EXPECT_FALSE(TickAt(*manager, clock_.Now()));
  EXPECT_TRUE(TickAt(*manager, clock_.Now() + hours(1)));
  EXPECT_EQ(manager->active()->signer_serial_hex(), crypto::SerialHex(future.signing_cert.get()));
  ASSERT_TRUE(WriteIstioCaDir(ca_dir, other).ok());
  EXPECT_TRUE(TickAt(*manager, clock_.Now()));
  EXPECT_EQ(manager->active()->signer_serial_hex(), crypto::SerialHex(other.signing_cert.get()));
  EXPECT_FALSE(fs::exists(dir_ / "root")) << "svidd never writes an operator's CA";
}

TEST_F(CaManagerTest, CaWithoutItsRootKeyIsImportedAndNotRotated) {
  { ASSERT_NE(Open(), nullptr); }
  fs::remove_all(dir_ / "root");
  auto manager = Open();
  ASSERT_NE(manager, nullptr);
  EXPECT_EQ(manager->Status().mode, CaMode::kImported);
  const auto a = manager->active();
  EXPECT_FALSE(
      TickAt(*manager, pki::PrepareNextAt(crypto::NotBefore(a->signing_cert()), a->not_after())));
  EXPECT_EQ(manager->RotateIntermediateNow().code(), absl::StatusCode::kFailedPrecondition);
}

TEST_F(CaManagerTest, RotateIntermediateNowReplacesTheSignerAtOnce) {
  auto manager = Open();
  const std::string first = manager->active()->signer_serial_hex();
  ASSERT_TRUE(manager->RotateIntermediateNow().ok());
  EXPECT_NE(manager->active()->signer_serial_hex(), first);
  ExpectSignerUnderPublishedRoot(*manager->active());
}

}  // namespace
}  // namespace svidd::ca
