// A cap on the connections svidd's gRPC port accepts, below the open-file limit.
//
// gRPC 1.51 has no channel argument or resource quota that limits accepted connections (the
// connection quota, "grpc.max_allowed_incoming_connections", arrived in gRPC 1.63), and its
// listener stops for good after one accept4() failing with EMFILE. svidd's own accept4()
// (tools/svidd/accept_interposer.cc, linked into the svidd program only) runs every accept of
// gRPC's listener through this policy:
//   - Descriptors: the kernel hands out the lowest free descriptor, so an accepted descriptor
//     numbered at or above the threshold (the open-file limit minus a reserve) means every
//     descriptor below it is taken. Such a connection is closed at once (the client sees a
//     reset and retries elsewhere), and so is everything else waiting in the backlog, until
//     none is left; gRPC then hears EAGAIN, as if nothing had been pending. The descriptors
//     above the threshold stay free for the ledger, the HTTP listener, the self-probe.
//   - Count (--max-connections N): the descriptors accepted and admitted are remembered, and
//     a connection is shed while N of them are still connections on the port. gRPC closes
//     connections without telling anyone, so when N are remembered the list is checked
//     against the kernel first (is the descriptor still a socket accepted on this port?);
//     what is not is forgotten. That check costs two system calls per remembered descriptor,
//     so it runs at most once per kCheckEvery: a flood of connects at the cap costs a few
//     system calls each, not 2N, and a connection closed meanwhile frees its place at most
//     kCheckEvery later. A count, not a descriptor number: files svidd opens or closes
//     meanwhile (the ledger walk's copy, a key file) neither widen nor narrow the cap.
//   - EMFILE / ENFILE on that listener become EAGAIN: the listener waits for the next
//     connection instead of dying.
// Other sockets (the HTTP listener, any socket of a test) pass through untouched, and nothing
// is shed before Arm(). Thread-safe.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <optional>
#include <unordered_set>

#include "absl/base/thread_annotations.h"
#include "svidd/common/clock.h"
#include "svidd/common/mutex.h"

namespace svidd::server {

class ConnectionCap {
 public:
  // The remembered descriptors are checked against the kernel at most this often.
  static constexpr std::chrono::milliseconds kCheckEvery{50};

  explicit ConnectionCap(const Clock& clock = SystemClock::Instance()) : clock_(clock) {}
  // The one instance the accept4() interposer consults.
  static ConnectionCap& Process();

  // The descriptor threshold for an open-file soft limit `limit`: the limit minus a reserve
  // of an eighth of it (at least 64, at most 1024, never more than half).
  static int Threshold(uint64_t limit);
  // The lowest descriptor number free now.
  static int LowestFreeDescriptor();
  // Is `fd` a connection accepted on TCP `port` (a connected socket whose local port it is)?
  static bool IsConnectionOnPort(int fd, int port);

  // From now on, connections accepted on the socket bound to TCP `port` are shed at
  // descriptor numbers >= `threshold`, and while `max_connections` (> 0; 0: no count) are
  // held.
  void Arm(int port, int threshold, int max_connections = 0);
  int threshold() const { return threshold_.load(); }

  // For the interposer: does this accept call go to the guarded listener?
  bool Guards(int listen_fd) const;
  // Decides on `accepted`, a descriptor just accepted on the guarded listener: true to keep
  // it (it then counts as held until it is no longer a connection on the port), false to
  // shed it (the caller closes it and counts it with CountShed).
  bool Admit(int accepted);
  void CountShed() { shed_.fetch_add(1); }
  void CountExhausted() { exhausted_.fetch_add(1); }

  // Connections shed, and accepts that failed with EMFILE/ENFILE, so far.
  uint64_t shed() const { return shed_.load(); }
  uint64_t exhausted() const { return exhausted_.load(); }
  // Connections held, as last counted (a closed one stays counted until the next check).
  size_t held() const;

 private:
  // Forgets the remembered descriptors that are no longer connections on the port, unless
  // that was done less than kCheckEvery ago.
  void ForgetClosed() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  const Clock& clock_;

  std::atomic<int> port_{0};  // 0: not armed
  std::atomic<int> threshold_{0};
  std::atomic<uint64_t> shed_{0};
  std::atomic<uint64_t> exhausted_{0};
  mutable Mutex mu_;
  int max_connections_ ABSL_GUARDED_BY(mu_) = 0;
  std::unordered_set<int> held_ ABSL_GUARDED_BY(mu_);         // admitted descriptors
  std::optional<TimePoint> last_check_ ABSL_GUARDED_BY(mu_);  // of held_ against the kernel
};

}  // namespace svidd::server
