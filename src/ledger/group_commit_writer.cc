#include "ledger/group_commit_writer.h"

#include <algorithm>
#include <future>

#include "ledger/certificate_rows.h"
#include "svidd/common/status_macros.h"

namespace svidd::ledger::internal {
// A Status of its own for each caller, sharing no refcounted message with the writer's
// copies. The sharing is safe (the refcount is atomic), but absl here is not built with
// TSAN, which then reports the cross-thread release as a race; this keeps TSAN runs clean.
absl::Status OwnCopy(const absl::Status& status) {
  return status.ok() ? absl::OkStatus() : absl::Status(status.code(), status.message());
}

GroupCommitWriter::GroupCommitWriter(std::shared_ptr<Connection> connection, size_t max_batch)
    : connection_(std::move(connection)),
      max_batch_(std::max<size_t>(1, max_batch)),
      thread_([this] { Run(); }) {}

GroupCommitWriter::~GroupCommitWriter() {
  {
    MutexLock lock(&mu_);
    stopping_ = true;
  }
  cv_.SignalAll();
  thread_.join();
  courier_.Stop();  // every outcome already handed over is delivered
}

void GroupCommitWriter::Enqueue(CertificateRecord record, Done done) {
  Push(Pending{std::move(record), std::move(done), {}});
}

void GroupCommitWriter::EnqueueProbe(Done done) {
  Push(Pending{std::nullopt, std::move(done), {}});
}

absl::Status GroupCommitWriter::Execute(Write write) {
  Pending pending{std::nullopt, nullptr, std::move(write)};
  if (std::this_thread::get_id() == thread_.get_id()) {  // from a record's callback: inline
    absl::Status status;
    pending.done = [&status](absl::Status s) { status = std::move(s); };
    ExecuteWrite(pending);
    return status;
  }
  auto promise = std::make_shared<std::promise<absl::Status>>();
  std::future<absl::Status> outcome = promise->get_future();
  pending.done = [promise](absl::Status s) { promise->set_value(std::move(s)); };
  Push(std::move(pending));
  return outcome.get();
}

void GroupCommitWriter::Push(Pending pending) {
  {
    MutexLock lock(&mu_);
    if (!stopping_) {
      queue_.push_back(std::move(pending));
      cv_.Signal();
      return;
    }
  }
  pending.done(absl::UnavailableError("ledger is closing; the record was not written"));
}

WriterStats GroupCommitWriter::stats() const {
  MutexLock lock(&mu_);
  return stats_;
}

void GroupCommitWriter::Run() {
  for (;;) {
    std::vector<Pending> batch = TakeBatch();
    if (batch.empty()) return;
    CommitBatch(batch);
  }
}

std::vector<GroupCommitWriter::Pending> GroupCommitWriter::TakeBatch() {
  MutexLock lock(&mu_);
  cv_.Wait(&mu_, [this] {
    mu_.AssertHeld();
    return stopping_ || !queue_.empty();
  });
  std::vector<Pending> batch;
  size_t records = 0;
  while (!queue_.empty() && records < max_batch_) {
    // A write is a transaction of its own: alone in its batch.
    if (queue_.front().write && !batch.empty()) break;
    const bool write = static_cast<bool>(queue_.front().write);
    if (queue_.front().record.has_value()) ++records;
    batch.push_back(std::move(queue_.front()));
    queue_.pop_front();
    if (write) break;
  }
  if (!batch.empty()) ++stats_.batches_taken;
  return batch;
}

void GroupCommitWriter::CommitBatch(std::vector<Pending>& batch) {
  if (batch.size() == 1 && batch.front().write) return ExecuteWrite(batch.front());
  const size_t records = std::count_if(batch.begin(), batch.end(),
                                       [](const Pending& p) { return p.record.has_value(); });
  if (records == 0) return Probe(batch);
  std::vector<absl::Status> outcomes(batch.size());
  absl::Status committed;
  {
    MutexLock conn_lock(&connection_->mu);
    sqlite3* db = connection_->db.get();
    committed = InImmediateTransaction(db, [&] { return InsertAll(db, batch, outcomes); });
  }
  if (!committed.ok()) std::fill(outcomes.begin(), outcomes.end(), committed);
  {
    MutexLock lock(&mu_);
    if (committed.ok()) ++stats_.commits;
    for (size_t i = 0; i < batch.size(); ++i) {
      if (!batch[i].record.has_value()) continue;
      ++(outcomes[i].ok() ? stats_.records_committed : stats_.records_failed);
    }
    stats_.largest_batch = std::max<uint64_t>(stats_.largest_batch, records);
  }
  courier_.Deliver(batch, std::move(outcomes));
}

void OutcomeCourier::Deliver(std::vector<Done> dones, std::vector<absl::Status> outcomes) {
  auto deliver = std::make_shared<std::function<void()>>(
      [dones = std::move(dones), outcomes = std::move(outcomes)] {
        for (size_t i = 0; i < dones.size(); ++i) dones[i](OwnCopy(outcomes[i]));
      });
  if (!thread_.Post([deliver] { (*deliver)(); })) (*deliver)();  // stopped: tell them here
}

absl::StatusOr<GroupCommitWriter::Prepared> GroupCommitWriter::Prepare(sqlite3* db) {
  SVIDD_ASSIGN_OR_RETURN(Statement insert, Statement::Prepare(db, kInsertCertificateSql, true));
  SVIDD_ASSIGN_OR_RETURN(Statement savepoint, Statement::Prepare(db, "SAVEPOINT record", true));
  SVIDD_ASSIGN_OR_RETURN(Statement release, Statement::Prepare(db, "RELEASE record", true));
  SVIDD_ASSIGN_OR_RETURN(Statement rollback_to, Statement::Prepare(db, "ROLLBACK TO record", true));
  SVIDD_ASSIGN_OR_RETURN(EventAppender events, EventAppender::Prepare(db, /*persistent=*/true));
  return Prepared{std::move(insert), std::move(savepoint), std::move(release),
                  std::move(rollback_to), std::move(events)};
}

// Inside the batch transaction. A record that fails is rolled back to its savepoint and
// gets its own error; an error that cost the whole transaction is returned (and then
// every record in the batch gets it).
absl::Status GroupCommitWriter::InsertAll(sqlite3* db, std::vector<Pending>& batch,
                                          std::vector<absl::Status>& outcomes) {
  if (!prepared_.has_value()) {
    SVIDD_ASSIGN_OR_RETURN(prepared_, Prepare(db));
  }
  Prepared& p = *prepared_;
  SVIDD_RETURN_IF_ERROR(p.events.LoadHead());  // inside BEGIN IMMEDIATE: nobody else appends
  for (size_t i = 0; i < batch.size(); ++i) {
    if (!batch[i].record.has_value()) continue;
    SVIDD_RETURN_IF_ERROR(p.savepoint.RunAndReset());
    const ChainHead before = p.events.head();
    outcomes[i] = InsertOne(*batch[i].record);
    if (!outcomes[i].ok()) {
      if (sqlite3_get_autocommit(db) != 0) return outcomes[i];  // SQLite rolled it all back
      SVIDD_RETURN_IF_ERROR(p.rollback_to.RunAndReset());
      p.events.Rewind(before);
    }
    SVIDD_RETURN_IF_ERROR(p.release.RunAndReset());
  }
  return absl::OkStatus();
}

// The certificates row and the event that vouches for it, inside the record's savepoint.
absl::Status GroupCommitWriter::InsertOne(const CertificateRecord& record) {
  SVIDD_RETURN_IF_ERROR(InsertCertificate(prepared_->insert, record));
  return prepared_->events.AppendNewRecord(record);
}

void GroupCommitWriter::ExecuteWrite(Pending& pending) {
  absl::Status status;
  {
    MutexLock conn_lock(&connection_->mu);
    sqlite3* db = connection_->db.get();
    status = InImmediateTransaction(db, [&] { return pending.write(db); });
  }
  {
    MutexLock lock(&mu_);
    ++stats_.writes_executed;
  }
  pending.done(OwnCopy(status));
}

void GroupCommitWriter::Probe(std::vector<Pending>& batch) {
  absl::Status status;
  {
    MutexLock conn_lock(&connection_->mu);
    sqlite3* db = connection_->db.get();
    // A committed change, so a full disk or a read-only file fails it as it fails a record.
    status = Exec(db, "BEGIN IMMEDIATE");
    if (status.ok()) status = Exec(db, "UPDATE health_probe SET writes = writes + 1 WHERE id = 1");
    if (status.ok()) status = Exec(db, "COMMIT");
    if (!status.ok() && sqlite3_get_autocommit(db) == 0) (void)Exec(db, "ROLLBACK");
  }
  for (Pending& p : batch) p.done(OwnCopy(status));
}

}  // namespace svidd::ledger::internal
