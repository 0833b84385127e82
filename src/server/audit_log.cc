#include "server/audit_log.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "nlohmann/json.hpp"
#include "spdlog/spdlog.h"
#include "svidd/server/log_format.h"
#include "svidd/metrics/refusal_counter.h"

namespace svidd {
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
  Write("issued", api, peer, identity, serial, "", "", 0);
}

bool AuditLog::TakeToken(int64_t& suppressed) {
  absl::MutexLock lock(&mu_);
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
  Write("refused", api, peer, claimed_identity ? claimed_identity() : std::string(), "",
        RefusalReason(refusal), OneLine(std::string(refusal.message())), suppressed);
  return true;
}

int64_t AuditLog::suppressed_total() const {
  absl::MutexLock lock(&mu_);
  return suppressed_total_;
}

void AuditLog::Write(const std::string& decision, const std::string& api, const std::string& peer,
                     const std::string& identity, const std::string& serial,
                     const std::string& reason, const std::string& detail, int64_t suppressed) {
  const spdlog::level::level_enum level =
      decision == "issued" ? spdlog::level::info : spdlog::level::warn;
  if (CurrentLogFormat() == LogFormat::kJson) {
    nlohmann::ordered_json line;
    line["msg"] = decision;
    line["api"] = api;
    line["peer"] = peer;
    line["identity"] = identity;
    if (!serial.empty()) line["serial"] = serial;
    if (!reason.empty()) line["reason"] = reason;
    if (!detail.empty()) line["detail"] = detail;
    if (suppressed > 0) line["suppressed"] = suppressed;
    AuditLogger()->log(level, "{}",
                       line.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace));
    return;
  }
  std::string text = absl::StrCat(decision, " api=", api, " peer=", peer,
                                  " identity=", identity.empty() ? "-" : identity);
  if (!serial.empty()) absl::StrAppend(&text, " serial=", serial);
  if (!reason.empty()) absl::StrAppend(&text, " reason=", reason, " detail=\"", detail, "\"");
  if (suppressed > 0) absl::StrAppend(&text, " suppressed=", suppressed);
  AuditLogger()->log(level, "{}", text);
}

}  // namespace svidd
