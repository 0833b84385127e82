#include "server/ledger_startup_check.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "spdlog/spdlog.h"
#include "svidd/common/status_macros.h"
#include "svidd/ledger/operator_records.h"

namespace svidd::server {

ledger::LedgerVerifierOptions LedgerCheckOptions(const ServerOptions& options,
                                                 ledger::VerificationScope scope) {
  ledger::LedgerVerifierOptions verifier_options = ledger::LedgerVerifierOptions::ForLedger(
      options.data_dir, options.EffectiveCaDir(), options.ledger);
  verifier_options.scope = scope;
  return verifier_options;
}

std::string DescribeLedgerBreak(const ServerOptions& options, const ledger::LedgerBreak& at) {
  return absl::StrCat("the ledger (", options.LedgerName(),
                      ") does not verify: ", BreakKindName(at.kind), " at ", at.where, " row ",
                      at.row, ": ", at.detail);
}

absl::Status RecordAcceptedLedgerBreak(ledger::Ledger& ledger, const Clock& clock,
                                       const std::string& what) {
  spdlog::critical(
      "--accept-ledger-rollback: serving from a ledger that does not verify ({}); "
      "revocations it lost are NOT in force; re-revoke them with svidctl",
      what);
  ledger::AdminCallRecord audit;
  audit.at = clock.Now();
  audit.caller_id = "svidd";
  audit.peer = "local";
  audit.method = "AcceptLedgerRollback";
  audit.arguments = "{\"flag\":\"--accept-ledger-rollback\"}";
  audit.outcome = "OK";
  audit.message = what;
  return ledger.RecordAdminCall(audit);
}

absl::Status VerifyLedgerAtStart(const ServerOptions& options, ledger::Ledger& ledger,
                                 ca::LedgerCheckpointer& checkpointer, const Clock& clock) {
  // Incremental: the signed head (checkpoints, ledger-head.json: a rolled-back ledger), the
  // events after the newest checkpoint, and every revocation of the whole ledger, event and
  // row both ways (a revocation undone inside the signed prefix); what it leaves (an edit of
  // another column inside the signed prefix) the background walk finds after serving starts.
  const bool full = options.ledger_check_at_start == ServerOptions::LedgerCheckAtStart::kFull;
  auto verifier = ledger::LedgerVerifier::Create(
      LedgerCheckOptions(options, full ? ledger::VerificationScope::kFull
                                       : ledger::VerificationScope::kFromNewestCheckpoint));
  SVIDD_RETURN_IF_ERROR(verifier.status());
  SVIDD_ASSIGN_OR_RETURN(ledger::LedgerVerification verification, verifier->Verify());
  spdlog::info(
      "ledger checked at start ({}): signed up to seq {}, {} revocation event(s) in it checked "
      "against their rows, {} events recomputed",
      full ? "full" : "incremental", verification.trusted_up_to,
      verification.prefix_revocations_checked, verification.events_verified);
  if (verification.intact()) return absl::OkStatus();
  const std::string what = DescribeLedgerBreak(options, *verification.first_break);
  if (!options.accept_ledger_rollback) {
    return absl::FailedPreconditionError(
        absl::StrCat("refusing to issue from a rolled-back or edited ledger, which may have lost "
                     "revocations: ",
                     what,
                     ". Restore the newest ledger.db (and check it with `svidctl "
                     "ledger verify`), or, to accept this ledger as it is, start once with "
                     "--accept-ledger-rollback (recorded in the ledger)"));
  }
  SVIDD_RETURN_IF_ERROR(RecordAcceptedLedgerBreak(ledger, clock, what));
  checkpointer.AcceptCurrentChain();
  return absl::OkStatus();
}

}  // namespace svidd::server
