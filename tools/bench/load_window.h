// The measuring window of a closed-loop load run: a warm-up whose calls are not counted, then a
// window bounded by both a duration and a count of completed calls, whichever comes first. The
// drivers (gRPC, HTTP) report every completed call; the main thread moves the phases and takes
// CPU snapshots at the window's edges so CPU time and calls cover the same interval.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "bench/process_stats.h"
#include "svidd/common/mutex.h"

namespace svidd::bench {

struct LoadOptions {
  int concurrency = 64;  // calls in flight at once
  int connections = 4;   // channels (TCP connections) they share
  std::chrono::milliseconds warmup = std::chrono::seconds(3);
  std::chrono::milliseconds duration = std::chrono::seconds(20);
  int64_t count = 1'000'000;  // completed calls in the window at most
};

struct LoadResult {
  int64_t ok = 0;                         // successful calls completed inside the window
  std::map<std::string, int64_t> errors;  // failed calls by code name
  double seconds = 0;                     // length of the window
  double p50_ms = 0, p90_ms = 0, p99_ms = 0, p999_ms = 0;  // of successful calls
  double client_cpu_s = 0, server_cpu_s = 0;               // inside the window
  ProcessIo server_io;  // the server's write calls inside the window (when Run was told how)
  int64_t error_count() const;
  double per_second() const { return seconds > 0 ? ok / seconds : 0; }
  double server_cpu_ms_per_call() const { return ok > 0 ? server_cpu_s * 1000 / ok : 0; }
  double client_cpu_ms_per_call() const { return ok > 0 ? client_cpu_s * 1000 / ok : 0; }
  double server_write_calls_per_call() const {
    return ok > 0 ? static_cast<double>(server_io.write_calls) / static_cast<double>(ok) : 0;
  }
  double server_kib_written_per_call() const {
    return ok > 0 ? static_cast<double>(server_io.written_bytes) / 1024.0 / static_cast<double>(ok)
                  : 0;
  }
};

class LoadWindow {
 public:
  using Clock = std::chrono::steady_clock;
  explicit LoadWindow(LoadOptions options) : options_(options) {}

  // From any thread, once per completed call; `error` is "" for success, else the code's name.
  // False once the run is over: the caller issues no further call.
  bool Complete(Clock::time_point started, const std::string& error);

  // On the main thread: waits out the warm-up, opens the window, waits until the duration or
  // the count is reached, closes it. `server_cpu` reads the server's CPU seconds so far and
  // `server_io`, if given, its write counters.
  void Run(const std::function<double()>& server_cpu,
           const std::function<ProcessIo()>& server_io = nullptr);

  // After Run(): the figures of the window.
  LoadResult Result() const;

 private:
  const LoadOptions options_;
  mutable Mutex mu_;
  CondVar count_reached_;
  bool measuring_ ABSL_GUARDED_BY(mu_) = false;
  bool over_ ABSL_GUARDED_BY(mu_) = false;
  Clock::time_point opened_ ABSL_GUARDED_BY(mu_), closed_ ABSL_GUARDED_BY(mu_);
  std::vector<double> latencies_ms_ ABSL_GUARDED_BY(mu_);
  std::map<std::string, int64_t> errors_ ABSL_GUARDED_BY(mu_);
  int64_t completed_ ABSL_GUARDED_BY(mu_) = 0;  // ok + errors inside the window
  double client_cpu_ ABSL_GUARDED_BY(mu_) = 0, server_cpu_ ABSL_GUARDED_BY(mu_) = 0;
  ProcessIo server_io_ ABSL_GUARDED_BY(mu_);
};

// User + system CPU seconds of this process so far (getrusage).
double ProcessCpuSeconds();

}  // namespace svidd::bench
