#include "svidd/ledger/ledger_verification.h"

namespace svidd::ledger {

const char* BreakKindName(BreakKind kind) {
  switch (kind) {
    case BreakKind::kEventEdited:
      return "event_edited";
    case BreakKind::kEventMissing:
      return "event_missing";
    case BreakKind::kEventsReordered:
      return "events_reordered";
    case BreakKind::kChainMismatch:
      return "chain_mismatch";
    case BreakKind::kDuplicateEvent:
      return "duplicate_event";
    case BreakKind::kCertificateEdited:
      return "certificate_edited";
    case BreakKind::kCertificateDeleted:
      return "certificate_deleted";
    case BreakKind::kCertificateWithoutEvent:
      return "certificate_without_event";
    case BreakKind::kRevocationWithoutEvent:
      return "revocation_without_event";
    case BreakKind::kStatusMismatch:
      return "status_mismatch";
    case BreakKind::kCheckpointMismatch:
      return "checkpoint_mismatch";
    case BreakKind::kTruncated:
      return "truncated";
    case BreakKind::kCheckpointMissing:
      return "checkpoint_missing";
    case BreakKind::kBadSignature:
      return "bad_signature";
    case BreakKind::kUntrustedSigner:
      return "untrusted_signer";
    case BreakKind::kHeadFileMissing:
      return "head_file_missing";
    case BreakKind::kHeadFileInvalid:
      return "head_file_invalid";
  }
  return "unknown";
}

const char* WarningKindName(WarningKind kind) {
  switch (kind) {
    case WarningKind::kNotYetSigned:
      return "not_yet_signed";
    case WarningKind::kNoHeadFile:
      return "no_head_file";
    case WarningKind::kHeadFileBehind:
      return "head_file_behind";
  }
  return "unknown";
}

}  // namespace svidd::ledger
