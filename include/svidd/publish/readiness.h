// Whether svidd can sign right now: a set of named conditions ("ca", "ledger",
// "serving-certificate", ...), each true or false with a reason. Ready means every condition
// that has been reported is true, and at least one has been. One object per server; the gRPC
// health service, GET /readyz and svidd_serving all follow it (svidd_server.cc). Any part
// may feed it a condition of its own (an fd-exhaustion probe, a ledger-rollback check).
// Thread-safe.
#pragma once

#include <functional>
#include <map>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "svidd/common/mutex.h"

namespace svidd::publish {

class Readiness {
 public:
  struct Condition {
    std::string name;
    bool ok = false;
    std::string reason;  // why not, when !ok; empty when ok
  };
  // Called with the new overall value whenever it changes (not under the lock's protection
  // of other callers: keep it quick, it runs on the thread that caused the change).
  using Listener = std::function<void(bool ready)>;

  Readiness() = default;
  Readiness(const Readiness&) = delete;
  Readiness& operator=(const Readiness&) = delete;

  void Set(const std::string& name, bool ok, std::string reason = "");
  bool Ready() const;
  // Every condition, by name.
  std::vector<Condition> Conditions() const;
  // "ca: ok\nledger: not ready: <reason>\n..." for GET /readyz.
  std::string Describe() const;
  void SetListener(Listener listener);

 private:
  bool ReadyLocked() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  mutable Mutex mu_;
  std::map<std::string, Condition> conditions_ ABSL_GUARDED_BY(mu_);
  bool last_ready_ ABSL_GUARDED_BY(mu_) = false;
  Listener listener_ ABSL_GUARDED_BY(mu_);
  Mutex notify_mu_;  // listeners see changes in order
};

// Ledger writability from consecutive write results: not ok after `failures_to_fail` writes
// in a row failed, ok again at the first success. svidd feeds it the maintenance loop's
// probe write, once a second. Feeds the "ledger" condition.
class LedgerWriteHealth {
 public:
  LedgerWriteHealth(Readiness& readiness, int failures_to_fail)
      : readiness_(readiness), failures_to_fail_(failures_to_fail) {}
  void Report(bool ok, const std::string& error = "");
  int consecutive_failures() const;

 private:
  Readiness& readiness_;
  const int failures_to_fail_;
  mutable Mutex mu_;
  int failures_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace svidd::publish
