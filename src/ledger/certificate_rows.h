// How a CertificateRecord maps onto the `certificates` table: the insert, the column list
// every read uses, and the row → record conversion.
#pragma once

#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "ledger/sqlite_handle.h"
#include "svidd/ledger/certificate_record.h"
#include "svidd/ledger/ledger.h"

namespace svidd::internal {

extern const char kInsertCertificateSql[];

// Binds `record` to a statement prepared from kInsertCertificateSql and runs it.
// ALREADY_EXISTS if the serial is already recorded.
absl::Status InsertCertificate(Statement& insert, const CertificateRecord& record);

// "SELECT <all record columns> FROM certificates" (no trailing clause).
extern const char kSelectCertificatesSql[];

// The current row of a statement built on kSelectCertificatesSql. DATA_LOSS if a stored
// value cannot be understood.
absl::StatusOr<CertificateRecord> ReadCertificateRow(const Statement& row);

}  // namespace svidd::internal
