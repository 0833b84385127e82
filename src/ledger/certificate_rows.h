// Writing a CertificateRecord into the `certificates` table on SQLite. The insert's text, the
// column list every read uses and the row → record conversion are shared with PostgreSQL
// (ledger_tables.h).
#pragma once

#include "absl/status/status.h"
#include "ledger/ledger_tables.h"
#include "ledger/sqlite_handle.h"
#include "svidd/ledger/certificate_record.h"

namespace svidd::ledger::internal {

// Binds `record` to a statement prepared from kInsertCertificateSql and runs it.
// ALREADY_EXISTS if the serial is already recorded.
absl::Status InsertCertificate(Statement& insert, const CertificateRecord& record);

}  // namespace svidd::ledger::internal
