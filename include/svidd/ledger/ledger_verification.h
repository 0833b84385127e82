// What `svidctl ledger verify` found: the first place the ledger breaks (if any), what is
// wrong there, and warnings that are not breaks. A plain value: printed as a table or JSON.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "svidd/common/clock.h"

namespace svidd::ledger {

enum class BreakKind {
  kEventEdited,              // an event's stored hash does not match its own fields
  kEventMissing,             // a gap in seq: events deleted (or their seq changed)
  kEventsReordered,          // an event is chained after a different event than its predecessor
  kChainMismatch,            // prev_hash does not link to the previous event (chain rewritten)
  kDuplicateEvent,           // a second issuance or revocation event for one serial
  kCertificateEdited,        // a certificates row differs from what its event vouches for
  kCertificateDeleted,       // an event vouches for a serial that has no certificates row
  kCertificateWithoutEvent,  // a certificates row no issuance event vouches for
  kRevocationWithoutEvent,   // a row is revoked but no revocation event says so
  kStatusMismatch,           // a revocation event for a row whose status is not revoked
  kCheckpointMismatch,       // a signed head hash differs from the chain's hash at that seq
  kTruncated,                // a checkpoint (or ledger-head.json) vouches for events now gone
  kCheckpointMissing,        // ledger-head.json's checkpoint is not in ledger_checkpoints
  kBadSignature,             // a checkpoint's signature does not verify with its signer
  kUntrustedSigner,          // a checkpoint's signer does not chain to the trust bundle
  kHeadFileMissing,          // checkpoints exist but ledger-head.json does not
  kHeadFileInvalid,          // ledger-head.json cannot be read
};
// "event_edited", "event_missing", ...: stable names for JSON and scripts.
const char* BreakKindName(BreakKind kind);

// Where a break is: the table (or file) and the row in it.
struct LedgerBreak {
  BreakKind kind = BreakKind::kEventEdited;
  std::string where;  // "ledger_events", "certificates", "ledger_checkpoints", "ledger-head.json"
  int64_t row = 0;    // events: seq; certificates: seq; checkpoints: id; head file: event seq
  int64_t event_seq = 0;   // the event at which the walk found it; 0 if none
  std::string serial_hex;  // when the break concerns one certificate
  std::string detail;      // one sentence for people
};

enum class WarningKind {
  kNotYetSigned,   // events after the last checkpoint
  kNoHeadFile,     // no ledger-head.json and nothing signed yet
  kHeadFileBehind  // ledger-head.json is older than the latest checkpoint (a crash between)
};
const char* WarningKindName(WarningKind kind);  // "not_yet_signed", ...

struct LedgerWarning {
  WarningKind kind = WarningKind::kNotYetSigned;
  std::string detail;
};

struct LedgerVerification {
  int64_t events = 0;  // the seq the walk reached before it stopped (the last one if intact)
  // Events whose hash, link and certificates row this run recomputed: all of them in a full
  // verification, those after `trusted_up_to` in one from the newest checkpoint.
  int64_t events_verified = 0;
  // The seq of the checkpoint the run started from, whose prefix it trusted; 0: none.
  int64_t trusted_up_to = 0;
  // Revocation events up to `trusted_up_to` checked against their certificates rows by a run
  // from the newest checkpoint (each still revoked as the event says); 0 in a full walk, which
  // counts them among `events_verified`.
  int64_t prefix_revocations_checked = 0;
  int64_t certificates = 0;     // rows in `certificates` (not counted, 0, from a checkpoint)
  int64_t checkpoints = 0;      // checkpoints that verified
  std::string head_hash;        // hash of the last event read
  int64_t last_signed_seq = 0;  // 0 if nothing was signed
  std::optional<TimePoint> last_signed_at;
  std::optional<LedgerBreak> first_break;
  std::vector<LedgerWarning> warnings;

  bool intact() const { return !first_break.has_value(); }
};

}  // namespace svidd::ledger
