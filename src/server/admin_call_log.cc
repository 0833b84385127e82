#include "server/admin_call_log.h"

#include "spdlog/spdlog.h"

namespace svidd {

absl::Status AdminCallLog::Record(const AdminCallRecord& call) {
  const std::string caller = call.caller_id.empty() ? "(unauthenticated)" : call.caller_id;
  spdlog::info("admin: {} {} from {} ({}) args={} -> {}{}{}", call.method, caller, call.peer,
               call.caller_principal.empty() ? "no certificate" : call.caller_principal,
               call.arguments, call.outcome, call.message.empty() ? "" : ": ", call.message);
  absl::Status written = ledger_.RecordAdminCall(call);
  if (!written.ok()) {
    spdlog::error("admin: could not append the call above to the admin audit log: {}",
                  written.ToString());
  }
  return written;
}

}  // namespace svidd
