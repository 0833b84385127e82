// Ledger::ListEvents, by which every replica follows the revocations others record: each
// engine's query and the interface's default (GetEvent one seq at a time) give the same answer
// for every range and kind.
#include <gtest/gtest.h>

#include "ledger/ledger_engine.h"
#include "ledger/ledger_test_util.h"
#include "svidd/ledger/sqlite_ledger.h"

namespace svidd {
namespace {

using ::svidd::testing::EngineTest;
using ::svidd::testing::kBaseUnix;
using ::svidd::testing::MakeRecord;
using ::svidd::testing::TestSerial;

const TimePoint kBase = FromUnixSeconds(kBaseUnix);

std::vector<int64_t> Seqs(const absl::StatusOr<std::vector<LedgerEvent>>& events) {
  EXPECT_TRUE(events.ok()) << events.status();
  std::vector<int64_t> out;
  if (events.ok()) {
    for (const LedgerEvent& e : *events) out.push_back(e.seq);
  }
  return out;
}

class ListEventsTest : public EngineTest {};

TEST_P(ListEventsTest, QueryMatchesTheDefaultWalkForEveryRange) {
  std::unique_ptr<Ledger> ledger = Open();
  ASSERT_NE(ledger, nullptr);
  // Events: 1..4 issued, 5 revoked(00), 6 issued, 7 revoked(02).
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(ledger->RecordIssuance(MakeRecord(TestSerial(i))).ok());
  ASSERT_TRUE(ledger->RevokeCertificate(TestSerial(0), "key compromise", kBase).ok());
  ASSERT_TRUE(ledger->RevokeCertificate(TestSerial(2), "", kBase).ok());
  ASSERT_EQ(ledger->GetChainHead()->seq, 7);

  struct Case {
    const char* name;
    EventRange range;
    std::vector<int64_t> want;
  } cases[] = {
      {"everything", {}, {1, 2, 3, 4, 5, 6, 7}},
      {"after 4", {4}, {5, 6, 7}},
      {"after 4 through 6", {4, 6}, {5, 6}},
      {"revocations", {0, INT64_MAX, EventKind::kRevoked}, {6, 7}},
      {"revocations after 6", {6, INT64_MAX, EventKind::kRevoked}, {7}},
      {"issuances through 3", {0, 3, EventKind::kIssued}, {1, 2, 3}},
      {"after the head", {7}, {}},
      {"empty range", {5, 5}, {}},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    EXPECT_EQ(Seqs(ledger->ListEvents(c.range)), c.want);
    EXPECT_EQ(Seqs(ledger->Ledger::ListEvents(c.range)), c.want) << "the interface's default";
  }
  auto revoked = ledger->ListEvents({0, INT64_MAX, EventKind::kRevoked}).value();
  ASSERT_EQ(revoked.size(), 2u);
  EXPECT_EQ(revoked[0].serial_hex, TestSerial(0));
  EXPECT_EQ(revoked[1].serial_hex, TestSerial(2));
  LedgerEvent single = ledger->GetEvent(revoked[0].seq).value();
  EXPECT_EQ(revoked[0].hash, single.hash);
  EXPECT_EQ(revoked[0].prev_hash, single.prev_hash);
  EXPECT_EQ(revoked[0].content_sha256, single.content_sha256);
}

SVIDD_INSTANTIATE_FOR_EVERY_ENGINE(ListEventsTest);

}  // namespace
}  // namespace svidd
