// How long the agent waits before reconnecting to svidd: exponential backoff with "full
// jitter" (a uniform draw between zero and the exponential ceiling), so agents that lost
// svidd at one instant do not all come back at one instant. Not thread-safe.
#pragma once

#include <chrono>
#include <cstdint>
#include <random>

namespace svidd::agent {

struct BackoffPolicy {
  std::chrono::nanoseconds initial = std::chrono::milliseconds(100);
  std::chrono::nanoseconds max = std::chrono::seconds(30);
};

class ReconnectBackoff {
 public:
  explicit ReconnectBackoff(BackoffPolicy policy = {}, uint64_t seed = std::random_device{}());

  // The wait before the next attempt after `failures()` failed ones: a uniform draw in
  // [0, Ceiling(failures() + 1)]; then counts one more failure.
  std::chrono::nanoseconds Next();
  // After a healthy stream: the next wait is drawn from [0, initial] again.
  void Reset() { failures_ = 0; }
  int failures() const { return failures_; }

  // initial, 2*initial, 4*initial, ... capped at max; `attempt` counts from 1.
  std::chrono::nanoseconds Ceiling(int attempt) const;
  // Ceiling(attempt) scaled by `sample` (clamped to [0, 1]): the pure part of Next().
  std::chrono::nanoseconds Delay(int attempt, double sample) const;

 private:
  BackoffPolicy policy_;
  std::mt19937_64 rng_;
  int failures_ = 0;
};

}  // namespace svidd::agent
