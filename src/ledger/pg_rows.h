// How records, events and checkpoints map onto PostgreSQL rows: parameter lists for inserts
// and row readers for the column lists the SQLite ledger also uses (certificate_rows.h,
// event_appender.h, checkpoint_rows.h), so both engines read the same columns in the same order.
#pragma once

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "ledger/certificate_query.h"
#include "ledger/pg_connection.h"
#include "svidd/ledger/certificate_record.h"
#include "svidd/ledger/ledger_event.h"

namespace svidd::internal {

// kInsertCertificateSql's parameters, in order.
std::vector<PgParam> CertificateParams(const CertificateRecord& record);
// Row `row` of a result selected with kSelectCertificatesSql. DATA_LOSS for unknown values.
absl::StatusOr<CertificateRecord> ReadPgCertificateRow(const PgResult& result, int row);
// Row `row` of a result selected with kSelectEventsSql.
absl::StatusOr<LedgerEvent> ReadPgEventRow(const PgResult& result, int row);
// Row `row` of a result selected with kSelectCheckpointsSql.
LedgerCheckpoint ReadPgCheckpointRow(const PgResult& result, int row);

// A shared query (with `?` placeholders) in PostgreSQL form: $n placeholders, text params.
std::string PgSql(const SqlFragment& q);
std::vector<PgParam> PgParams(const SqlFragment& q);

}  // namespace svidd::internal
