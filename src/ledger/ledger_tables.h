// The ledger's tables as both engines use them, written once: the column lists every read
// selects, the statements whose text is the same on both (with ?N placeholders; PostgreSQL runs
// them through NumberedPlaceholders), and the row → value mapping of each column list, over a
// ResultRow of either engine. What differs (binding, dialect-specific SQL) stays with the engine.
#pragma once

#include <chrono>
#include <cstdint>

#include "absl/status/statusor.h"
#include "ledger/result_row.h"
#include "svidd/common/clock.h"
#include "svidd/ledger/certificate_record.h"
#include "svidd/ledger/lease_store.h"
#include "svidd/ledger/ledger_event.h"
#include "svidd/ledger/operator_records.h"

namespace svidd::ledger::internal {

// certificates: the insert (17 parameters, in the column order below) and the column list.
extern const char kInsertCertificateSql[];
// "SELECT <all record columns> FROM certificates" (no trailing clause).
extern const char kSelectCertificatesSql[];
// A row selected with kSelectCertificatesSql. DATA_LOSS if a stored value cannot be understood.
absl::StatusOr<CertificateRecord> ReadCertificateRow(const ResultRow& row);

// "SELECT <event columns> FROM ledger_events" (no trailing clause).
extern const char kSelectEventsSql[];
// A row selected with kSelectEventsSql. DATA_LOSS for a kind this binary does not know.
absl::StatusOr<LedgerEvent> ReadEventRow(const ResultRow& row);

// ledger_events: the insert (?1..?7 in kSelectEventsSql's order) and the head, the event with
// the highest seq ("seq, hash"; no row for an empty log).
extern const char kInsertEventSql[];
extern const char kSelectChainHeadSql[];
extern const char kSelectEventHashSql[];  // "hash" of event ?1

// "SELECT id, <checkpoint columns> FROM ledger_checkpoints" (no trailing clause), and the
// insert (?1..?6: the columns after id, the signature in hex).
extern const char kSelectCheckpointsSql[];
extern const char kInsertCheckpointSql[];

// One identity summary, in the columns each engine's own ListIdentities query selects: spiffe_id,
// kind, certificates, valid, first_issued, last_issued, then the current certificate's serial,
// status, not_before, not_after, auth_method. DATA_LOSS for an unknown kind or status.
absl::StatusOr<IdentitySummary> ReadIdentityRow(const ResultRow& row);
// A CountCertificatesBy row: the group's value, its count.
GroupCount ReadGroupCountRow(const ResultRow& row);

// refusal_counts and admin_audit (migration 0004).
extern const char kListRefusalsSql[];     // ?1 the first hour
extern const char kInsertAdminCallSql[];  // ?1..?8 in AdminCallRecord's order
extern const char kListAdminCallsSql[];   // ?1 since, ?2 the limit
RefusalCount ReadRefusalCountRow(const ResultRow& row);
AdminCallRecord ReadAdminCallRow(const ResultRow& row);

// leases (migration 0007). Acquire inserts the lease, or takes it over when it expired, or
// extends it for its holder; it leaves someone else's unexpired lease alone.
extern const char kAcquireLeaseSql[];  // ?1 name, ?2 holder, ?3 expires_at_ms, ?4 now_ms
extern const char kSelectLeaseSql[];   // ?1 name
extern const char kReleaseLeaseSql[];  // ?1 name, ?2 holder
LeaseRecord ReadLeaseRow(const ResultRow& row);
inline int64_t UnixMillis(TimePoint t) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
}

}  // namespace svidd::ledger::internal
