#include "server/admin_call_log.h"

#include "spdlog/spdlog.h"

namespace svidd::server {

absl::Status AdminCallLog::Record(const ledger::AdminCallRecord& call, const absl::Status& status) {
  audit_.AdminCall(call, status);
  absl::Status written = ledger_.RecordAdminCall(call);
  if (!written.ok()) {
    spdlog::error("admin: could not append {} by {} from {} to the admin audit log: {}",
                  call.method, call.caller_id.empty() ? "(unauthenticated)" : call.caller_id,
                  call.peer, written.ToString());
  }
  return written;
}

}  // namespace svidd::server
