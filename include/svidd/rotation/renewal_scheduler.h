// Decides when each connected workload renews its certificate; the server pushes a renewal
// request down the workload's stream for every id TakeDue hands out. The scheduler only
// decides: it never reads the clock (every call takes `now`), never blocks, and never calls
// out. Thread-safe: one mutex, held only for in-memory work.
//
// Life of a workload (an opaque stream id):
//   Track        -> scheduled at RenewalTime(cert) (see renewal_policy.h); due at once if
//                   that time has passed.
//   TrackUnissued -> a stream with no certificate yet: due at once (still rate-limited, so a
//                   fleet reconnecting after a restart is spread out); abandoned, not
//                   "expired", if it has not been issued one within `give_up_at - now` of
//                   being asked. The wait in the rate-limited queue does not count: a fleet
//                   larger than that window times the rate would otherwise lose its tail
//                   to the scheduler's own pacing.
//   Expedite     -> due now: the CA changed, the certificate was revoked, an operator forced
//                   re-issuance. Urgent ones skip the rate limit, so every connected
//                   workload is asked within one TakeDue.
//   TakeDue      -> handed out when due, at most max_renewals_per_second per second (token
//                   bucket, burst = the rate); the rest stay queued by due time.
//   MarkRenewed  -> the new certificate was delivered: scheduled from the new certificate.
//   no answer    -> handed out again answer_timeout + backoff (1s, 2s, 4s ... 60s) after each
//                   attempt, still through the rate limit.
//   not_after    -> given up: TakeDue reports it in `expired`, logs an error, and forgets it.
//   Untrack      -> the stream closed.
//
// Cost, n = tracked workloads: Track, Untrack, MarkRenewed, ScheduledAt O(log n); TakeDue
// O((taken + expired) * log n); NextWakeup O(1); ExpiringWithin O(log n + answer size);
// GetStats O(due backlog). Memory O(n).
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <random>
#include <set>
#include <unordered_map>
#include <utility>
#include <vector>

#include "svidd/common/clock.h"
#include "svidd/common/mutex.h"

namespace svidd::rotation {

class RateLimiter;

struct RenewalSchedulerOptions {
  double jitter_fraction = 0.1;       // of the lifetime; see RenewalTime
  int max_renewals_per_second = 100;  // also the burst; < 1 means 1
  std::chrono::nanoseconds answer_timeout = std::chrono::seconds(30);
  std::chrono::nanoseconds initial_backoff = std::chrono::seconds(1);
  std::chrono::nanoseconds max_backoff = std::chrono::seconds(60);
  std::mt19937_64 rng{std::random_device{}()};  // jitter draws; seed it for exact tests
};

// A workload whose current certificate has not been replaced.
struct UnrenewedWorkload {
  uint64_t id;
  TimePoint not_after;
  int attempts;  // renewal requests handed out for this certificate
};

struct DueBatch {
  std::vector<uint64_t> due;               // push a renewal request to each, most overdue first
  std::vector<UnrenewedWorkload> expired;  // certificate expired unrenewed; no longer tracked
  std::vector<uint64_t> abandoned;         // TrackUnissued ids never issued by give_up_at
  std::optional<TimePoint> next_wakeup;    // as NextWakeup(now) after this call
};

struct RenewalSchedulerStats {
  uint64_t tracked = 0;
  uint64_t due = 0;             // due at `now` but not yet handed out (rate-limited backlog)
  uint64_t in_flight = 0;       // handed out, not yet MarkRenewed (including ones awaiting retry)
  uint64_t retries = 0;         // hand-outs after the first for the same certificate
  uint64_t renewals_taken = 0;  // ids handed out by TakeDue, retries included
  uint64_t renewals_completed = 0;      // MarkRenewed calls for tracked workloads
  uint64_t rate_limited_deferrals = 0;  // hand-outs that had waited on the rate limit
  uint64_t expired_unrenewed = 0;       // workloads given up on at not_after
  uint64_t abandoned_unissued = 0;      // TrackUnissued ids given up on at give_up_at
  uint64_t expedited = 0;               // Expedite calls for tracked workloads
};

enum class Urgency { kRateLimited, kImmediate };

class RenewalScheduler {
 public:
  explicit RenewalScheduler(RenewalSchedulerOptions options);
  ~RenewalScheduler();
  RenewalScheduler(const RenewalScheduler&) = delete;
  RenewalScheduler& operator=(const RenewalScheduler&) = delete;

