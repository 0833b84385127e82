#include "svidd/rotation/renewal_scheduler.h"

#include <spdlog/spdlog.h>

#include <algorithm>

#include "rotation/rate_limiter.h"
#include "svidd/rotation/renewal_policy.h"

namespace svidd::rotation {
namespace {

constexpr uint64_t kMaxId = UINT64_MAX;

void LogExpired(const std::vector<UnrenewedWorkload>& expired) {
  if (expired.empty()) return;
  const UnrenewedWorkload& first = expired.front();
  spdlog::error(
      "rotation: gave up on {} workload(s) whose certificate expired unrenewed (first: stream "
      "{} after {} renewal request(s))",
      expired.size(), first.id, first.attempts);
}

}  // namespace

RenewalScheduler::RenewalScheduler(RenewalSchedulerOptions options)
    : options_(std::move(options)),
      limiter_(std::make_unique<RateLimiter>(options_.max_renewals_per_second)) {}

RenewalScheduler::~RenewalScheduler() = default;

TimePoint RenewalScheduler::Track(uint64_t id, TimePoint not_before, TimePoint not_after) {
  MutexLock lock(&mu_);
  return ScheduleLocked(id, not_before, not_after);
}

void RenewalScheduler::TrackUnissued(uint64_t id, TimePoint now, TimePoint give_up_at) {
  MutexLock lock(&mu_);
  auto [it, inserted] = entries_.try_emplace(id);
  Entry& entry = it->second;
  if (!inserted) EraseLocked(id, entry);
  entry = Entry{.not_before = now,
                .not_after = give_up_at,
                .has_cert = false,
                .answer_window = std::max<std::chrono::nanoseconds>(give_up_at - now,
                                                                    std::chrono::nanoseconds(1))};
  EnqueueLocked(id, entry, now);
  expiry_.insert({give_up_at, id});
}

bool RenewalScheduler::Expedite(uint64_t id, TimePoint now, Urgency urgency) {
  MutexLock lock(&mu_);
  auto it = entries_.find(id);
  if (it == entries_.end()) return false;
  Entry& entry = it->second;
  (entry.urgent ? urgent_ : queue_).erase({entry.due, id});
  if (entry.attempts > 0) counters_.in_flight--;
  entry.attempts = 0;
  EnqueueLocked(id, entry, now, urgency == Urgency::kImmediate);
  counters_.expedited++;
  return true;
}

bool RenewalScheduler::Untrack(uint64_t id) {
  MutexLock lock(&mu_);
  auto it = entries_.find(id);
  if (it == entries_.end()) return false;
  EraseLocked(id, it->second);
  entries_.erase(it);
  return true;
}

bool RenewalScheduler::MarkRenewed(uint64_t id, TimePoint new_not_before, TimePoint new_not_after) {
  MutexLock lock(&mu_);
  auto it = entries_.find(id);
  if (it == entries_.end()) return false;
  const bool was_renewal = it->second.has_cert;  // else a first issuance
  ScheduleLocked(id, new_not_before, new_not_after);
  if (was_renewal) counters_.renewals_completed++;
  return true;
}

DueBatch RenewalScheduler::TakeDue(TimePoint now) {
  DueBatch batch;
  {
    MutexLock lock(&mu_);
    ExpireLocked(now, batch);
    HandOutUrgentLocked(now, batch.due);
    while (!queue_.empty() && queue_.begin()->first <= now) {
      if (!limiter_->TryAcquire(now)) {
        last_deferral_ = {now, next_seq_};
        break;
      }
      const uint64_t id = queue_.begin()->second;
      HandOutLocked(id, entries_.at(id), now, queue_);
      batch.due.push_back(id);
    }
    batch.next_wakeup = NextWakeupLocked(now);
  }
  LogExpired(batch.expired);  // outside the lock: logging may block on I/O
  return batch;
}

std::optional<TimePoint> RenewalScheduler::NextWakeup(TimePoint now) const {
  MutexLock lock(&mu_);
  return NextWakeupLocked(now);
}

std::vector<UnrenewedWorkload> RenewalScheduler::ExpiringWithin(
    TimePoint now, std::chrono::nanoseconds window) const {
  MutexLock lock(&mu_);
  std::vector<UnrenewedWorkload> out;
  const auto end = expiry_.upper_bound({now + window, kMaxId});
  for (auto it = expiry_.begin(); it != end; ++it) {
    out.push_back({it->second, it->first, entries_.at(it->second).attempts});
  }
  return out;
}

std::optional<TimePoint> RenewalScheduler::ScheduledAt(uint64_t id) const {
  MutexLock lock(&mu_);
  auto it = entries_.find(id);
  if (it == entries_.end()) return std::nullopt;
  return it->second.due;
}

RenewalSchedulerStats RenewalScheduler::GetStats(TimePoint now) const {
  MutexLock lock(&mu_);
  RenewalSchedulerStats stats = counters_;
  stats.tracked = entries_.size();
  stats.due = std::distance(queue_.begin(), queue_.upper_bound({now, kMaxId})) +
              std::distance(urgent_.begin(), urgent_.upper_bound({now, kMaxId}));
  return stats;
}

// ---- under mu_ -------------------------------------------------------------------------------

TimePoint RenewalScheduler::ScheduleLocked(uint64_t id, TimePoint not_before, TimePoint not_after) {
  auto [it, inserted] = entries_.try_emplace(id);
  Entry& entry = it->second;
  if (!inserted) EraseLocked(id, entry);
  entry = Entry{.not_before = not_before, .not_after = not_after};
  const TimePoint renew_at =
      RenewalTime(not_before, not_after, options_.jitter_fraction, JitterSample(options_.rng));
  EnqueueLocked(id, entry, renew_at);
  expiry_.insert({not_after, id});
  return renew_at;
}

// Removes `id` from the indexes and counters; the caller drops or overwrites the entry.
void RenewalScheduler::EraseLocked(uint64_t id, const Entry& entry) {
  (entry.urgent ? urgent_ : queue_).erase({entry.due, id});
  expiry_.erase({entry.not_after, id});
  if (entry.attempts > 0) counters_.in_flight--;
}

void RenewalScheduler::EnqueueLocked(uint64_t id, Entry& entry, TimePoint due, bool urgent) {
  entry.due = due;
  entry.seq = next_seq_++;
  entry.urgent = urgent;
  (urgent ? urgent_ : queue_).insert({due, id});
}

void RenewalScheduler::ExpireLocked(TimePoint now, DueBatch& batch) {
  while (!expiry_.empty() && expiry_.begin()->first <= now) {
    const uint64_t id = expiry_.begin()->second;
    auto it = entries_.find(id);
    if (!it->second.has_cert && it->second.attempts == 0) {
      // Never asked yet (queued behind the rate limit, or expedited anew): not its fault.
      RestartAnswerWindowLocked(id, it->second, now);
      continue;
    }
    if (it->second.has_cert) {
      batch.expired.push_back({id, it->second.not_after, it->second.attempts});
      counters_.expired_unrenewed++;
    } else {
      batch.abandoned.push_back(id);
      counters_.abandoned_unissued++;
    }
    EraseLocked(id, it->second);
    entries_.erase(it);
  }
}

void RenewalScheduler::RestartAnswerWindowLocked(uint64_t id, Entry& entry, TimePoint now) {
  expiry_.erase({entry.not_after, id});
  entry.not_after = now + entry.answer_window;
  expiry_.insert({entry.not_after, id});
}

// Everything expedited as urgent and due by `now`, without asking the rate limiter.
void RenewalScheduler::HandOutUrgentLocked(TimePoint now, std::vector<uint64_t>& due) {
  while (!urgent_.empty() && urgent_.begin()->first <= now) {
    const uint64_t id = urgent_.begin()->second;
    HandOutLocked(id, entries_.at(id), now, urgent_);
    due.push_back(id);
  }
}

// Hands out the head of `from` and requeues it (rate-limited) for a retry should no answer
// come.
void RenewalScheduler::HandOutLocked(uint64_t id, Entry& entry, TimePoint now,
                                     std::set<Key>& from) {
  from.erase(from.begin());
  // Queued (seq) before the last TakeDue that deferred work, and due by then: it waited.
  if (last_deferral_ && entry.due <= last_deferral_->first && entry.seq < last_deferral_->second) {
    counters_.rate_limited_deferrals++;
  }
  if (entry.attempts == 0) {
    counters_.in_flight++;
    if (!entry.has_cert) RestartAnswerWindowLocked(id, entry, now);
  } else {
    counters_.retries++;
  }
  entry.attempts++;
  counters_.renewals_taken++;
  const auto backoff = RetryBackoff(entry.attempts, options_.initial_backoff, options_.max_backoff);
  const TimePoint retry_at = now + options_.answer_timeout + backoff;
  EnqueueLocked(id, entry, std::max(retry_at, now + std::chrono::nanoseconds(1)));
}

std::optional<TimePoint> RenewalScheduler::NextWakeupLocked(TimePoint now) const {
  if (entries_.empty()) return std::nullopt;
  TimePoint wake = expiry_.begin()->first;
  if (!queue_.empty()) {
    wake = std::min(wake, std::max(queue_.begin()->first, limiter_->NextAvailable()));
  }
  if (!urgent_.empty()) wake = std::min(wake, urgent_.begin()->first);
  return std::max(wake, now);
}

}  // namespace svidd::rotation
