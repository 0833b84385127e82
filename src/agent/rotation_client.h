// The agent's side of svidd's Rotate stream, on a thread of its own (the synchronous gRPC
// API: one blocking reader per agent needs nothing more):
//   connect  TLS to --server trusting the current bundle (the --root-cert bootstrap roots
//            until svidd pushes one), expecting --server-name; authenticate with the current
//            SVID as client certificate while it is valid, else with the token file (read
//            anew for every connection); a certificate svidd refused at open is not offered
//            again until a new one is installed.
//   stream   RotationStreamHandler handles each message; answers go back on the same stream.
//   ended    any end (server restart, network drop, refusal) is followed by a reconnect
//            after ReconnectBackoff (100 ms doubling to 30 s, full jitter). A healthy stream
//            (one that installed a certificate, or stayed up for `healthy_after` after its
//            first message) resets the backoff. The current SVID is served throughout.
// Keepalive pings every 6 minutes (svidd's gRPC default forbids more than one per 5) detect
// a silently dropped connection.
#pragma once

#include <grpcpp/grpcpp.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <memory>
#include <string>
#include <thread>

#include "absl/base/thread_annotations.h"
#include "agent/rotation_stream_handler.h"
#include "svidd/agent/reconnect_backoff.h"
#include "svidd/agent/svid_store.h"
#include "svidd/common/mutex.h"

namespace svidd::agent::internal {

struct RotationClientOptions {
  std::string server;       // HOST:PORT
  std::string server_name;  // the name svidd's certificate must hold; "" = the host dialled
  std::filesystem::path token_file;
  std::string bootstrap_roots_pem;  // trusted until the first pushed bundle
  BackoffPolicy backoff;
  std::chrono::nanoseconds healthy_after = std::chrono::seconds(10);
  std::chrono::milliseconds keepalive = std::chrono::minutes(6);
  uint64_t seed = std::random_device{}();
};

struct RotationClientStats {
  int streams_opened = 0;
  int streams_ended = 0;
  int certificates_installed = 0;
  int token_authentications = 0;
  int certificate_authentications = 0;
  int failures_in_a_row = 0;  // the backoff's count: 0 after a healthy stream
};

class RotationClient {
 public:
  RotationClient(RotationClientOptions options, SessionConfig session, SvidStore& store,
                 const Clock& clock);
  ~RotationClient();  // Stop()

  void Start();
  // Cancels the stream, interrupts a backoff wait, joins the thread. Idempotent.
  void Stop();
  RotationClientStats stats() const;

 private:
  struct Credentials;
  struct StreamResult {
    grpc::Status status;
    bool any_message = false;
    std::chrono::nanoseconds lasted{0};  // from the first message to the end
    int installed = 0;                   // certificates installed
  };
  void Run();
  // One stream from connect to end; true if it was healthy.
  bool RunStream();
  StreamResult ReadStream(grpc::ClientContext& context, const Credentials& credentials);
  absl::StatusOr<Credentials> ChooseCredentials();
  std::shared_ptr<grpc::Channel> MakeChannel(const Credentials& credentials) const;
  bool WaitUnlessStopped(std::chrono::nanoseconds delay);
  // Registers the stream's context for Stop (null: the stream ended); false if stopping.
  bool SetContext(grpc::ClientContext* context);

  // Holds gRPC initialised from construction to destruction, so it is initialised once per
  // agent rather than once per connection attempt. Without it, the channel of an attempt
  // that failed before anything else used gRPC (no Workload API server: svidd unreachable,
  // or a wrong --server-name) takes the library's last reference: gRPC shuts down, on one of
  // its own threads when that is where the reference drops, and starts again for the next
  // attempt. TSan caught a timer thread of one such cycle left unjoined at exit.
  grpc::GrpcLibraryCodegen grpc_library_;
  RotationClientOptions options_;
  SessionConfig session_;
  SvidStore& store_;
  const Clock& clock_;
  ReconnectBackoff backoff_;
  bool certificate_refused_ = false;  // by the last stream, at open
  // svidd's certificate does not hold the TLS name: reported once (ERROR naming --server-name),
  // then retried quietly until a stream works.
  bool name_mismatch_ = false;
  bool name_mismatch_reported_ = false;

  mutable Mutex mu_;
  CondVar cv_;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  grpc::ClientContext* context_ ABSL_GUARDED_BY(mu_) =
      nullptr;  // of the open stream, for TryCancel
  RotationClientStats stats_ ABSL_GUARDED_BY(mu_);
  std::thread thread_;
};

}  // namespace svidd::agent::internal
