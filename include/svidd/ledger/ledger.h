// The ledger of everything svidd has issued. An interface with plain verbs; SQLite today
// (sqlite_ledger.h), a server database later.
#pragma once

#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "svidd/common/clock.h"
#include "svidd/ledger/certificate_record.h"
#include "svidd/ledger/ledger_event.h"

namespace svidd {

struct CertificateFilter {
  std::optional<std::string> spiffe_id;       // exact match
  std::optional<CertStatus> status;
  std::optional<TimePoint> not_after_before;  // "expiring within": not_after < this
  std::optional<TimePoint> not_after_after;   // and not_after > this (e.g. not yet expired)
  size_t limit = 0;                           // 0 = no limit
};

class Ledger {
 public:
  virtual ~Ledger() = default;

  // Durable when `done` is called with OK. Concurrent records may share one transaction
  // (group commit); `done` runs on the ledger's writer thread and must not block for long.
  // ALREADY_EXISTS for a duplicate serial; UNAVAILABLE / INTERNAL if the write failed.
  virtual void RecordIssuanceAsync(CertificateRecord record,
                                   std::function<void(absl::Status)> done) = 0;
  // Blocking form of the above.
  absl::Status RecordIssuance(CertificateRecord record);

  // NOT_FOUND if no such serial.
  virtual absl::StatusOr<CertificateRecord> GetCertificate(std::string_view serial_hex) const = 0;
  // Newest first (by issued_at, then serial).
  virtual absl::StatusOr<std::vector<CertificateRecord>> ListCertificates(
      const CertificateFilter& filter) const = 0;
  // NOT_FOUND if no such serial; FAILED_PRECONDITION if it is already revoked.
  virtual absl::Status RevokeCertificate(std::string_view serial_hex, std::string_view reason,
                                         TimePoint at) = 0;
  // OK(true) if the serial is recorded as revoked; OK(false) if active or unknown.
  virtual absl::StatusOr<bool> IsRevoked(std::string_view serial_hex) const = 0;
  // Health: the database answers and accepts writes. Everything recorded before the call
  // has been committed when it returns.
  virtual absl::Status CheckWritable() = 0;

  // The event log (ledger_event.h). Every issuance and revocation above appends its event in
  // the same transaction, so these always describe committed certificate rows.
  // The last event; seq 0 (and kGenesisHash) while the log is empty.
  virtual absl::StatusOr<ChainHead> GetChainHead() const = 0;
  // NOT_FOUND if there is no event `seq`.
  virtual absl::StatusOr<LedgerEvent> GetEvent(int64_t seq) const = 0;
  // The stored checkpoint with the highest event_seq, or nullopt if none was recorded.
  virtual absl::StatusOr<std::optional<LedgerCheckpoint>> LatestCheckpoint() const = 0;
  // Stores a signed checkpoint (the caller signed it). FAILED_PRECONDITION unless event
  // `event_seq` exists with hash `head_hash`, and the latest stored checkpoint is at or below
  // it and still matches the chain: a checkpoint only ever extends what was signed before.
  virtual absl::Status RecordCheckpoint(const LedgerCheckpoint& checkpoint) = 0;
};

}  // namespace svidd
