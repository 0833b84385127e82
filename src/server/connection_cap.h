// A cap on the connections svidd's gRPC port accepts, below the open-file limit.
//
// gRPC 1.51 has no channel argument or resource quota that limits accepted connections (the
// connection quota, "grpc.max_allowed_incoming_connections", arrived in gRPC 1.63), and its
// listener stops for good after one accept4() failing with EMFILE. svidd's own accept4()
// (tools/svidd/accept_interposer.cc, linked into the svidd program only) runs every accept of
// gRPC's listener through this policy:
//   - The kernel hands out the lowest free descriptor, so an accepted descriptor numbered at
//     or above the threshold means every descriptor below it is taken: the connection is
//     closed at once (the client sees a reset and retries elsewhere), and so is everything
//     else waiting in the backlog, until none is left. gRPC then hears EAGAIN, as if nothing
//     had been pending. Accepted connections therefore hold descriptors below the threshold
//     only; the ones above it stay free for the ledger, the HTTP listener, the self-probe.
//   - EMFILE / ENFILE on that listener become EAGAIN: the listener waits for the next
//     connection instead of dying.
// Other sockets (the HTTP listener, any socket of a test) pass through untouched, and nothing
// is shed before Arm(). Thread-safe.
#pragma once

#include <atomic>
#include <cstdint>

namespace svidd::server {

class ConnectionCap {
 public:
  // The one instance the accept4() interposer consults.
  static ConnectionCap& Process();

  // The descriptor threshold for an open-file soft limit `limit`: the limit minus a reserve
  // of an eighth of it (at least 64, at most 1024, never more than half). With
  // `max_connections` > 0, at most `lowest_free` (the first free descriptor now, i.e. what
  // svidd holds before any connection) + max_connections.
  static int Threshold(uint64_t limit, int max_connections, int lowest_free);
  // The lowest descriptor number free now.
  static int LowestFreeDescriptor();

  // From now on, connections accepted on the socket bound to TCP `port` are shed at
  // descriptor numbers >= `threshold`.
  void Arm(int port, int threshold);
  int threshold() const { return threshold_.load(); }

  // For the interposer: does this accept call go to the guarded listener?
  bool Guards(int listen_fd) const;
  // Is `accepted` (a descriptor just accepted on the guarded listener) to be shed?
  bool ShouldShed(int accepted) const { return accepted >= threshold_.load(); }
  void CountShed() { shed_.fetch_add(1); }
  void CountExhausted() { exhausted_.fetch_add(1); }

  // Connections shed, and accepts that failed with EMFILE/ENFILE, so far.
  uint64_t shed() const { return shed_.load(); }
  uint64_t exhausted() const { return exhausted_.load(); }

 private:
  std::atomic<int> port_{0};  // 0: not armed
  std::atomic<int> threshold_{0};
  std::atomic<uint64_t> shed_{0};
  std::atomic<uint64_t> exhausted_{0};
};

}  // namespace svidd::server
