// Keeps --out-dir in step with the store and runs --on-rotate after each change. A store
// listener: a new SVID writes the whole group (svid_files.h), a bundle change alone
// root-cert.pem. The hook runs on a thread of its own, so a slow hook never holds up
// rotation; triggers that arrive while one is queued are folded into it. A failing or hung
// hook is logged (and killed at its timeout), never fatal.
#pragma once

#include <atomic>
#include <chrono>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "svidd/agent/svid_files.h"
#include "svidd/agent/svid_store.h"
#include "svidd/common/mutex.h"
#include "svidd/common/worker_pool.h"

namespace svidd::agent::internal {

struct FileOutputStats {
  int writes = 0;
  int write_failures = 0;
  int hook_runs = 0;
  int hook_failures = 0;
};

class FileOutput {
 public:
  // `dir` empty: no files, only the hook. What `already_written` holds is taken as on disk.
  FileOutput(std::filesystem::path dir, std::string on_rotate, std::chrono::seconds timeout,
             const AgentState& already_written);
  ~FileOutput();  // Stop()

  void OnChange(const AgentState& state);
  // Waits for a running hook (bounded by its timeout); later changes are ignored.
  void Stop();
  FileOutputStats stats() const;

 private:
  absl::Status Write(const AgentState& state) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void TriggerHook();
  void RunHook();

  std::optional<SvidFiles> files_;
  std::string on_rotate_;
  std::chrono::seconds timeout_;
  mutable Mutex mu_;
  std::shared_ptr<const X509Svid> written_svid_ ABSL_GUARDED_BY(mu_);
  std::shared_ptr<const X509Bundle> written_bundle_ ABSL_GUARDED_BY(mu_);
  FileOutputStats stats_ ABSL_GUARDED_BY(mu_);
  std::atomic<bool> hook_queued_{false};
  WorkerPool hook_thread_{1};
};

}  // namespace svidd::agent::internal
