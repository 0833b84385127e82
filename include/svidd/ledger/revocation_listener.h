// Wakes a replica as soon as any writer of a shared PostgreSQL ledger commits a revocation
// (LISTEN svidd_revocations; migrations/postgres/0007_leases.sql sends it). A speed-up only:
// RevocationWatcher's poll by event seq stays the baseline that misses nothing, so a lost
// connection (reconnected by itself) or a dropped notification costs at most one poll interval.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "absl/status/statusor.h"

namespace svidd::ledger {

class RevocationListener {
 public:
  virtual ~RevocationListener() = default;  // stops the listening thread
};

// Listens on its own connection to `uri` and calls `on_revocation` (on the listener's thread;
// it must not block for long) after each committed revocation. UNAVAILABLE, naming the ledger
// without its password, if the first connection fails.
absl::StatusOr<std::unique_ptr<RevocationListener>> ListenForRevocations(
    const std::string& uri, std::function<void()> on_revocation);

}  // namespace svidd::ledger
