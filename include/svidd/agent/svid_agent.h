// svid-agent's composition root: resolves the identity, serves a still-valid SVID found in
// --out-dir at once, then wires the store to the file output (and --on-rotate), the SPIFFE
// Workload API server and the rotation client, and watches the served certificate's expiry.
// Used by tools/svid-agent/main.cc and, in-process, by tests.
//
// Start-up trust: the roots in --root-cert plus those in --out-dir/root-cert.pem (the last
// bundle svidd pushed to an earlier run), so an agent restarted after a root rotation still
// trusts svidd. An SVID found in --out-dir is served only if it names this agent's SPIFFE
// ID, is valid now, and its chain verifies to those roots; svidd's first pushed bundle
// then replaces them.
#pragma once

#include <atomic>
#include <memory>
#include <thread>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "svidd/agent/agent_options.h"
#include "svidd/agent/svid_store.h"
#include "svidd/agent/workload_api_server.h"
#include "svidd/common/clock.h"
#include "svidd/common/mutex.h"

namespace svidd::agent {

namespace internal {
class FileOutput;
class RotationClient;
}  // namespace internal

class SvidAgent {
 public:
  // Running when it returns. INVALID_ARGUMENT / FAILED_PRECONDITION / UNAVAILABLE naming the
  // flag or file at fault (unreadable --root-cert, no identity, socket in use ...).
  static absl::StatusOr<std::unique_ptr<SvidAgent>> Start(AgentOptions options, const Clock& clock);
  ~SvidAgent();  // Shutdown()

  // Stops the rotation client, ends every Workload API stream with OK, removes the socket,
  // waits for a running --on-rotate (bounded). Idempotent.
  void Shutdown();

  const spiffe::SpiffeId& id() const { return id_; }
  SvidStore& store() { return store_; }

 private:
  SvidAgent(AgentOptions options, const Clock& clock, spiffe::SpiffeId id);
  absl::Status Begin();
  void LoadExisting(const std::shared_ptr<const X509Bundle>& trust);
  void Watch();

  AgentOptions options_;
  const Clock& clock_;
  spiffe::SpiffeId id_;
  SvidStore store_;
  std::unique_ptr<internal::FileOutput> files_;
  uint64_t files_listener_ = 0;
  std::unique_ptr<WorkloadApiServer> workload_api_;
  std::unique_ptr<internal::RotationClient> rotation_;

  Mutex mu_;
  CondVar cv_;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::thread watcher_;
};

}  // namespace svidd::agent
