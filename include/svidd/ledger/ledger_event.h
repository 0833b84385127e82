// The ledger's event log: one hash-chained event per issuance and per revocation, and the
// signed checkpoints of its head. migrations/0003_event_log.sql has the schema and the
// encoding; event_chain.h computes the hashes.
#pragma once

#include <cstdint>
#include <string>

#include "svidd/common/clock.h"

namespace svidd::ledger {

enum class EventKind { kIssued, kRevoked };
const char* EventKindName(EventKind kind);  // "issued" / "revoked"

// Digests and hashes are 64 lowercase hex digits.
struct LedgerEvent {
  int64_t seq = 0;  // 1, 2, 3, ...
  EventKind kind = EventKind::kIssued;
  std::string serial_hex;
  TimePoint at;  // issued_at of an issuance, the revocation time of a revocation
  std::string content_sha256;
  std::string prev_hash;  // the previous event's hash; kGenesisHash for seq 1
  std::string hash;
};

// The last event of the chain; seq 0 and kGenesisHash while the log is empty.
struct ChainHead {
  int64_t seq = 0;
  std::string hash;
};

// A CA signature over (event_seq, head_hash, signed_at); see CheckpointMessage().
struct LedgerCheckpoint {
  int64_t event_seq = 0;
  std::string head_hash;
  TimePoint signed_at;
  // The signing certificate, then any intermediates below the root (PEM).
  std::string signer_chain_pem;
  std::string algorithm;  // SignatureAlgorithmName() of the signer's key
  std::string signature;  // raw bytes
};

// The copy of the latest checkpoint svidd keeps beside the database, in the data directory.
inline constexpr char kLedgerHeadFileName[] = "ledger-head.json";

}  // namespace svidd::ledger
