// The PostgreSQL ledger's writer on one replica: one thread, one connection. Everything queued
// (up to max_batch records) is committed in one transaction that first locks the chain head:
// one multi-row INSERT ... ON CONFLICT (serial) DO NOTHING RETURNING serial for the batch's
// certificates (a serial missing from RETURNING is that record's ALREADY_EXISTS; the others
// still commit), one multi-row INSERT for their events, the head's UPDATE and COMMIT: six round
// trips a batch, however many records. If the database refuses a row for another reason (the
// statement then inserts nothing), the transaction is rolled back and run again record by
// record, each in its own SAVEPOINT, so that record fails alone. Then every caller hears its
// own outcome, through an OutcomeCourier while the writer goes on. Nobody hears OK for a record
// that was not committed. A lost connection fails the batch with UNAVAILABLE and is re-established
// for the next one. The same contract as GroupCommitWriter (SQLite).
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "ledger/group_commit_writer.h"
#include "ledger/pg_chain_appender.h"
#include "ledger/pg_connection.h"
#include "svidd/common/mutex.h"
#include "svidd/ledger/certificate_record.h"

namespace svidd::ledger::internal {

class PgGroupCommitWriter {
 public:
  using Done = std::function<void(absl::Status)>;

  PgGroupCommitWriter(std::unique_ptr<PgConnection> connection, size_t max_batch);
  // Commits everything already queued, then stops the thread.
  ~PgGroupCommitWriter();
  PgGroupCommitWriter(const PgGroupCommitWriter&) = delete;
  PgGroupCommitWriter& operator=(const PgGroupCommitWriter&) = delete;

  void Enqueue(CertificateRecord record, Done done);
  // Rides along with the next batch; alone it is a committed UPDATE of health_probe.
  void EnqueueProbe(Done done);

  WriterStats stats() const;

 private:
  struct Pending {
    std::optional<CertificateRecord> record;  // absent for a probe
    Done done;
  };

  void Push(Pending pending);
  void Run();
  std::vector<Pending> TakeBatch();
  void CommitBatch(std::vector<Pending>& batch);
  // How InsertAll writes the batch's records.
  enum class Rows { kTogether, kEachInSavepoint };
  absl::Status CommitRecords(std::vector<Pending>& batch, std::vector<absl::Status>& outcomes);
  absl::Status InsertAll(Rows rows, std::vector<Pending>& batch,
                         std::vector<absl::Status>& outcomes);
  // The multi-row INSERT: true for each record now inserted, false for a duplicate serial
  // (its outcome is set here). An error means nothing was inserted.
  absl::StatusOr<std::vector<bool>> InsertTogether(std::vector<Pending>& batch,
                                                   std::vector<absl::Status>& outcomes);
  absl::Status InsertEachInSavepoint(std::vector<Pending>& batch,
                                     std::vector<absl::Status>& outcomes, PgChainAppender& chain);

  const std::unique_ptr<PgConnection> connection_;  // the writer thread's alone
  const size_t max_batch_;

  mutable Mutex mu_;
  CondVar work_;  // a record was queued, or the writer is stopping
  std::deque<Pending> queue_ ABSL_GUARDED_BY(mu_);
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  WriterStats stats_ ABSL_GUARDED_BY(mu_);
  OutcomeCourier courier_;  // records' callers, in commit order
  std::thread thread_;      // last: starts after everything above is constructed
};

}  // namespace svidd::ledger::internal
