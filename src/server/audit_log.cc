#include "server/audit_log.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "nlohmann/json.hpp"
#include "spdlog/spdlog.h"
#include "svidd/metrics/refusal_counter.h"
#include "svidd/server/log_format.h"

namespace svidd::server {
namespace {

std::shared_ptr<spdlog::logger> AuditLogger() {
  static std::shared_ptr<spdlog::logger> logger = [] {
    if (auto existing = spdlog::get("audit")) return existing;
    auto created = spdlog::default_logger()->clone("audit");
    spdlog::initialize_logger(created);
    created->set_level(AuditLevelFor(spdlog::get_level()));
    return created;
  }();
  return logger;
}

// What a caller sent may end up in a refusal's message: keep it on one line.
std::string OneLine(std::string_view text) {
  std::string out;
  out.reserve(std::min<size_t>(text.size(), 512));
  for (char c : text.substr(0, 512)) {
    out.push_back(static_cast<unsigned char>(c) < 0x20 || c == 0x7f ? '?' : c);
  }
  return out;
}

}  // namespace

AuditLog::AuditLog(const Clock& clock, AuditLimits limits)
    : clock_(clock), limits_(limits), tokens_(limits.refusal_burst), refilled_(clock.Now()) {
  AuditLogger();
}

void AuditLog::Issued(const std::string& api, const std::string& peer, const std::string& identity,
                      const std::string& serial) {
  Line line;
  line.decision = "issued";
  line.api = api;
  line.peer = peer;
  line.identity = identity;
  line.serial = serial;
  Write(line);
}

bool AuditLog::TakeToken(int64_t& suppressed) {
  MutexLock lock(&mu_);
  const TimePoint now = clock_.Now();
  const double elapsed = std::chrono::duration<double>(now - refilled_).count();
  if (elapsed > 0) {
    tokens_ = std::min(limits_.refusal_burst, tokens_ + elapsed * limits_.refusals_per_second);
    refilled_ = now;
  }
  if (tokens_ < 1) {
    ++suppressed_since_last_;
    ++suppressed_total_;
    return false;
  }
  tokens_ -= 1;
  suppressed = std::exchange(suppressed_since_last_, 0);
  return true;
}

bool AuditLog::Refused(const std::string& api, const std::string& peer, const absl::Status& refusal,
                       const std::function<std::string()>& claimed_identity) {
  int64_t suppressed = 0;
  if (!TakeToken(suppressed)) return false;
  Line line;
  line.decision = "refused";
  line.api = api;
  line.peer = peer;
  line.identity = claimed_identity ? claimed_identity() : std::string();
  line.reason = metrics::RefusalReason(refusal);
  line.detail = OneLine(std::string(refusal.message()));
  line.suppressed = suppressed;
  Write(line);
  return true;
}

bool AuditLog::AdminCall(const ledger::AdminCallRecord& call, const absl::Status& status) {
  Line line;
  line.decision = status.ok() ? "allowed" : "refused";
  line.api = "admin";
  line.peer = call.peer;
  line.identity = call.caller_id;
  line.detail = OneLine(call.message);
  line.method = call.method;
  line.args = OneLine(call.arguments);
  if (!status.ok()) {
    if (!TakeToken(line.suppressed)) return false;
    line.reason = metrics::RefusalReason(status);
  }
  Write(line);
  return true;
}

int64_t AuditLog::suppressed_total() const {
  MutexLock lock(&mu_);
  return suppressed_total_;
}

void AuditLog::Write(const Line& l) {
  const spdlog::level::level_enum level =
      l.decision == "refused" ? spdlog::level::warn : spdlog::level::info;
  if (CurrentLogFormat() == LogFormat::kJson) {
    nlohmann::ordered_json line;
    line["msg"] = l.decision;
    line["api"] = l.api;
    line["peer"] = l.peer;
    line["identity"] = l.identity;
    if (!l.method.empty()) line["method"] = l.method;
    if (!l.serial.empty()) line["serial"] = l.serial;
    if (!l.reason.empty()) line["reason"] = l.reason;
    if (!l.detail.empty()) line["detail"] = l.detail;
    if (!l.args.empty()) line["args"] = l.args;
    if (l.suppressed > 0) line["suppressed"] = l.suppressed;
    AuditLogger()->log(level, "{}",
                       line.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace));
    return;
  }
  std::string text = absl::StrCat(l.decision, " api=", l.api, " peer=", l.peer,
                                  " identity=", l.identity.empty() ? "-" : l.identity);
  if (!l.method.empty()) absl::StrAppend(&text, " method=", l.method);
  if (!l.serial.empty()) absl::StrAppend(&text, " serial=", l.serial);
  if (!l.reason.empty()) absl::StrAppend(&text, " reason=", l.reason);
  if (!l.detail.empty()) absl::StrAppend(&text, " detail=\"", l.detail, "\"");
  if (!l.args.empty()) absl::StrAppend(&text, " args=", l.args);
  if (l.suppressed > 0) absl::StrAppend(&text, " suppressed=", l.suppressed);
  AuditLogger()->log(level, "{}", text);
}

}  // namespace svidd::server
