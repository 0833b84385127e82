// PostgreSQL schema migrations (migrations/postgres/, embedded at build time): the same
// numbered versions and schema_migrations table as SQLite. Applied under a session-level
// pg_advisory_lock, so replicas that start together migrate one after the other; the later
// ones find the work done. A database newer than this binary is refused, never touched.
#pragma once

#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "ledger/migration_runner.h"
#include "ledger/pg_connection.h"
#include "svidd/common/clock.h"

namespace svidd::ledger::internal {

// The PostgreSQL migrations compiled into this binary, ascending.
std::vector<Migration> EmbeddedPostgresMigrations();

// Highest applied version; 0 if schema_migrations does not exist yet.
absl::StatusOr<int> ReadPostgresSchemaVersion(PgConnection& conn);

// Applies every migration newer than the database, each in its own transaction.
// FAILED_PRECONDITION "ledger schema version N is newer than this svidd (knows up to M)".
absl::Status ApplyPostgresMigrations(PgConnection& conn, const std::vector<Migration>& migrations,
                                     TimePoint now);

// Read-only opens: FAILED_PRECONDITION unless the database is at exactly `latest`.
absl::Status CheckPostgresSchemaIsCurrent(PgConnection& conn, int latest);

}  // namespace svidd::ledger::internal
