// RevocationWatcher follows the event log of a ledger that others write too: two ledger
// handles on one SQLite file stand for two replicas (or svidd and svidctl). A revocation
// written through either is reported once by a watcher on the other; the first poll only
// learns where the log ends; expired certificates are not reported.
#include "svidd/publish/revocation_watcher.h"

#include <gtest/gtest.h>

#include "support/ledger/temp_dir.h"
#include "svidd/common/time_format.h"
#include "svidd/ledger/sqlite_ledger.h"

namespace svidd::publish {
namespace {

using ::svidd::testing::TempDir;

const TimePoint kWatcherNow = FromUnixSeconds(1'750'000'000);

ledger::CertificateRecord Record(const std::string& serial, std::chrono::seconds ttl) {
  ledger::CertificateRecord r;
  r.serial_hex = serial;
  r.spiffe_id = "spiffe://cluster.local/ns/default/sa/web";
  r.issued_at = kWatcherNow;
  r.not_before = kWatcherNow;
  r.not_after = kWatcherNow + ttl;
  r.issuer_serial_hex = "aa";
  r.issuer_subject = "O=svidd";
  r.public_key_sha256 = std::string(64, '0');
  r.key_type = "EC-P256";
  r.auth_method = "k8s-jwt";
  r.auth_principal = "system:serviceaccount:default:web";
  r.certificate_pem = "-----BEGIN CERTIFICATE-----\n-----END CERTIFICATE-----\n";
  return r;
}

std::vector<std::string> SerialsOf(
    const absl::StatusOr<std::vector<ledger::CertificateRecord>>& records) {
  EXPECT_TRUE(records.ok()) << records.status();
  std::vector<std::string> out;
  if (records.ok()) {
    for (const ledger::CertificateRecord& r : *records) out.push_back(r.serial_hex);
  }
  return out;
}

TEST(RevocationWatcherTest, SeesRevocationsAnotherReplicaRecordsOnce) {
  TempDir dir;
  auto replica_a = ledger::OpenSqliteLedger(dir.File("ledger.db"));
  ASSERT_TRUE(replica_a.ok()) << replica_a.status();
  auto replica_b = ledger::OpenSqliteLedger(dir.File("ledger.db"));
  ASSERT_TRUE(replica_b.ok()) << replica_b.status();
  for (const char* serial : {"01", "02", "03", "04"}) {
    ASSERT_TRUE((*replica_a)->RecordIssuance(Record(serial, std::chrono::hours(1))).ok());
  }
  ASSERT_TRUE(
      (*replica_b)->RevokeCertificate("01", "before the watcher started", kWatcherNow).ok());

  FakeClock clock(kWatcherNow);
  RevocationWatcher watcher(**replica_a, clock);
  EXPECT_EQ(SerialsOf(watcher.Poll()), std::vector<std::string>{}) << "the first poll only learns";
  EXPECT_EQ(watcher.cursor(), 5);

  ASSERT_TRUE((*replica_b)->RevokeCertificate("03", "key compromise", kWatcherNow).ok());
  ASSERT_TRUE((*replica_a)->RecordIssuance(Record("05", std::chrono::hours(1))).ok());
  ASSERT_TRUE((*replica_a)->RevokeCertificate("02", "", kWatcherNow).ok());
  EXPECT_EQ(SerialsOf(watcher.Poll()), (std::vector<std::string>{"03", "02"}))
      << "both replicas' revocations, in the order recorded";
  EXPECT_EQ(SerialsOf(watcher.Poll()), std::vector<std::string>{}) << "each is reported once";
  EXPECT_EQ(watcher.cursor(), 8);
}

TEST(RevocationWatcherTest, ExpiredCertificatesAreNotReported) {
  TempDir dir;
  auto ledger = ledger::OpenSqliteLedger(dir.File("ledger.db"));
  ASSERT_TRUE(ledger.ok()) << ledger.status();
  ASSERT_TRUE((*ledger)->RecordIssuance(Record("0a", std::chrono::seconds(60))).ok());
  ASSERT_TRUE((*ledger)->RecordIssuance(Record("0b", std::chrono::hours(1))).ok());
  FakeClock clock(kWatcherNow);
  RevocationWatcher watcher(**ledger, clock);
  ASSERT_TRUE(watcher.Poll().ok());
  clock.Advance(std::chrono::minutes(2));
  ASSERT_TRUE((*ledger)->RevokeCertificate("0a", "", clock.Now()).ok());
  ASSERT_TRUE((*ledger)->RevokeCertificate("0b", "", clock.Now()).ok());
  EXPECT_EQ(SerialsOf(watcher.Poll()), std::vector<std::string>{"0b"});
}

}  // namespace
}  // namespace svidd::publish
