// `ledger verify` on PostgreSQL: one REPEATABLE READ, READ ONLY snapshot of the tables the hash
// chain covers (certificates, ledger_events, ledger_checkpoints) copied row for row into a
// private SQLite file with the SQLite schema, which the one LedgerVerifier then walks. Both
// engines are thus checked by the same code, against one consistent view, while replicas keep
// writing. The copy keeps every stored value as it is (seq and id included) and holds none of
// SQLite's guards against what it copies: a row PostgreSQL should have refused is evidence.
#pragma once

#include <filesystem>
#include <string>

#include "absl/status/status.h"

namespace svidd::internal {

// Writes the snapshot of the PostgreSQL ledger at `uri` into a new SQLite file `path`.
// UNAVAILABLE if PostgreSQL cannot be reached; FAILED_PRECONDITION if its schema is not this
// binary's. Errors name the ledger without its password.
absl::Status CopyPostgresLedgerToSqlite(const std::string& uri, const std::filesystem::path& path);

}  // namespace svidd::internal
