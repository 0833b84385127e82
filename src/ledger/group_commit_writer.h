// The ledger's single writer: one thread, one connection. Records queued by any thread are
// committed together — everything pending (up to max_batch) in one BEGIN IMMEDIATE … COMMIT,
// each record inside its own SAVEPOINT (its certificates row and its ledger_events row) so
// one bad record fails alone — then every caller hears its own outcome. Nobody hears OK for a
// record that was not committed. The chain head is read once per transaction.
//
// Records' callers hear their outcomes through an OutcomeCourier, while the writer goes on with
// the next batch.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "ledger/event_appender.h"
#include "ledger/sqlite_connection.h"
#include "svidd/common/mutex.h"
#include "svidd/common/worker_pool.h"
#include "svidd/ledger/certificate_record.h"

namespace svidd::ledger::internal {

// `status`'s code and message in a Status of its own, sharing nothing with the original (its
// payloads are not copied), so each waiting caller owns its own (see group_commit_writer.cc);
// both writers hand these out.
absl::Status OwnCopy(const absl::Status& status);

// Tells callers their records' outcomes on a thread of its own, in the order handed over, so
// that a writer goes on with its next batch while they hear: a record's callback hands its
// certificate to gRPC (which may send it inline) and logs it, work no later commit should wait
// for. Both writers (SQLite and PostgreSQL) have one.
class OutcomeCourier {
 public:
  using Done = std::function<void(absl::Status)>;
  // dones[i] will hear OwnCopy(outcomes[i]).
  void Deliver(std::vector<Done> dones, std::vector<absl::Status> outcomes);
  // The same for a writer's batch: each entry's `done` (moved out) hears its outcome.
  template <typename Pending>
  void Deliver(std::vector<Pending>& batch, std::vector<absl::Status> outcomes) {
    std::vector<Done> dones;
    dones.reserve(batch.size());
    for (Pending& pending : batch) dones.push_back(std::move(pending.done));
    Deliver(std::move(dones), std::move(outcomes));
  }
  // Delivers everything handed over, then stops; a Deliver() after it runs on its caller's
  // thread, so that no caller is ever left unanswered.
  void Stop() { thread_.Stop(); }

 private:
  WorkerPool thread_{1};
};

// What the writer has done so far; for tests, health and metrics.
struct WriterStats {
  uint64_t commits = 0;            // transactions committed
  uint64_t records_committed = 0;  // records made durable
  uint64_t records_failed = 0;     // records refused (duplicate, failed commit, ...)
  uint64_t largest_batch = 0;      // most records in one transaction
  uint64_t batches_taken = 0;      // batches taken off the queue (committed or not yet)
  uint64_t writes_executed = 0;    // Execute() transactions run (revocations, audit, ...)
};

class GroupCommitWriter {
 public:
  using Done = std::function<void(absl::Status)>;

  // Starts the thread. `connection` is used by this writer only.
  GroupCommitWriter(std::shared_ptr<Connection> connection, size_t max_batch);
  // Commits everything already queued, tells every caller its outcome, then stops the threads.
  ~GroupCommitWriter();
  GroupCommitWriter(const GroupCommitWriter&) = delete;
  GroupCommitWriter& operator=(const GroupCommitWriter&) = delete;

  void Enqueue(CertificateRecord record, Done done);
  // Rides along with the next batch: OK if that transaction could take the write lock and
  // commit. With nothing else pending it is `BEGIN IMMEDIATE; ROLLBACK`.
  void EnqueueProbe(Done done);
  // Every other write (a revocation, refusal counts, an admin audit row, a checkpoint): `write`
  // runs on the writer's thread and connection inside its own BEGIN IMMEDIATE … COMMIT
  // (rolled back if it fails), between batches of records; the caller waits for its outcome.
  // So the ledger has one writing connection, and a write never waits on SQLITE_BUSY for
  // another connection of this process.
  using Write = std::function<absl::Status(sqlite3*)>;
  absl::Status Execute(Write write);

  WriterStats stats() const;

 private:
  struct Pending {
    std::optional<CertificateRecord> record;  // absent for a probe and a write
    Done done;
    Write write;  // set for Execute()
  };

  void Push(Pending pending);
  void Run();
  std::vector<Pending> TakeBatch();  // empty once stopping and drained
  void CommitBatch(std::vector<Pending>& batch);
  // `db` is connection_'s handle, whose lock the caller holds.
  absl::Status InsertAll(sqlite3* db, std::vector<Pending>& batch,
                         std::vector<absl::Status>& outcomes);
  absl::Status InsertOne(const CertificateRecord& record);
  void Probe(std::vector<Pending>& batch);
  void ExecuteWrite(Pending& pending);

  // Prepared once, on the writer thread, and reused for every record: parsing "SAVEPOINT
  // record" and "RELEASE record" again for each one (sqlite3_exec) cost more than running them.
  struct Prepared {
    Statement insert;
    Statement savepoint;
    Statement release;
    Statement rollback_to;
    EventAppender events;
  };
  static absl::StatusOr<Prepared> Prepare(sqlite3* db);

  const std::shared_ptr<Connection> connection_;
  const size_t max_batch_;
  std::optional<Prepared> prepared_;

  mutable Mutex mu_;
  CondVar cv_;
  std::deque<Pending> queue_ ABSL_GUARDED_BY(mu_);
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  WriterStats stats_ ABSL_GUARDED_BY(mu_);
  OutcomeCourier courier_;  // records' callers, in commit order
  std::thread thread_;      // last: starts after everything above is constructed
};

}  // namespace svidd::ledger::internal
