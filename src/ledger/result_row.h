// One row of a query result, read by column (numbered from 0) the same way on either engine:
// SQLite's StatementRow (sqlite_handle.h) and PostgreSQL's PgRow (pg_rows.h). The mapping of a
// table's columns onto a value is then written once (ledger_tables.h).
#pragma once

#include <cstdint>
#include <string>

namespace svidd::ledger::internal {

class ResultRow {
 public:
  virtual std::string Text(int column) const = 0;
  virtual int64_t Int64(int column) const = 0;
  virtual bool IsNull(int column) const = 0;

 protected:
  ~ResultRow() = default;
};

}  // namespace svidd::ledger::internal
