#include "agent/file_output.h"

#include "spdlog/spdlog.h"
#include "svidd/agent/shell_command.h"

namespace svidd::agent::internal {

FileOutput::FileOutput(std::filesystem::path dir, std::string on_rotate,
                       std::chrono::seconds timeout, const AgentState& already_written)
    : on_rotate_(std::move(on_rotate)),
      timeout_(timeout),
      written_svid_(already_written.svid),
      written_bundle_(already_written.bundle) {
  if (!dir.empty()) files_.emplace(std::move(dir));
}

FileOutput::~FileOutput() { Stop(); }

void FileOutput::Stop() { hook_thread_.Stop(); }

FileOutputStats FileOutput::stats() const {
  MutexLock lock(&mu_);
  return stats_;
}

void FileOutput::OnChange(const AgentState& state) {
  if (state.closed || state.bundle == nullptr) return;
  absl::Status status;
  {
    MutexLock lock(&mu_);
    if (state.svid == written_svid_ && state.bundle == written_bundle_) return;
    status = Write(state);
    ++(status.ok() ? stats_.writes : stats_.write_failures);
    if (status.ok()) {
      written_svid_ = state.svid;
      written_bundle_ = state.bundle;
    }
  }
  if (!status.ok()) {
    spdlog::error("cannot update the files in the output directory: {}", status.ToString());
    return;
  }
  TriggerHook();
}

absl::Status FileOutput::Write(const AgentState& state) {
  if (!files_) return absl::OkStatus();
  if (state.svid != nullptr && state.svid != written_svid_) {
    return files_->WriteSvid(*state.svid, *state.bundle);
  }
  return files_->WriteRoots(*state.bundle);
}

void FileOutput::TriggerHook() {
  if (on_rotate_.empty() || hook_queued_.exchange(true)) return;
  if (!hook_thread_.Post([this] { RunHook(); })) hook_queued_ = false;
}

void FileOutput::RunHook() {
  hook_queued_ = false;
  absl::Status status = RunShellCommand(on_rotate_, timeout_);
  {
    MutexLock lock(&mu_);
    ++stats_.hook_runs;
    if (!status.ok()) ++stats_.hook_failures;
  }
  if (!status.ok()) spdlog::error("--on-rotate command failed: {}", std::string(status.message()));
}

}  // namespace svidd::agent::internal
