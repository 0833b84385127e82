#include "ledger/chain_walker.h"

#include "absl/strings/str_cat.h"
#include "svidd/common/status_macros.h"
#include "svidd/common/time_format.h"
#include "svidd/ledger/event_chain.h"

namespace svidd::ledger::internal {
namespace {

constexpr char kEvents[] = "ledger_events";
constexpr char kCertificates[] = "certificates";

// The digest the certificates row gives today for what `event` vouches for.
absl::StatusOr<std::string> CurrentDigest(const LedgerEvent& event, const CertificateRecord& row) {
  if (event.kind == EventKind::kIssued) return IssuanceDigest(row);
  return RevocationDigest(row.serial_hex, row.revoked_at.value_or(TimePoint{}),
                          row.revocation_reason);
}

}  // namespace

LedgerBreak MakeBreak(BreakKind kind, const char* where, int64_t row, int64_t event_seq,
                      std::string serial_hex, std::string detail) {
  return LedgerBreak{kind, where, row, event_seq, std::move(serial_hex), std::move(detail)};
}

ChainWalker::ChainWalker(ChainSnapshot& snapshot, std::optional<int64_t> first_duplicate,
                         ChainHead start)
    : snapshot_(snapshot), first_duplicate_(first_duplicate), head_(std::move(start)) {}

LedgerBreak ChainWalker::Unreadable(int64_t seq, std::string_view why) const {
  return MakeBreak(BreakKind::kEventEdited, kEvents, seq, seq, "",
                   absl::StrCat("the event cannot be read: ", std::string(why)));
}

absl::StatusOr<std::optional<LedgerBreak>> ChainWalker::Next(const LedgerEvent& e) {
  if (std::optional<LedgerBreak> gap = CheckPosition(e)) return gap;
  absl::StatusOr<std::string> recomputed = EventHash(e);
  const bool self_consistent = recomputed.ok() && *recomputed == e.hash;
  SVIDD_ASSIGN_OR_RETURN(std::optional<LedgerBreak> link, CheckLink(e, self_consistent));
  if (link.has_value()) return link;
  if (!self_consistent) {
    return MakeBreak(BreakKind::kEventEdited, kEvents, e.seq, e.seq, e.serial_hex,
                     "the event's stored hash does not match its fields: the row was edited");
  }
  if (first_duplicate_ == e.seq) {
    return MakeBreak(
        BreakKind::kDuplicateEvent, kEvents, e.seq, e.seq, e.serial_hex,
        absl::StrCat("a second ", EventKindName(e.kind), " event for serial ", e.serial_hex));
  }
  SVIDD_ASSIGN_OR_RETURN(std::optional<LedgerBreak> content, CheckContent(e));
  if (content.has_value()) return content;
  head_ = ChainHead{e.seq, e.hash};
  ++verified_;
  return std::nullopt;
}

absl::StatusOr<std::optional<LedgerBreak>> ChainWalker::CheckAlone(const LedgerEvent& e) {
  absl::StatusOr<std::string> recomputed = EventHash(e);
  if (!recomputed.ok() || *recomputed != e.hash) {
    return MakeBreak(BreakKind::kEventEdited, kEvents, e.seq, e.seq, e.serial_hex,
                     "the event's stored hash does not match its fields: the row was edited");
  }
  return CheckContent(e);
}

std::optional<LedgerBreak> ChainWalker::CheckPosition(const LedgerEvent& e) const {
  const int64_t expected = head_.seq + 1;
  if (e.seq == expected) return std::nullopt;
  const std::string missing = e.seq == expected + 1
                                  ? absl::StrCat("event ", expected)
                                  : absl::StrCat("events ", expected, "..", e.seq - 1);
  return MakeBreak(BreakKind::kEventMissing, kEvents, expected, expected, "",
                   absl::StrCat("the log skips from seq ", head_.seq, " to ", e.seq, ": ", missing,
                                " deleted (or renumbered)"));
}

// prev_hash must be the hash of the event just verified. If it is the hash of some other
// event instead, rows were moved; otherwise the link (or the row) was rewritten.
absl::StatusOr<std::optional<LedgerBreak>> ChainWalker::CheckLink(const LedgerEvent& e,
                                                                  bool self_consistent) {
  if (e.prev_hash == head_.hash) return std::nullopt;
  SVIDD_ASSIGN_OR_RETURN(std::optional<int64_t> predecessor,
                         snapshot_.FindEventWithHash(e.prev_hash));
  if (predecessor.has_value() && *predecessor != e.seq) {
    return MakeBreak(BreakKind::kEventsReordered, kEvents, e.seq, e.seq, e.serial_hex,
                     absl::StrCat("the event at seq ", e.seq,
                                  " was written after the event now "
                                  "at seq ",
                                  *predecessor, ", not after seq ", head_.seq,
                                  ": rows were reordered or renumbered"));
  }
  if (!self_consistent) {
    return MakeBreak(BreakKind::kEventEdited, kEvents, e.seq, e.seq, e.serial_hex,
                     "the event's prev_hash and stored hash do not match: the row was edited");
  }
  return MakeBreak(BreakKind::kChainMismatch, kEvents, e.seq, e.seq, e.serial_hex,
                   absl::StrCat("the event does not chain to seq ", head_.seq,
                                " (its prev_hash is no event's hash): the chain was rewritten "
                                "at or before seq ",
                                e.seq));
}

absl::StatusOr<std::optional<LedgerBreak>> ChainWalker::CheckContent(const LedgerEvent& e) {
  absl::StatusOr<std::optional<CertificateRecord>> row = snapshot_.FindCertificate(e.serial_hex);
  if (absl::IsDataLoss(row.status())) {
    return RowBreak(BreakKind::kCertificateEdited, e,
                    absl::StrCat("the certificates row cannot be read: ", row.status().message()));
  }
  SVIDD_RETURN_IF_ERROR(row.status());
  if (!row->has_value()) {
    return MakeBreak(BreakKind::kCertificateDeleted, kCertificates, 0, e.seq, e.serial_hex,
                     absl::StrCat("event ", e.seq, " vouches for certificate ", e.serial_hex,
                                  ", which has no certificates row: the row was deleted"));
  }
  if (e.kind == EventKind::kRevoked && (*row)->status != CertStatus::kRevoked) {
    return RowBreak(BreakKind::kStatusMismatch, e,
                    absl::StrCat("event ", e.seq, " revoked certificate ", e.serial_hex,
                                 " but its row says ", CertStatusName((*row)->status)));
  }
  SVIDD_ASSIGN_OR_RETURN(std::string digest, CurrentDigest(e, **row));
  if (digest == e.content_sha256) return std::nullopt;
  return RowBreak(BreakKind::kCertificateEdited, e,
                  absl::StrCat("the certificates row of ", e.serial_hex, " no longer matches what ",
                               EventKindName(e.kind), " event ", e.seq, " vouches for",
                               e.kind == EventKind::kRevoked ? " (its revocation fields changed)"
                                                             : ": the row was edited"));
}

absl::StatusOr<LedgerBreak> ChainWalker::RowBreak(BreakKind kind, const LedgerEvent& e,
                                                  std::string detail) {
  SVIDD_ASSIGN_OR_RETURN(int64_t row, snapshot_.CertificateSeq(e.serial_hex));
  return MakeBreak(kind, kCertificates, row, e.seq, e.serial_hex, std::move(detail));
}

}  // namespace svidd::ledger::internal
