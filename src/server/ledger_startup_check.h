// svidd's check of its ledger before it issues anything: a ledger behind its signed head, or
// whose chain does not verify, may have lost revocations, so nothing is issued from it unless
// the operator accepts it as it is (--accept-ledger-rollback, recorded in the ledger).
// How much is checked before serving is --ledger-check-at-start (ServerOptions); what the
// incremental check leaves to the full walk, background_ledger_check.h runs after serving
// starts (docs/ledger-integrity.md).
#pragma once

#include <string>

#include "absl/status/status.h"
#include "svidd/ca/ledger_checkpointer.h"
#include "svidd/common/clock.h"
#include "svidd/ledger/ledger.h"
#include "svidd/ledger/ledger_verification.h"
#include "svidd/ledger/ledger_verifier.h"
#include "svidd/server/server_options.h"

namespace svidd::server {

// OK for an intact ledger, or a broken one the operator accepted (then `checkpointer` forgets
// the earlier checkpoints, so the next one signs the chain as it is). FAILED_PRECONDITION
// naming the first break, and what to do, otherwise. The scope is --ledger-check-at-start's.
absl::Status VerifyLedgerAtStart(const ServerOptions& options, ledger::Ledger& ledger,
                                 ca::LedgerCheckpointer& checkpointer, const Clock& clock);

// Where svidd's ledger is and what to check it against, walking `scope`.
ledger::LedgerVerifierOptions LedgerCheckOptions(const ServerOptions& options,
                                                 ledger::VerificationScope scope);

// "the ledger (NAME) does not verify: KIND at WHERE row N: DETAIL" for a broken verification.
std::string DescribeLedgerBreak(const ServerOptions& options, const ledger::LedgerBreak& at);

// --accept-ledger-rollback in force for a break described by `what`: logged as critical and
// recorded in the ledger's admin audit log.
absl::Status RecordAcceptedLedgerBreak(ledger::Ledger& ledger, const Clock& clock,
                                       const std::string& what);

}  // namespace svidd::server
