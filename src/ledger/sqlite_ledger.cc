#include "svidd/ledger/sqlite_ledger.h"

#include <system_error>

#include "absl/strings/str_cat.h"
#include "ledger/event_backfill.h"
#include "ledger/sqlite_ledger_impl.h"
#include "ledger/sqlite_migrations.h"
#include "svidd/common/status_macros.h"
#include "svidd/common/time_format.h"

namespace svidd::ledger {
namespace internal {
namespace {

// Reads are short; a few connections let health checks, svidctl-style look-ups and the
// revocation path overlap without queueing behind each other.
constexpr int kReaderConnections = 3;

absl::Status PrepareFile(const std::filesystem::path& path, const SqliteLedgerOptions& options,
                         sqlite3* db) {
  if (options.read_only) return CheckSchemaIsCurrent(db, LatestSchemaVersion());
  return ApplyMigrations(db, EmbeddedMigrations(), SystemClock::Instance().Now(),
                         EventLogBackfillStep());
}

absl::Status CreateParentDirectory(const std::filesystem::path& path) {
  if (IsInMemory(path) || !path.has_parent_path()) return absl::OkStatus();
  std::error_code ec;
  std::filesystem::create_directories(path.parent_path(), ec);
  if (ec) {
    return absl::FailedPreconditionError(absl::StrCat(
        "creating ledger directory ", path.parent_path().string(), ": ", ec.message()));
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<std::unique_ptr<SqliteLedger>> SqliteLedger::Open(
    const std::filesystem::path& path, const SqliteLedgerOptions& options) {
  const ConnectionOptions conn_options{options.read_only, options.busy_timeout};
  if (!options.read_only) SVIDD_RETURN_IF_ERROR(CreateParentDirectory(path));
  SVIDD_ASSIGN_OR_RETURN(SqliteDbPtr first_handle, OpenDatabase(path, conn_options));
  absl::Status prepared = PrepareFile(path, options, first_handle.get());
  if (!prepared.ok()) return WithContext(path.string(), prepared);
  sqlite3* const first_db = first_handle.get();  // for the checkpointer's hook, below
  auto first = std::make_shared<Connection>(std::move(first_handle));

  std::vector<std::shared_ptr<Connection>> readers;
  std::unique_ptr<GroupCommitWriter> writer;
  std::unique_ptr<WalCheckpointer> checkpointer;
  if (IsInMemory(path)) {
    readers.push_back(first);  // another connection would see another database
  } else {
    if (options.read_only) readers.push_back(first);
    while (readers.size() < kReaderConnections) {
      SVIDD_ASSIGN_OR_RETURN(std::shared_ptr<Connection> c, OpenConnection(path, conn_options));
      readers.push_back(std::move(c));
    }
  }
  if (!options.read_only && !IsInMemory(path)) {
    SVIDD_ASSIGN_OR_RETURN(std::shared_ptr<Connection> c, OpenConnection(path, conn_options));
    checkpointer = std::make_unique<WalCheckpointer>(std::move(c), options.wal_checkpoint);
    checkpointer->Attach(first_db);  // before the writer's thread commits anything
  }
  if (!options.read_only) {
    // Each record is a SAVEPOINT inside its batch's transaction, so SQLite keeps the original
    // of every existing page a record changes in a statement journal until the record is
    // released. Past 64 KiB (one record on a ledger of a few thousand rows) that journal
    // spills to a temporary file: one pwrite of 4 bytes and one of 4 KiB per page, the largest
    // share of svidd's system calls per certificate (docs/PERFORMANCE.md). In memory it never
    // touches a file and holds one record's pages at a time. Readers keep sorting on disk.
    if (!IsInMemory(path)) SVIDD_RETURN_IF_ERROR(Exec(first_db, "PRAGMA temp_store = MEMORY"));
    writer = std::make_unique<GroupCommitWriter>(first, options.max_batch);
  }
  return std::unique_ptr<SqliteLedger>(
      new SqliteLedger(path, std::make_unique<ConnectionPool>(std::move(readers)),
                       std::move(writer), std::move(checkpointer)));
}

// The writer first (it drains its queue and commits, reporting to the checkpointer), then the
// checkpointer.
SqliteLedger::~SqliteLedger() {
  writer_.reset();
  checkpointer_.reset();
}

absl::Status SqliteLedger::Named(const absl::Status& status) const {
  return WithContext(path_.string(), status);
}

}  // namespace internal

int LatestSchemaVersion() {
  std::vector<internal::Migration> migrations = internal::EmbeddedMigrations();
  return migrations.empty() ? 0 : migrations.back().version;
}

absl::StatusOr<std::unique_ptr<Ledger>> OpenSqliteLedger(const std::filesystem::path& path,
                                                         const SqliteLedgerOptions& options) {
  SVIDD_ASSIGN_OR_RETURN(std::unique_ptr<internal::SqliteLedger> ledger,
                         internal::SqliteLedger::Open(path, options));
  return std::unique_ptr<Ledger>(std::move(ledger));
}

}  // namespace svidd::ledger
