// svidd's check of its ledger before it issues anything: a ledger behind its signed head, or
// whose chain does not verify, may have lost revocations, so nothing is issued from it unless
// the operator accepts it as it is (--accept-ledger-rollback, recorded in the ledger).
#pragma once

#include "absl/status/status.h"
#include "ca/ledger_checkpointer.h"
#include "svidd/common/clock.h"
#include "svidd/ledger/ledger.h"
#include "svidd/server/server_options.h"

namespace svidd {

// OK for an intact ledger, or a broken one the operator accepted (then `checkpointer` forgets
// the earlier checkpoints, so the next one signs the chain as it is). FAILED_PRECONDITION
// naming the first break, and what to do, otherwise.
absl::Status VerifyLedgerAtStart(const ServerOptions& options, Ledger& ledger,
                                 ca::LedgerCheckpointer& checkpointer, const Clock& clock);

}  // namespace svidd
