// A fleet of simulated workloads, each holding one svidd.v1.RotationService stream: it
// answers every renewal request with a CSR for a fresh EC P-256 key and records what
// happened when (by the clock it is given), so a test or the benchmark can check how the
// server spread the renewals. gRPC's callback API: thousands of streams on a few channels,
// no thread per stream.
#pragma once

#include <grpcpp/grpcpp.h>

#include <atomic>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <unordered_set>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "svidd/common/clock.h"
#include "svidd/common/mutex.h"
#include "svidd/v1/rotation.grpc.pb.h"

namespace svidd::bench {

struct FleetOptions {
  std::string target;    // "127.0.0.1:<port>"
  std::string root_pem;  // trust for the server's certificate
  std::string server_name = "localhost";
  int streams = 1000;
  int channels = 8;  // TLS connections the streams are spread over
  std::string trust_domain = "cluster.local";
  std::string ns = "bench";
  // Bearer token for stream i (its identity is spiffe://<td>/ns/<ns>/sa/w<i>).
  std::function<std::string(int)> token_for;
  int64_t validity_seconds = 0;  // requested lifetime; 0: server default
  // Streams being opened at once at most: a stream counts until its first message (the
  // server's bundle, sent once it has authenticated and registered the stream) or its end.
  // 0: every stream is opened at once by Start().
  int open_window = 0;
};

struct FleetEvent {
  enum class Kind { kRequested, kIssued, kRefused, kEnded };
  Kind kind;
  int stream;
  TimePoint at;
  svidd::v1::RenewalRequested::Reason reason = svidd::v1::RenewalRequested::REASON_UNSPECIFIED;
  TimePoint not_before{}, not_after{};  // kIssued
  std::string serial;                   // kIssued
  std::string detail;                   // kRefused / kEnded: the message
};

class RotationFleet {
 public:
  RotationFleet(FleetOptions options, const Clock& clock);
  ~RotationFleet();  // Stop()

  // Opens the streams (with an open_window, from a thread of the fleet's, and returns at once).
  void Start();
  // Waits (real time) until `count` certificates have been issued in total, or `timeout`.
  bool WaitForIssued(size_t count, std::chrono::milliseconds timeout);
  // Cancels every stream and waits for them to end. Idempotent.
  void Stop();

  std::vector<FleetEvent> Events() const;
  size_t issued() const { return issued_.load(); }
  // Streams that hold a certificate (their first has arrived).
  size_t first_issued() const { return first_issued_.load(); }
  size_t ended() const { return ended_.load(); }
  // Streams that have heard from the server (registered there).
  size_t registered() const { return registered_.load(); }

  class Stream;

 private:
  void Record(FleetEvent event);
  void OpenWithinWindow();
  void OnFirstMessageOrEnd();  // a stream left the open window

  const FleetOptions options_;
  const Clock& clock_;
  std::vector<std::shared_ptr<grpc::Channel>> channels_;
  std::vector<std::unique_ptr<svidd::v1::RotationService::Stub>> stubs_;
  mutable Mutex mu_;
  CondVar cv_;
  // Each deletes itself when done; tracked until then.
  std::unordered_set<Stream*> streams_ ABSL_GUARDED_BY(mu_);
  std::vector<FleetEvent> events_ ABSL_GUARDED_BY(mu_);
  int opening_ ABSL_GUARDED_BY(mu_) = 0;  // streams in the open window
  std::atomic<size_t> issued_{0};
  std::atomic<size_t> first_issued_{0};
  std::atomic<size_t> ended_{0};
  std::atomic<size_t> registered_{0};
  bool stopped_ ABSL_GUARDED_BY(mu_) = false;
  std::thread opener_;  // with an open_window: opens the streams one by one
};

}  // namespace svidd::bench
