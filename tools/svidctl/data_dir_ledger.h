// svidd's ledger in a data directory, opened the way svidctl's commands on it may: never
// created (a missing ledger means a wrong --data-dir) and never migrated (a writable open first
// checks, read-only, that the schema is exactly this svidctl's, so a newer svidctl never
// migrates the ledger underneath a running older svidd).
#pragma once

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "svidd/ledger/ledger.h"

namespace svidctl {

enum class LedgerAccess { kReadOnly, kReadWrite };

// NOT_FOUND "no ledger at <path>: ..." if there is none; the ledger's own error for a schema
// it does not match. With `ledger_uri` (--ledger) the PostgreSQL ledger there instead, under
// the same rules (never migrated by svidctl).
absl::StatusOr<std::unique_ptr<svidd::ledger::Ledger>> OpenDataDirLedger(
    const std::string& data_dir, LedgerAccess access, const std::string& ledger_uri);

}  // namespace svidctl
