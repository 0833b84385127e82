#include "ledger/chain_snapshot.h"

#include "absl/strings/str_cat.h"
#include "ledger/certificate_rows.h"
#include "ledger/checkpoint_rows.h"
#include "ledger/event_appender.h"
#include "ledger/sqlite_migrations.h"
#include "svidd/common/status_macros.h"
#include "svidd/ledger/sqlite_ledger.h"

namespace svidd::ledger::internal {
namespace {

constexpr char kFirstDuplicateSql[] =
    "SELECT e.seq FROM ledger_events e WHERE e.seq > ?1 AND EXISTS (SELECT 1 FROM ledger_events"
    " p WHERE p.serial = e.serial AND p.kind = e.kind AND p.seq < e.seq) ORDER BY e.seq LIMIT 1";

// A certificates row without its issuance event, or revoked without its revocation event.
constexpr char kUncoveredSelect[] =
    "SELECT c.seq, c.serial, NOT EXISTS (SELECT 1 FROM ledger_events e"
    "   WHERE e.serial = c.serial AND e.kind = 'issued')"
    " FROM certificates c";
constexpr char kUncoveredCondition[] =
    " (NOT EXISTS (SELECT 1 FROM ledger_events e"
    "   WHERE e.serial = c.serial AND e.kind = 'issued')"
    " OR (c.status = 'revoked' AND NOT EXISTS (SELECT 1 FROM ledger_events e"
    "   WHERE e.serial = c.serial AND e.kind = 'revoked')))"
    " ORDER BY c.seq LIMIT 1";

bool SameCheckpoint(const LedgerCheckpoint& a, const LedgerCheckpoint& b) {
  return a.event_seq == b.event_seq && a.head_hash == b.head_hash && a.signed_at == b.signed_at &&
         a.signature == b.signature;
}

// The first column of the first row of `sql` (with `text` bound to ?1 if given), or nullopt.
absl::StatusOr<std::optional<int64_t>> QueryOptionalInt(sqlite3* db, const char* sql,
                                                        const std::string* text = nullptr) {
  SVIDD_ASSIGN_OR_RETURN(Statement stmt, Statement::Prepare(db, sql));
  if (text != nullptr) stmt.BindText(1, *text);
  SVIDD_ASSIGN_OR_RETURN(bool found, stmt.Step());
  if (!found) return std::nullopt;
  return stmt.ColumnInt64(0);
}

}  // namespace

absl::StatusOr<std::unique_ptr<ChainSnapshot>> ChainSnapshot::Open(
    const std::filesystem::path& path, bool map_file) {
  SVIDD_ASSIGN_OR_RETURN(SqliteDbPtr handle,
                         OpenDatabase(path, ConnectionOptions{.read_only = true}));
  sqlite3* db = handle.get();
  absl::Status current = CheckSchemaIsCurrent(db, LatestSchemaVersion());
  if (!current.ok()) return WithContext(path.string(), current);
  // The walk reads every event and the certificates row it vouches for, in seq order but
  // scattered over the file: through SQLite's default 2 MB page cache that was one pread per
  // row (43% of svidd's start-up in the profile). Mapped, the pages come from the kernel's
  // page cache without a system call each. Read-only connection; the WAL is read as before.
  if (map_file) SVIDD_RETURN_IF_ERROR(Exec(db, "PRAGMA mmap_size = 17179869184"));
  // The first read after BEGIN fixes the snapshot every later statement sees: one seek (a
  // COUNT(*) here read a whole index, linear in the ledger, at every start).
  SVIDD_RETURN_IF_ERROR(Exec(db, "BEGIN"));
  SVIDD_RETURN_IF_ERROR(Exec(db, "SELECT seq FROM ledger_events ORDER BY seq DESC LIMIT 1"));
  absl::StatusOr<Statement> find =
      Statement::Prepare(db, absl::StrCat(kSelectCertificatesSql, " WHERE serial = ?1"));
  if (!find.ok()) {
    Exec(db, "ROLLBACK").IgnoreError();
    return find.status();
  }
  return std::unique_ptr<ChainSnapshot>(new ChainSnapshot(std::move(handle), std::move(*find)));
}

ChainSnapshot::~ChainSnapshot() {
  find_certificate_.Reset();
  Exec(db(), "ROLLBACK").IgnoreError();  // a read transaction: nothing to keep
}

void ChainSnapshot::InterruptWhen(const std::function<bool()>* stop) {
  internal::InterruptWhen(db(), stop);
}

absl::StatusOr<Statement> ChainSnapshot::Events(int64_t after) {
  SVIDD_ASSIGN_OR_RETURN(
      Statement stmt,
      Statement::Prepare(db(), absl::StrCat(kSelectEventsSql, " WHERE seq > ?1 ORDER BY seq")));
  stmt.BindInt64(1, after);
  return stmt;
}

absl::StatusOr<Statement> ChainSnapshot::Checkpoints(std::optional<int64_t> after) {
  if (!after.has_value()) {
    return Statement::Prepare(db(), absl::StrCat(kSelectCheckpointsSql, " ORDER BY event_seq, id"));
  }
  SVIDD_ASSIGN_OR_RETURN(
      Statement stmt,
      Statement::Prepare(db(), absl::StrCat(kSelectCheckpointsSql,
                                            " WHERE event_seq > ?1 ORDER BY event_seq, id")));
  stmt.BindInt64(1, *after);
  return stmt;
}

absl::StatusOr<Statement> ChainSnapshot::RevocationEvents(int64_t up_to) {
  SVIDD_ASSIGN_OR_RETURN(
      Statement stmt,
      Statement::Prepare(db(), absl::StrCat(kSelectEventsSql,
                                            " INDEXED BY ledger_events_revocations"
                                            " WHERE kind = 'revoked' AND seq <= ?1 ORDER BY seq")));
  stmt.BindInt64(1, up_to);
  return stmt;
}

absl::StatusOr<std::optional<ChainHead>> ChainSnapshot::LastEvent() {
  SVIDD_ASSIGN_OR_RETURN(
      Statement stmt,
      Statement::Prepare(db(), "SELECT seq, hash FROM ledger_events ORDER BY seq DESC LIMIT 1"));
  SVIDD_ASSIGN_OR_RETURN(bool found, stmt.Step());
  if (!found) return std::nullopt;
  return ChainHead{stmt.ColumnInt64(0), stmt.ColumnText(1)};
}

absl::StatusOr<std::optional<std::string>> ChainSnapshot::EventHashAt(int64_t seq) {
  SVIDD_ASSIGN_OR_RETURN(Statement stmt,
                         Statement::Prepare(db(), "SELECT hash FROM ledger_events WHERE seq = ?1"));
  stmt.BindInt64(1, seq);
  SVIDD_ASSIGN_OR_RETURN(bool found, stmt.Step());
  if (!found) return std::nullopt;
  return stmt.ColumnText(0);
}

absl::StatusOr<std::optional<LedgerCheckpoint>> ChainSnapshot::NewestCheckpointUpTo(int64_t seq,
                                                                                    int64_t& id) {
  SVIDD_ASSIGN_OR_RETURN(
      Statement stmt,
      Statement::Prepare(db(), absl::StrCat(kSelectCheckpointsSql,
                                            " WHERE event_seq <= ?1"
                                            " ORDER BY event_seq DESC, id DESC LIMIT 1")));
  stmt.BindInt64(1, seq);
  SVIDD_ASSIGN_OR_RETURN(bool found, stmt.Step());
  if (!found) return std::nullopt;
  id = stmt.ColumnInt64(0);
  return ReadCheckpointRow(stmt);
}

absl::StatusOr<bool> ChainSnapshot::HasCheckpoint(const LedgerCheckpoint& c) {
  SVIDD_ASSIGN_OR_RETURN(
      Statement stmt,
      Statement::Prepare(db(), absl::StrCat(kSelectCheckpointsSql, " WHERE event_seq = ?1")));
  stmt.BindInt64(1, c.event_seq);
  for (;;) {
    SVIDD_ASSIGN_OR_RETURN(bool found, stmt.Step());
    if (!found) return false;
    absl::StatusOr<LedgerCheckpoint> stored = ReadCheckpointRow(stmt);
    if (stored.ok() && SameCheckpoint(*stored, c)) return true;
  }
}

absl::StatusOr<int64_t> ChainSnapshot::LastIssuedCertificateSeqUpTo(int64_t seq) {
  SVIDD_ASSIGN_OR_RETURN(
      Statement stmt,
      Statement::Prepare(db(),
                         "SELECT serial FROM ledger_events WHERE seq <= ?1 AND kind = 'issued'"
                         " ORDER BY seq DESC LIMIT 1"));
  stmt.BindInt64(1, seq);
  SVIDD_ASSIGN_OR_RETURN(bool found, stmt.Step());
  if (!found) return 0;
  return CertificateSeq(stmt.ColumnText(0));
}

absl::StatusOr<std::optional<CertificateRecord>> ChainSnapshot::FindCertificate(
    const std::string& serial_hex) {
  find_certificate_.Reset();
  find_certificate_.BindText(1, serial_hex);
  SVIDD_ASSIGN_OR_RETURN(bool found, find_certificate_.Step());
  if (!found) return std::nullopt;
  SVIDD_ASSIGN_OR_RETURN(CertificateRecord record,
                         ReadCertificateRow(StatementRow(find_certificate_)));
  find_certificate_.Reset();
  return record;
}

absl::StatusOr<int64_t> ChainSnapshot::CertificateSeq(const std::string& serial_hex) {
  SVIDD_ASSIGN_OR_RETURN(
      std::optional<int64_t> seq,
      QueryOptionalInt(db(), "SELECT seq FROM certificates WHERE serial = ?1", &serial_hex));
  return seq.value_or(0);
}

absl::StatusOr<std::optional<int64_t>> ChainSnapshot::FindEventWithHash(const std::string& hash) {
  return QueryOptionalInt(
      db(), "SELECT seq FROM ledger_events WHERE hash = ?1 ORDER BY seq LIMIT 1", &hash);
}

absl::StatusOr<std::optional<int64_t>> ChainSnapshot::FirstDuplicateEvent(int64_t after) {
  SVIDD_ASSIGN_OR_RETURN(Statement stmt, Statement::Prepare(db(), kFirstDuplicateSql));
  stmt.BindInt64(1, after);
  SVIDD_ASSIGN_OR_RETURN(bool found, stmt.Step());
  if (!found) return std::nullopt;
  return stmt.ColumnInt64(0);
}

absl::StatusOr<std::optional<UncoveredCertificate>> ChainSnapshot::FirstUncovered(
    const std::string& where, std::optional<int64_t> bound) {
  SVIDD_ASSIGN_OR_RETURN(
      Statement stmt,
      Statement::Prepare(db(), absl::StrCat(kUncoveredSelect, where, kUncoveredCondition)));
  if (bound.has_value()) stmt.BindInt64(1, *bound);
  SVIDD_ASSIGN_OR_RETURN(bool found, stmt.Step());
  if (!found) return std::nullopt;
  return UncoveredCertificate{stmt.ColumnInt64(0), stmt.ColumnText(1), stmt.ColumnInt64(2) != 0};
}

absl::StatusOr<std::optional<UncoveredCertificate>> ChainSnapshot::FirstUncoveredCertificate() {
  return FirstUncovered(" WHERE", std::nullopt);
}

absl::StatusOr<std::optional<UncoveredCertificate>> ChainSnapshot::FirstUncoveredCertificateAfter(
    int64_t after) {
  // Two range reads rather than one OR, which SQLite would answer by scanning the table.
  // The partial index by name: for ORDER BY seq LIMIT 1 SQLite would rather walk the table.
  SVIDD_ASSIGN_OR_RETURN(std::optional<UncoveredCertificate> newer,
                         FirstUncovered(" WHERE c.seq > ?1 AND", after));
  SVIDD_ASSIGN_OR_RETURN(
      std::optional<UncoveredCertificate> revoked,
      FirstUncovered(" INDEXED BY certificates_by_revoked_at WHERE c.revoked_at IS NOT NULL AND",
                     std::nullopt));
  if (!newer.has_value()) return revoked;
  if (revoked.has_value() && revoked->seq < newer->seq) return revoked;
  return newer;
}

absl::StatusOr<int64_t> ChainSnapshot::CountCertificates() {
  SVIDD_ASSIGN_OR_RETURN(std::optional<int64_t> count,
                         QueryOptionalInt(db(), "SELECT COUNT(*) FROM certificates"));
  return count.value_or(0);
}

}  // namespace svidd::ledger::internal
