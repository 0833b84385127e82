#include "ledger/pg_group_commit_writer.h"

#include <algorithm>
#include <iterator>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "ledger/group_commit_writer.h"
#include "ledger/ledger_tables.h"
#include "ledger/pg_rows.h"
#include "svidd/common/status_macros.h"

namespace svidd::ledger::internal {
namespace {

bool IsWholeBatchError(const absl::Status& s) {
  // Only a duplicate serial or a refused row is one record's own failure; a lost connection
  // or an aborted transaction costs the batch.
  return absl::IsUnavailable(s) || absl::IsAborted(s);
}

}  // namespace

PgGroupCommitWriter::PgGroupCommitWriter(std::unique_ptr<PgConnection> connection, size_t max_batch)
    : connection_(std::move(connection)),
      max_batch_(std::max<size_t>(1, max_batch)),
      thread_([this] { Run(); }) {}

PgGroupCommitWriter::~PgGroupCommitWriter() {
  {
    MutexLock lock(&mu_);
    stopping_ = true;
  }
  work_.SignalAll();
  thread_.join();
  courier_.Stop();  // every outcome already handed over is delivered
}

void PgGroupCommitWriter::Enqueue(CertificateRecord record, Done done) {
  Push(Pending{std::move(record), std::move(done)});
}

void PgGroupCommitWriter::EnqueueProbe(Done done) { Push(Pending{std::nullopt, std::move(done)}); }

void PgGroupCommitWriter::Push(Pending pending) {
  {
    MutexLock lock(&mu_);
    if (!stopping_) {
      queue_.push_back(std::move(pending));
      work_.Signal();
      return;
    }
  }
  pending.done(absl::UnavailableError("ledger is closing; the record was not written"));
}

WriterStats PgGroupCommitWriter::stats() const {
  MutexLock lock(&mu_);
  return stats_;
}

void PgGroupCommitWriter::Run() {
  for (;;) {
    std::vector<Pending> batch = TakeBatch();
    if (batch.empty()) return;
    CommitBatch(batch);
  }
}

std::vector<PgGroupCommitWriter::Pending> PgGroupCommitWriter::TakeBatch() {
  MutexLock lock(&mu_);
  work_.Wait(&mu_, [this] {
    mu_.AssertHeld();
    return stopping_ || !queue_.empty();
  });
  std::vector<Pending> batch;
  size_t records = 0;
  while (!queue_.empty() && records < max_batch_) {
    if (queue_.front().record.has_value()) ++records;
    batch.push_back(std::move(queue_.front()));
    queue_.pop_front();
  }
  if (!batch.empty()) ++stats_.batches_taken;
  return batch;
}

void PgGroupCommitWriter::CommitBatch(std::vector<Pending>& batch) {
  const size_t records = std::count_if(batch.begin(), batch.end(),
                                       [](const Pending& p) { return p.record.has_value(); });
  std::vector<absl::Status> outcomes(batch.size());
  absl::Status committed;
  if (records == 0) {
    // A committed change, so a read-only or full database fails it as it fails a record.
    committed = connection_->InTransaction([&] {
      return connection_->Exec("UPDATE health_probe SET writes = writes + 1 WHERE id = 1").status();
    });
  } else {
    committed = CommitRecords(batch, outcomes);
  }
  if (!committed.ok()) std::fill(outcomes.begin(), outcomes.end(), committed);
  {
    MutexLock lock(&mu_);
    if (committed.ok() && records > 0) ++stats_.commits;
    for (size_t i = 0; i < batch.size(); ++i) {
      if (!batch[i].record.has_value()) continue;
      ++(outcomes[i].ok() ? stats_.records_committed : stats_.records_failed);
    }
    stats_.largest_batch = std::max<uint64_t>(stats_.largest_batch, records);
  }
  courier_.Deliver(batch, std::move(outcomes));
}

absl::Status PgGroupCommitWriter::CommitRecords(std::vector<Pending>& batch,
                                                std::vector<absl::Status>& outcomes) {
  absl::Status status =
      connection_->InTransaction([&] { return InsertAll(Rows::kTogether, batch, outcomes); });
  if (status.ok() || IsWholeBatchError(status)) return status;
  // The database refused a row (a CHECK, say): the multi-row statement inserted nothing and the
  // transaction was rolled back. Again record by record, so that record fails alone.
  std::fill(outcomes.begin(), outcomes.end(), absl::OkStatus());
  return connection_->InTransaction(
      [&] { return InsertAll(Rows::kEachInSavepoint, batch, outcomes); });
}

// Inside the batch transaction: locks the chain head, inserts, appends the events.
absl::Status PgGroupCommitWriter::InsertAll(Rows rows, std::vector<Pending>& batch,
                                            std::vector<absl::Status>& outcomes) {
  PgChainAppender chain(*connection_, rows == Rows::kTogether ? PgChainAppender::Sending::kBatched
                                                              : PgChainAppender::Sending::kEach);
  SVIDD_RETURN_IF_ERROR(chain.LockHead());
  if (rows == Rows::kEachInSavepoint) {
    SVIDD_RETURN_IF_ERROR(InsertEachInSavepoint(batch, outcomes, chain));
  } else {
    SVIDD_ASSIGN_OR_RETURN(std::vector<bool> inserted, InsertTogether(batch, outcomes));
    for (size_t i = 0; i < batch.size(); ++i) {
      if (inserted[i]) SVIDD_RETURN_IF_ERROR(chain.AppendNewRecord(*batch[i].record));
    }
  }
  return chain.StoreHead();  // sends the batched events first
}

absl::StatusOr<std::vector<bool>> PgGroupCommitWriter::InsertTogether(
    std::vector<Pending>& batch, std::vector<absl::Status>& outcomes) {
  constexpr int kColumns = 17;  // kInsertCertificateSql's parameters
  std::vector<bool> inserted(batch.size(), false);
  // A serial twice in one batch: the later one is a duplicate without asking the database, so
  // the statement's rows have distinct serials and RETURNING names each one's record.
  absl::flat_hash_map<std::string, size_t> by_serial;
  std::vector<size_t> rows;
  for (size_t i = 0; i < batch.size(); ++i) {
    if (!batch[i].record.has_value()) continue;
    if (by_serial.emplace(batch[i].record->serial_hex, i).second) rows.push_back(i);
  }
  for (size_t first = 0; first < rows.size(); first += kMaxRowsPerInsert) {
    const size_t n = std::min(kMaxRowsPerInsert, rows.size() - first);
    std::vector<PgParam> params;
    params.reserve(n * kColumns);
    for (size_t k = first; k < first + n; ++k) {
      std::vector<PgParam> row = CertificateParams(*batch[rows[k]].record);
      std::move(row.begin(), row.end(), std::back_inserter(params));
    }
    const std::string sql = absl::StrCat(MultiRowInsertSql(kInsertCertificateSql, kColumns, n),
                                         " ON CONFLICT (serial) DO NOTHING RETURNING serial");
    absl::StatusOr<PgResult> result = connection_->Exec(sql, params);
    if (!result.ok()) {
      return absl::Status(
          result.status().code(),
          absl::StrCat("recording ", n, " certificates: ", result.status().message()));
    }
    for (int r = 0; r < result->rows(); ++r) {
      auto it = by_serial.find(result->Text(r, 0));
      if (it == by_serial.end()) {
        return absl::InternalError("INSERT ... RETURNING serial named a serial not in the batch");
      }
      inserted[it->second] = true;
    }
  }
  for (size_t i = 0; i < batch.size(); ++i) {
    if (batch[i].record.has_value() && !inserted[i]) {
      outcomes[i] =
          absl::AlreadyExistsError(absl::StrCat("certificate serial ", batch[i].record->serial_hex,
                                                " is already recorded in the ledger"));
    }
  }
  return inserted;
}

// The slow path: each record's row and events inside a SAVEPOINT of its own.
absl::Status PgGroupCommitWriter::InsertEachInSavepoint(std::vector<Pending>& batch,
                                                        std::vector<absl::Status>& outcomes,
                                                        PgChainAppender& chain) {
  PgConnection& conn = *connection_;
  const std::string insert = NumberedPlaceholders(kInsertCertificateSql);
  for (size_t i = 0; i < batch.size(); ++i) {
    if (!batch[i].record.has_value()) continue;
    const CertificateRecord& record = *batch[i].record;
    SVIDD_RETURN_IF_ERROR(conn.Exec("SAVEPOINT record").status());
    const ChainHead before = chain.head();
    absl::Status s = conn.Exec(insert, CertificateParams(record)).status();
    if (absl::IsAlreadyExists(s)) {
      s = absl::AlreadyExistsError(absl::StrCat("certificate serial ", record.serial_hex,
                                                " is already recorded in the ledger"));
    } else if (!s.ok()) {
      s = absl::Status(
          s.code(), absl::StrCat("recording certificate ", record.serial_hex, ": ", s.message()));
    }
    if (s.ok()) s = chain.AppendNewRecord(record);
    outcomes[i] = s;
    if (!s.ok()) {
      if (IsWholeBatchError(s)) return s;
      SVIDD_RETURN_IF_ERROR(conn.Exec("ROLLBACK TO SAVEPOINT record").status());
      chain.Rewind(before);
    }
    SVIDD_RETURN_IF_ERROR(conn.Exec("RELEASE SAVEPOINT record").status());
  }
  return absl::OkStatus();
}

}  // namespace svidd::ledger::internal
