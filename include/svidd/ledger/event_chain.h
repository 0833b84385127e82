// The ledger's hash chain: content digests, event hashes and the message a checkpoint signs.
// Every input is framed (length-prefixed) so no two different inputs encode alike:
//   frame(b) = uint64_be(len(b)) || b        int(v) = frame(int64_be(v))
// Digests and hashes enter as their 32 raw bytes; times as Unix seconds; each encoding starts
// with a framed label naming it and its version. migrations/0003_event_log.sql lists the
// fields in order.
#pragma once

#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "svidd/common/clock.h"
#include "svidd/ledger/certificate_record.h"
#include "svidd/ledger/ledger_event.h"

namespace svidd::ledger {

// The prev_hash of the first event: 32 zero bytes.
extern const char kGenesisHash[];  // 64 '0's

// What an issuance event vouches for: every field of the record except the revocation ones.
absl::StatusOr<std::string> IssuanceDigest(const CertificateRecord& record);
// What a revocation event vouches for.
absl::StatusOr<std::string> RevocationDigest(std::string_view serial_hex, TimePoint revoked_at,
                                             std::string_view reason);

// The hash of `event` from its prev_hash, seq, kind, serial, at and content_sha256 (its own
// `hash` field is ignored). INVALID_ARGUMENT if prev_hash or content_sha256 is not 64 hex digits.
absl::StatusOr<std::string> EventHash(const LedgerEvent& event);

// The bytes a checkpoint's signature covers. INVALID_ARGUMENT for a malformed head hash.
absl::StatusOr<std::string> CheckpointMessage(int64_t event_seq, std::string_view head_hash,
                                              TimePoint signed_at);

}  // namespace svidd::ledger
