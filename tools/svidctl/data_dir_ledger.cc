#include "svidctl/data_dir_ledger.h"

#include <filesystem>

#include "absl/strings/str_cat.h"
#include "svidd/common/data_dir.h"
#include "svidd/common/status_macros.h"
#include "svidd/ledger/postgres_ledger.h"
#include "svidd/ledger/sqlite_ledger.h"

namespace svidctl {

absl::StatusOr<std::unique_ptr<svidd::ledger::Ledger>> OpenDataDirLedger(
    const std::string& data_dir, LedgerAccess access, const std::string& ledger_uri) {
  if (!ledger_uri.empty()) {
    SVIDD_RETURN_IF_ERROR(svidd::ledger::ValidatePostgresUri(ledger_uri));
    SVIDD_ASSIGN_OR_RETURN(std::unique_ptr<svidd::ledger::Ledger> ledger,
                           svidd::ledger::OpenPostgresLedger(ledger_uri, {.read_only = true}));
    if (access == LedgerAccess::kReadOnly) return ledger;
    ledger.reset();
    return svidd::ledger::OpenPostgresLedger(ledger_uri, {.reader_connections = 1});
  }
  const std::filesystem::path path = svidd::DataDir(data_dir).ledger();
  if (!std::filesystem::exists(path)) {
    return absl::NotFoundError(
        absl::StrCat("no ledger at ", path.string(),
                     ": --data-dir must be the data directory of a svidd that has started once"));
  }
  svidd::ledger::SqliteLedgerOptions read_only;
  read_only.read_only = true;
  SVIDD_ASSIGN_OR_RETURN(std::unique_ptr<svidd::ledger::Ledger> ledger,
                         svidd::ledger::OpenSqliteLedger(path, read_only));
  if (access == LedgerAccess::kReadOnly) return ledger;
  ledger.reset();
  return svidd::ledger::OpenSqliteLedger(path);
}

}  // namespace svidctl
