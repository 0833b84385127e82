// Signs the ledger's chain head with the CA key whenever it has moved (at most once per
// min_interval), stores the checkpoint in the ledger and copies it to ledger-head.json, a
// file outside the database, so that truncating the database is still detected. Never signs
// a chain that no longer holds the last checkpoint it knows of (from the ledger, the head
// file or its own memory): whoever rewrote the database does not get it re-signed.
#pragma once

#include <chrono>
#include <filesystem>
#include <mutex>
#include <optional>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "svidd/common/clock.h"
#include "svidd/common/mutex.h"
#include "svidd/ledger/ledger.h"
#include "svidd/pki/authority.h"

namespace svidd::ca {

struct LedgerCheckpointerOptions {
  std::filesystem::path head_file;  // <data-dir>/ledger-head.json
  std::chrono::milliseconds min_interval = std::chrono::seconds(1);
};

class LedgerCheckpointer {
 public:
  // `ledger` must outlive the checkpointer.
  LedgerCheckpointer(ledger::Ledger& ledger, LedgerCheckpointerOptions options)
      : ledger_(ledger), options_(std::move(options)) {}

  // Signs the head if it moved and min_interval has passed since the last signature. OK when
  // there was nothing to do. FAILED_PRECONDITION if the chain lost what was signed before.
  absl::Status MaybeCheckpoint(const pki::Authority& authority, TimePoint now);
  // The same regardless of the interval, after flushing the ledger (Ledger::CheckWritable),
  // so everything recorded before the call is covered: for shutdown.
  absl::Status Checkpoint(const pki::Authority& authority, TimePoint now);

  // The operator accepted the ledger as it is (--accept-ledger-rollback): forget every
  // earlier checkpoint, so the next one signs the current head and replaces the head file.
  void AcceptCurrentChain();

  // The last checkpoint this process signed or found at its first pass.
  std::optional<ledger::LedgerCheckpoint> last() const;

 private:
  absl::Status CheckpointLocked(const pki::Authority& authority, TimePoint now)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  absl::Status LoadLast() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  absl::Status CheckExtendsLast(const ledger::ChainHead& head) const
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  absl::StatusOr<ledger::LedgerCheckpoint> Sign(const pki::Authority& authority,
                                                const ledger::ChainHead& head, TimePoint now) const;

  ledger::Ledger& ledger_;
  const LedgerCheckpointerOptions options_;
  mutable Mutex mu_;
  bool loaded_ ABSL_GUARDED_BY(mu_) = false;
  std::optional<ledger::LedgerCheckpoint> last_ ABSL_GUARDED_BY(mu_);
  std::optional<TimePoint> last_signed_
      ABSL_GUARDED_BY(mu_);  // when this process last signed, unrounded
};

}  // namespace svidd::ca
