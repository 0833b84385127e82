// The schema migrations compiled into the binary (generated from migrations/*.sql).
#pragma once

#include <cstddef>

namespace svidd::ledger::internal {

struct EmbeddedMigration {
  int version;       // from the file name's leading number
  const char* name;  // file name, e.g. "0001_init.sql"
  const char* sql;
};

extern const EmbeddedMigration kEmbeddedMigrations[];  // ascending version
extern const size_t kEmbeddedMigrationsCount;
// migrations/postgres/*.sql: the same versions for the PostgreSQL ledger.
extern const EmbeddedMigration kEmbeddedPostgresMigrations[];
extern const size_t kEmbeddedPostgresMigrationsCount;

}  // namespace svidd::ledger::internal
