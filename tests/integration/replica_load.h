// Load through several svidd replicas, as a fleet of istio-agents behind one Service sends it:
// Istio CreateCertificate calls round-robin over the replicas that are up, each with a fresh
// key, from a few client threads. Bounded in calls and in time, and it stops by itself. It
// remembers every serial a client received and every status a call was refused with, so a
// test can check afterwards that nothing handed out is missing from the ledger.
#pragma once

#include <grpcpp/grpcpp.h>

#include <chrono>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include "svidd/common/mutex.h"

namespace svidd::testing {

// The gRPC ports of the replicas, as they are killed (0: down) and started again.
class ReplicaPorts {
 public:
  explicit ReplicaPorts(int replicas) : ports_(replicas, 0) {}
  int size() const { return static_cast<int>(ports_.size()); }
  int Get(int replica) const;
  void Set(int replica, int port);

 private:
  mutable Mutex mu_;
  std::vector<int> ports_ ABSL_GUARDED_BY(mu_);
};

class ReplicaLoad {
 public:
  struct Limits {
    int threads = 3;
    int max_calls = 30000;  // in all, over all threads; a call to a replica that is down is none
    std::chrono::seconds max_time{120};
    // Each thread waits this long between its calls, so the budget lasts however fast the
    // machine is (3 threads at 10 ms: at most 300 calls a second, 100 s of load).
    std::chrono::milliseconds pause{10};
  };
  struct Outcome {
    std::vector<std::string> serials;  // of every certificate a client received
    std::vector<size_t> ok_by_replica;
    std::map<grpc::StatusCode, size_t> refused;
    // "N received (a/b/c by replica), refused: CODE xN ...", for a test's log.
    std::string Summary() const;
  };

  // Starts the client threads at once; `token` authenticates every call.
  ReplicaLoad(const ReplicaPorts& ports, std::string root_pem, std::string token, Limits limits);
  ~ReplicaLoad();
  ReplicaLoad(const ReplicaLoad&) = delete;
  ReplicaLoad& operator=(const ReplicaLoad&) = delete;

  // Waits until `n` more certificates than now were received (from `replica`, or from any);
  // false if `timeout` passed or the load ended first.
  bool WaitForMore(size_t n, std::chrono::seconds timeout) { return WaitFor(-1, n, timeout); }
  bool WaitForMoreFrom(int replica, size_t n, std::chrono::seconds timeout) {
    return WaitFor(replica, n, timeout);
  }
  // Stops the threads (each finishes its call in flight) and returns what happened.
  Outcome Stop();

 private:
  void Work(int thread);
  bool WaitFor(int replica, size_t n, std::chrono::seconds timeout);
  size_t ReceivedLocked(int replica) const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  const ReplicaPorts& ports_;
  const std::string root_pem_;
  const std::string token_;
  const Limits limits_;
  const std::chrono::steady_clock::time_point deadline_;

  Mutex mu_;
  CondVar changed_;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  int calls_ ABSL_GUARDED_BY(mu_) = 0;
  int threads_running_ ABSL_GUARDED_BY(mu_) = 0;
  Outcome outcome_ ABSL_GUARDED_BY(mu_);
  std::vector<std::thread> threads_;  // last: they start once everything above exists
};

}  // namespace svidd::testing
