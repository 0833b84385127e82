// How svidctl prints a ledger verification: stable JSON for scripts, aligned text for people.
#pragma once

#include <string>

#include "nlohmann/json.hpp"
#include "svidd/common/clock.h"
#include "svidd/ledger/ledger_verification.h"

namespace svidctl {

// {"intact", "events", "head_hash", "certificates", "checkpoints", "last_signed_seq",
//  "last_signed_at" (or null), "first_break" (or null: {"kind", "where", "row", "event_seq",
//  "serial", "detail"}), "warnings": [{"kind", "detail"}]}; keys always in this order.
nlohmann::ordered_json VerificationToJson(const svidd::ledger::LedgerVerification& report);

// "Status: intact" / "Status: BROKEN", the counts, the first break and the warnings.
std::string VerificationText(const svidd::ledger::LedgerVerification& report, svidd::TimePoint now);

// "ledger_events seq 12", "certificates seq 3 (serial 5a3f)", "ledger_checkpoints id 7", ...
std::string BreakLocation(const svidd::ledger::LedgerBreak& b);

}  // namespace svidctl
