// One log line per certificate decision, on the "audit" logger, for whoever must answer "who
// got which certificate, and who was turned away": issued (identity, serial, API, peer) and
// refused (reason, the identity the caller claimed, API, peer). Never a token, a key or a
// CSR. In JSON format the fields are keys of the line's object:
//   {"time":...,"level":"info","logger":"audit","msg":"issued","api":"istio",
//    "peer":"ipv4:10.0.0.7:51234","identity":"spiffe://...","serial":"4f1c..."}
// The admin API's calls are decisions too: "allowed" or "refused", with the method, the
// caller's SPIFFE ID as identity, the request's arguments (admin requests carry no secrets)
// and what the call did or why it was refused:
//   {..."msg":"allowed","api":"admin","peer":"ipv4:...","identity":"spiffe://.../admin/alice",
//    "method":"RevokeCertificates","args":"{...}","detail":"revoked 1: 4f1c..."}
// Refusals are rate-limited (a token bucket on the injected clock), so a flood of bad
// requests cannot fill the disk; the next line that gets through says how many were left
// out ("suppressed"). Issued and allowed lines are never dropped: each one stands for a
// ledger row. Thread-safe.
#pragma once

#include <chrono>
#include <functional>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "svidd/common/clock.h"
#include "svidd/common/mutex.h"
#include "svidd/ledger/operator_records.h"

namespace svidd::server {

struct AuditLimits {
  double refusals_per_second = 10;
  double refusal_burst = 50;
};

class AuditLog {
 public:
  AuditLog(const Clock& clock, AuditLimits limits = {});

  void Issued(const std::string& api, const std::string& peer, const std::string& identity,
              const std::string& serial);
  // `claimed_identity` is only called when the line is written (so a flood costs no CSR
  // parsing); it may return "" (nothing parsable was claimed). False if the rate limit
  // suppressed the line.
  bool Refused(const std::string& api, const std::string& peer, const absl::Status& refusal,
               const std::function<std::string()>& claimed_identity);
  // One svidd.v1.AdminService call that ended with `status`: "allowed" if OK, else a
  // (rate-limited) "refused". False if the rate limit suppressed the line.
  bool AdminCall(const ledger::AdminCallRecord& call, const absl::Status& status);
  // Refusal lines left out so far.
  int64_t suppressed_total() const;

 private:
  // A token of the bucket, with the refusals suppressed since the last one that got one.
  bool TakeToken(int64_t& suppressed);
  // One line's fields; empty ones are left out (identity is "-" in text when empty).
  struct Line {
    std::string decision, api, peer, identity, serial, reason, detail, method, args;
    int64_t suppressed = 0;
  };
  void Write(const Line& line);
  const Clock& clock_;
  const AuditLimits limits_;
  mutable Mutex mu_;
  double tokens_ ABSL_GUARDED_BY(mu_);
  TimePoint refilled_ ABSL_GUARDED_BY(mu_);
  int64_t suppressed_since_last_ ABSL_GUARDED_BY(mu_) = 0;
  int64_t suppressed_total_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace svidd::server
