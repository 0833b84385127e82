#include "server/ledger_startup_check.h"

#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "spdlog/spdlog.h"
#include "svidd/common/status_macros.h"
#include "svidd/ledger/ledger_verifier.h"
#include "svidd/ledger/operator_records.h"

namespace svidd {

absl::Status VerifyLedgerAtStart(const ServerOptions& options, Ledger& ledger,
                                 ca::LedgerCheckpointer& checkpointer, const Clock& clock) {
  LedgerVerifierOptions verifier_options =
      LedgerVerifierOptions::ForLedger(options.data_dir, options.EffectiveCaDir(), options.ledger);
  // The whole chain, not only what follows the newest checkpoint
  // (VerificationScope::kFromNewestCheckpoint): that scope does not yet see a revocation
  // undone inside the signed prefix (a revoked row edited back to active), and a CA must not
  // start from such a ledger (SviddProcessTest.AnOlderLedgerCopyOrAnEditedRowIsRefusedAtStart).
  auto verifier = LedgerVerifier::Create(std::move(verifier_options));
  SVIDD_RETURN_IF_ERROR(verifier.status());
  SVIDD_ASSIGN_OR_RETURN(LedgerVerification verification, verifier->Verify());
  spdlog::info("ledger checked at start: signed up to seq {}, {} events after it recomputed",
               verification.trusted_up_to, verification.events_verified);
  if (verification.intact()) return absl::OkStatus();
  const LedgerBreak& at = *verification.first_break;
  const std::string what = absl::StrCat("the ledger (", options.LedgerName(),
                                        ") does not verify: ", BreakKindName(at.kind), " at ",
                                        at.where, " row ", at.row, ": ", at.detail);
  if (!options.accept_ledger_rollback) {
    return absl::FailedPreconditionError(
        absl::StrCat("refusing to issue from a rolled-back or edited ledger, which may have lost "
                     "revocations: ",
                     what,
                     ". Restore the newest ledger.db (and check it with `svidctl "
                     "ledger verify`), or, to accept this ledger as it is, start once with "
                     "--accept-ledger-rollback (recorded in the ledger)"));
  }
  spdlog::critical(
      "--accept-ledger-rollback: serving from a ledger that does not verify ({}); "
      "revocations it lost are NOT in force; re-revoke them with svidctl",
      what);
  AdminCallRecord audit;
  audit.at = clock.Now();
  audit.caller_id = "svidd";
  audit.peer = "local";
  audit.method = "AcceptLedgerRollback";
  audit.arguments = "{\"flag\":\"--accept-ledger-rollback\"}";
  audit.outcome = "OK";
  audit.message = what;
  SVIDD_RETURN_IF_ERROR(ledger.RecordAdminCall(audit));
  checkpointer.AcceptCurrentChain();
  return absl::OkStatus();
}

}  // namespace svidd
