// Leases in the ledger's database: how replicas sharing one ledger agree on which of them does
// the work only one may do at a time (docs/high-availability.md). The store only answers "who
// holds it now"; LeaderLease (leader_lease.h) decides when to ask and what the answer means.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "svidd/common/clock.h"

namespace svidd::ledger {

// A lease as the database has it.
struct LeaseRecord {
  std::string holder;
  TimePoint expires_at;  // stored in whole milliseconds
  // Grows by one each time the lease passes to another holder (1 for the first).
  int64_t term = 0;
};

class LeaseStore {
 public:
  virtual ~LeaseStore() = default;

  // Takes lease `name` for `holder` until now + ttl, or extends it, if it is free at `now`: no
  // one has held it, it expired, or `holder` holds it already. Returns the lease as it stands
  // after the attempt, so `holder` got it exactly when the result names it. UNAVAILABLE (or
  // another error) when the database could not be asked: the caller holds nothing it did not
  // hold before.
  virtual absl::StatusOr<LeaseRecord> TryAcquire(std::string_view name, std::string_view holder,
                                                 TimePoint now, std::chrono::milliseconds ttl) = 0;
  // Ends `holder`'s lease at once, so another replica need not wait for it to expire. OK if
  // `holder` did not hold it.
  virtual absl::Status Release(std::string_view name, std::string_view holder) = 0;
};

// Leases in the SQLite ledger at `path` (its own connection; the ledger must have been opened
// read-write once, so the schema is current).
absl::StatusOr<std::unique_ptr<LeaseStore>> OpenSqliteLeaseStore(const std::filesystem::path& path);
// Leases in the PostgreSQL ledger at `uri` (a libpq URI; its own connection, re-established
// after a lost server). UNAVAILABLE naming the ledger (without its password) if unreachable.
absl::StatusOr<std::unique_ptr<LeaseStore>> OpenPostgresLeaseStore(const std::string& uri);

}  // namespace svidd::ledger
