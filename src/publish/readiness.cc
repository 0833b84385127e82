#include "svidd/publish/readiness.h"

#include <utility>

#include "absl/strings/str_cat.h"

namespace svidd::publish {

bool Readiness::ReadyLocked() const {
  if (conditions_.empty()) return false;
  for (const auto& [name, condition] : conditions_) {
    if (!condition.ok) return false;
  }
  return true;
}

void Readiness::Set(const std::string& name, bool ok, std::string reason) {
  MutexLock notifying(&notify_mu_);
  Listener listener;
  bool ready = false;
  {
    MutexLock lock(&mu_);
    conditions_[name] = Condition{name, ok, ok ? std::string() : std::move(reason)};
    ready = ReadyLocked();
    if (ready == last_ready_) return;
    last_ready_ = ready;
    listener = listener_;
  }
  if (listener) listener(ready);
}

bool Readiness::Ready() const {
  MutexLock lock(&mu_);
  return ReadyLocked();
}

std::vector<Readiness::Condition> Readiness::Conditions() const {
  MutexLock lock(&mu_);
  std::vector<Condition> out;
  for (const auto& [name, condition] : conditions_) out.push_back(condition);
  return out;
}

std::string Readiness::Describe() const {
  std::string out;
  for (const Condition& c : Conditions()) {
    absl::StrAppend(&out, c.name, ": ", c.ok ? "ok" : "not ready: " + c.reason, "\n");
  }
  if (out.empty()) out = "starting: no condition reported yet\n";
  return out;
}

void Readiness::SetListener(Listener listener) {
  MutexLock lock(&mu_);
  listener_ = std::move(listener);
}

void LedgerWriteHealth::Report(bool ok, const std::string& error) {
  int failures = 0;
  {
    MutexLock lock(&mu_);
    failures_ = ok ? 0 : failures_ + 1;
    failures = failures_;
  }
  if (ok) {
    readiness_.Set("ledger", true);
  } else if (failures >= failures_to_fail_) {
    readiness_.Set("ledger", false,
                   absl::StrCat(failures, " ledger writes in a row failed, the last: ", error));
  }
}

int LedgerWriteHealth::consecutive_failures() const {
  MutexLock lock(&mu_);
  return failures_;
}

}  // namespace svidd::publish
