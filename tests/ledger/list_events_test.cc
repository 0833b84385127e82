// Ledger::ListEvents, by which every replica follows the revocations others record: each
// engine's query gives the same answer as walking GetEvent one seq at a time, for every range
// and kind.
#include <gtest/gtest.h>

#include <algorithm>

#include "ledger/ledger_engine.h"
#include "ledger/ledger_test_util.h"
#include "svidd/ledger/sqlite_ledger.h"

namespace svidd::ledger {
namespace {

using ::svidd::testing::EngineTest;
using ::svidd::testing::kBaseUnix;
using ::svidd::testing::MakeRecord;
using ::svidd::testing::TestSerial;

using ::svidd::testing::kBase;

std::vector<int64_t> Seqs(const absl::StatusOr<std::vector<LedgerEvent>>& events) {
  EXPECT_TRUE(events.ok()) << events.status();
  std::vector<int64_t> out;
  if (events.ok()) {
    for (const LedgerEvent& e : *events) out.push_back(e.seq);
  }
  return out;
}

// The oracle: GetEvent for each seq in the range, filtered by kind.
absl::StatusOr<std::vector<LedgerEvent>> WalkEvents(const Ledger& ledger, const EventRange& range) {
  absl::StatusOr<ChainHead> head = ledger.GetChainHead();
  if (!head.ok()) return head.status();
  std::vector<LedgerEvent> events;
  const int64_t last = std::min(head->seq, range.through_seq);
  for (int64_t seq = std::max<int64_t>(range.after_seq, 0) + 1; seq <= last; ++seq) {
    absl::StatusOr<LedgerEvent> event = ledger.GetEvent(seq);
    if (!event.ok()) return event.status();
    if (!range.kind.has_value() || event->kind == *range.kind) events.push_back(*std::move(event));
  }
  return events;
}

class ListEventsTest : public EngineTest {};

TEST_P(ListEventsTest, QueryMatchesTheDefaultWalkForEveryRange) {
  std::unique_ptr<Ledger> ledger = Open();
  ASSERT_NE(ledger, nullptr);
  // Events: 1..5 issued (serials 0-4), 6 revoked (serial 0), 7 revoked (serial 2).
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
    EXPECT_EQ(Seqs(WalkEvents(*ledger, c.range)), c.want) << "the walk";
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
}  // namespace svidd::ledger
