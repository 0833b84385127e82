// The ledger of everything svidd has issued. An interface with plain verbs; SQLite today
// (sqlite_ledger.h), a server database later.
#pragma once

#include <cstddef>
#include <functional>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "svidd/common/clock.h"
#include "svidd/ledger/certificate_filter.h"
#include "svidd/ledger/certificate_record.h"
#include "svidd/ledger/ledger_event.h"
#include "svidd/ledger/operator_records.h"

namespace svidd::ledger {

// Which events ListEvents returns: after_seq < seq <= through_seq, only `kind` if set.
struct EventRange {
  int64_t after_seq = 0;
  int64_t through_seq = std::numeric_limits<int64_t>::max();
  std::optional<EventKind> kind;
};

class Ledger {
 public:
  virtual ~Ledger() = default;

  // Durable when `done` is called with OK. Concurrent records may share one transaction
  // (group commit); `done` runs on the ledger's one delivery thread, in commit order, while the
  // writer goes on: a `done` that blocks delays the records after it, not the commits.
  // ALREADY_EXISTS for a duplicate serial; UNAVAILABLE / INTERNAL if the write failed.
  virtual void RecordIssuanceAsync(CertificateRecord record,
                                   std::function<void(absl::Status)> done) = 0;
  // Blocking form of the above.
  absl::Status RecordIssuance(CertificateRecord record);

  // NOT_FOUND if no such serial.
  virtual absl::StatusOr<CertificateRecord> GetCertificate(std::string_view serial_hex) const = 0;
  // In the filter's order (default: newest first, by issued_at then serial). INVALID_ARGUMENT
  // for a page token that does not parse or fits another sort order.
  virtual absl::StatusOr<std::vector<CertificateRecord>> ListCertificates(
      const CertificateFilter& filter) const = 0;
  // The same page, with the total number of matches and the token of the next page.
  virtual absl::StatusOr<CertificatePage> QueryCertificates(
      const CertificateFilter& filter) const = 0;
  // How many match (limit, offset and page token are ignored).
  virtual absl::StatusOr<int64_t> CountCertificates(const CertificateFilter& filter) const = 0;
  // How many match per value of `group`, ordered by value.
  virtual absl::StatusOr<std::vector<GroupCount>> CountCertificatesBy(
      CertificateGroup group, const CertificateFilter& filter) const = 0;
  // One summary per SPIFFE ID, ordered by ID.
  virtual absl::StatusOr<std::vector<IdentitySummary>> ListIdentities(
      const IdentityFilter& filter) const = 0;

  // Adds to the stored counts (one transaction). FAILED_PRECONDITION if read-only.
  virtual absl::Status AddRefusalCounts(const std::vector<RefusalCount>& counts) = 0;
  // Every hour from the one containing `since` on, by hour then reason.
  virtual absl::StatusOr<std::vector<RefusalCount>> ListRefusalCounts(TimePoint since) const = 0;
  // Appends to the admin audit log. FAILED_PRECONDITION if read-only.
  virtual absl::Status RecordAdminCall(const AdminCallRecord& call) = 0;
  // Newest first, at most `limit` (0 = all), from `since` on.
  virtual absl::StatusOr<std::vector<AdminCallRecord>> ListAdminCalls(TimePoint since,
                                                                      size_t limit) const = 0;
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
  // The events in `range`, by ascending seq. Events are appended in seq order (the chain
  // links each to the one before), so a reader that remembers the highest seq it has seen
  // misses nothing by asking for what came after it: how every replica follows revocations
  // (docs/high-availability.md). One query per engine.
  virtual absl::StatusOr<std::vector<LedgerEvent>> ListEvents(const EventRange& range) const = 0;
  // The stored checkpoint with the highest event_seq, or nullopt if none was recorded.
  virtual absl::StatusOr<std::optional<LedgerCheckpoint>> LatestCheckpoint() const = 0;
  // Stores a signed checkpoint (the caller signed it). FAILED_PRECONDITION unless event
  // `event_seq` exists with hash `head_hash` and the latest stored checkpoint still matches
  // the chain: a checkpoint only ever extends what was signed before. ABORTED if the latest
  // stored checkpoint is beyond it but both match (another writer signed a newer head).
  virtual absl::Status RecordCheckpoint(const LedgerCheckpoint& checkpoint) = 0;
};

}  // namespace svidd::ledger
