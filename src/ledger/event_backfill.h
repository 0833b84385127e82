// Migration 0003's C++ half. A database from before the event log holds certificate rows
// without events; in the migration's own transaction (so exactly once, and never half done)
// they get their issuance events in seq order, then revocation events for the rows already
// revoked, in revocation order. From then on the chain covers every row.
#pragma once

#include <sqlite3.h>

#include <vector>

#include "absl/status/status.h"
#include "ledger/sqlite_migrations.h"

namespace svidd::ledger::internal {

inline constexpr int kEventLogSchemaVersion = 3;

absl::Status BackfillEventLog(sqlite3* db);

// BackfillEventLog as the step after version kEventLogSchemaVersion.
SqliteMigrationSteps EventLogBackfillStep();

}  // namespace svidd::ledger::internal
