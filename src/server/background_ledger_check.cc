#include "server/background_ledger_check.h"

#include <sys/resource.h>
#include <unistd.h>

#include <utility>

#include "spdlog/spdlog.h"

namespace svidd::server {

BackgroundLedgerCheck::BackgroundLedgerCheck(ledger::LedgerVerifierOptions options, Done done)
    : options_(std::move(options)), done_(std::move(done)) {
  options_.stop_requested = [this] { return stopping_.load(std::memory_order_relaxed); };
}

void BackgroundLedgerCheck::Start() {
  thread_ = std::thread([this] { Run(); });
}

void BackgroundLedgerCheck::Stop() {
  stopping_.store(true);
  if (thread_.joinable()) thread_.join();
}

void BackgroundLedgerCheck::Run() {
  // Linux gives each thread its own nice value: the walk yields the CPU to issuance.
  if (setpriority(PRIO_PROCESS, static_cast<id_t>(gettid()), 10) != 0) {
    spdlog::debug("full ledger check: could not lower its priority");
  }
  const auto started = std::chrono::steady_clock::now();
  absl::StatusOr<ledger::LedgerVerifier> verifier = ledger::LedgerVerifier::Create(options_);
  absl::StatusOr<ledger::LedgerVerification> outcome =
      verifier.ok() ? verifier->Verify()
                    : absl::StatusOr<ledger::LedgerVerification>(verifier.status());
  if (stopping_.load()) return;  // cancelled, or finished as svidd stops: nobody to tell
  done_(outcome, std::chrono::steady_clock::now() - started);
}

}  // namespace svidd::server
