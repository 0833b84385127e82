#include "bench/load_window.h"

#include <sys/resource.h>

#include <algorithm>
#include <thread>

namespace svidd::bench {
namespace {

double Percentile(const std::vector<double>& sorted, double q) {
  if (sorted.empty()) return 0;
  size_t i = static_cast<size_t>(q * static_cast<double>(sorted.size() - 1) + 0.5);
  return sorted[std::min(i, sorted.size() - 1)];
}

}  // namespace

double ProcessCpuSeconds() {
  struct rusage usage {};
  getrusage(RUSAGE_SELF, &usage);
  auto tv = [](const timeval& t) { return static_cast<double>(t.tv_sec) + t.tv_usec / 1e6; };
  return tv(usage.ru_utime) + tv(usage.ru_stime);
}

int64_t LoadResult::error_count() const {
  int64_t n = 0;
  for (const auto& [code, count] : errors) n += count;
  return n;
}

bool LoadWindow::Complete(Clock::time_point started, const std::string& error) {
  const auto now = Clock::now();
  MutexLock lock(&mu_);
  if (over_) return false;
  if (!measuring_) return true;
  if (completed_ >= options_.count) return false;  // the count is reached; Run() closes
  ++completed_;
  if (error.empty()) {
    latencies_ms_.push_back(std::chrono::duration<double, std::milli>(now - started).count());
  } else {
    ++errors_[error];
  }
  if (completed_ >= options_.count) count_reached_.SignalAll();
  return true;
}

void LoadWindow::Run(const std::function<double()>& server_cpu,
                     const std::function<ProcessIo()>& server_io) {
  std::this_thread::sleep_for(options_.warmup);
  {
    MutexLock lock(&mu_);
    latencies_ms_.reserve(static_cast<size_t>(std::min<int64_t>(options_.count, 4'000'000)));
    client_cpu_ = ProcessCpuSeconds();
    server_cpu_ = server_cpu();
    if (server_io) server_io_ = server_io();
    opened_ = Clock::now();
    measuring_ = true;
  }
  MutexLock lock(&mu_);
  count_reached_.WaitFor(&mu_, opened_ + options_.duration - Clock::now(), [&] {
    mu_.AssertHeld();
    return completed_ >= options_.count;
  });
  closed_ = Clock::now();
  over_ = true;
  client_cpu_ = ProcessCpuSeconds() - client_cpu_;
  server_cpu_ = server_cpu() - server_cpu_;
  if (server_io) {
    ProcessIo at_close = server_io();
    at_close -= server_io_;
    server_io_ = at_close;
  }
}

LoadResult LoadWindow::Result() const {
  MutexLock lock(&mu_);
  LoadResult r;
  r.ok = static_cast<int64_t>(latencies_ms_.size());
  r.errors = errors_;
  r.seconds = std::chrono::duration<double>(closed_ - opened_).count();
  std::vector<double> sorted = latencies_ms_;
  std::sort(sorted.begin(), sorted.end());
  r.p50_ms = Percentile(sorted, 0.50);
  r.p90_ms = Percentile(sorted, 0.90);
  r.p99_ms = Percentile(sorted, 0.99);
  r.p999_ms = Percentile(sorted, 0.999);
  r.client_cpu_s = client_cpu_;
  r.server_cpu_s = server_cpu_;
  r.server_io = server_io_;
  return r;
}

}  // namespace svidd::bench
