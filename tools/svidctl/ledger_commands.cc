#include "svidctl/ledger_commands.h"

#include <filesystem>

#include "absl/strings/str_cat.h"
#include "svidctl/ledger_output.h"
#include "svidd/common/data_dir.h"
#include "svidd/common/status_macros.h"
#include "svidd/ledger/ledger_event.h"
#include "svidd/ledger/ledger_verifier.h"
#include "svidd/ledger/postgres_ledger.h"

namespace svidctl {

absl::Status RunVerify(const std::string& data_dir, const LedgerOptions& options,
                       const svidd::Clock& clock, std::ostream& out) {
  const std::filesystem::path ca_dir = svidd::DataDir(data_dir, options.ca_dir).ca();
  if (!options.ledger.empty())
    SVIDD_RETURN_IF_ERROR(svidd::ledger::ValidatePostgresUri(options.ledger));
  svidd::ledger::LedgerVerifierOptions verifier_options =
      svidd::ledger::LedgerVerifierOptions::ForLedger(data_dir, ca_dir, options.ledger);
  if (options.since_checkpoint) {
    verifier_options.scope = svidd::ledger::VerificationScope::kFromNewestCheckpoint;
  }
  SVIDD_ASSIGN_OR_RETURN(svidd::ledger::LedgerVerifier verifier,
                         svidd::ledger::LedgerVerifier::Create(std::move(verifier_options)));
  SVIDD_ASSIGN_OR_RETURN(svidd::ledger::LedgerVerification report, verifier.Verify());
  if (options.output == "json") {
    out << VerificationToJson(report).dump(2) << "\n";
  } else {
    out << VerificationText(report, clock.Now());
  }
  if (report.intact()) return absl::OkStatus();
  const svidd::ledger::LedgerBreak& b = *report.first_break;
  return absl::DataLossError(absl::StrCat("ledger is broken at ", BreakLocation(b), ": ",
                                          svidd::ledger::BreakKindName(b.kind), ": ", b.detail));
}

}  // namespace svidctl