  // Schedules `id` for the certificate valid over [not_before, not_after], replacing whatever
  // was tracked for it (attempts restart). Returns the renewal time.
  TimePoint Track(uint64_t id, TimePoint not_before, TimePoint not_after);
  // Schedules `id`, which holds no certificate yet, for its first issuance: due at `now`.
  // Given up on `give_up_at - now` after it is first handed out unless issued by then.
  // Replaces whatever was tracked for it.
  void TrackUnissued(uint64_t id, TimePoint now, TimePoint give_up_at);
  // Makes `id` due at `now` (attempts restart); kImmediate also skips the rate limit.
  // False if `id` is not tracked.
  bool Expedite(uint64_t id, TimePoint now, Urgency urgency);
  // False if `id` was not tracked.
  bool Untrack(uint64_t id);
  // The new certificate reached the workload: reschedules from it. False (and nothing is
  // tracked) if `id` is unknown, e.g. untracked or given up on meanwhile; call Track then.
  bool MarkRenewed(uint64_t id, TimePoint new_not_before, TimePoint new_not_after);

  // Gives up on certificates expired at `now`, then hands out the due ids the rate limit
  // allows, each starting its answer timeout.
  DueBatch TakeDue(TimePoint now);
  // When TakeDue next has something to do: the earliest of the first due time (or, if that
  // has passed, the next token of the rate limit) and the first not_after. Never before
  // `now`; nullopt when nothing is tracked.
  std::optional<TimePoint> NextWakeup(TimePoint now) const;

  // Workloads whose current certificate expires by now + window, soonest first.
  std::vector<UnrenewedWorkload> ExpiringWithin(TimePoint now,
                                                std::chrono::nanoseconds window) const;
  // The time `id` is next due (renewal or retry); nullopt if not tracked.
  std::optional<TimePoint> ScheduledAt(uint64_t id) const;
  RenewalSchedulerStats GetStats(TimePoint now) const;

 private:
  struct Entry {
    TimePoint not_before{};
    TimePoint not_after{};
    TimePoint due{};       // key in queue_
    uint64_t seq = 0;      // order of insertion into queue_, to tell deferrals apart
    int attempts = 0;      // hand-outs for this certificate; > 0 means in flight
    bool has_cert = true;  // false: TrackUnissued, not_after is the give-up time
    bool urgent = false;   // queued in urgent_ (skips the rate limit) instead of queue_
    // Unissued only: how long after being asked it may take to be issued a first certificate.
    std::chrono::nanoseconds answer_window{};
  };
  using Key = std::pair<TimePoint, uint64_t>;  // (time, id)

  TimePoint ScheduleLocked(uint64_t id, TimePoint not_before, TimePoint not_after)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void EraseLocked(uint64_t id, const Entry& entry) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void EnqueueLocked(uint64_t id, Entry& entry, TimePoint due, bool urgent = false)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void HandOutUrgentLocked(TimePoint now, std::vector<uint64_t>& due)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void ExpireLocked(TimePoint now, DueBatch& batch) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // An unissued entry's give-up time becomes `now` + its answer window.
  void RestartAnswerWindowLocked(uint64_t id, Entry& entry, TimePoint now)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void HandOutLocked(uint64_t id, Entry& entry, TimePoint now, std::set<Key>& from)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  std::optional<TimePoint> NextWakeupLocked(TimePoint now) const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  RenewalSchedulerOptions options_;
  mutable Mutex mu_;
  std::unordered_map<uint64_t, Entry> entries_ ABSL_GUARDED_BY(mu_);
  std::set<Key> queue_ ABSL_GUARDED_BY(mu_);  // (due, id) of every tracked workload not in urgent_
  std::set<Key> urgent_
      ABSL_GUARDED_BY(mu_);  // (due, id) of expedited workloads that skip the rate limit
  std::set<Key> expiry_ ABSL_GUARDED_BY(mu_);  // (not_after, id) of every tracked workload
  std::unique_ptr<RateLimiter> limiter_ ABSL_GUARDED_BY(mu_);
  uint64_t next_seq_ ABSL_GUARDED_BY(mu_) = 0;
  // The last TakeDue that left due work behind: its `now` and next_seq_ at that time.
  std::optional<std::pair<TimePoint, uint64_t>> last_deferral_ ABSL_GUARDED_BY(mu_);
  RenewalSchedulerStats counters_ ABSL_GUARDED_BY(mu_);  // cumulative fields; the rest is computed
};

}  // namespace svidd::rotation
