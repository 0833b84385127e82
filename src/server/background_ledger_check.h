// The full walk of svidd's ledger, run once on a thread of its own after svidd starts
// serving (--ledger-check-at-start=incremental): what the check before serving trusted as
// signed (docs/ledger-integrity.md) is recomputed here, at low CPU priority, while svidd
// serves. Its outcome goes to a callback; the composition root stops issuance on a break.
#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <thread>

#include "absl/status/statusor.h"
#include "svidd/ledger/ledger_verification.h"
#include "svidd/ledger/ledger_verifier.h"

namespace svidd::server {

class BackgroundLedgerCheck {
 public:
  // What the walk found (an error: it could not read the ledger) and how long it took.
  using Done = std::function<void(const absl::StatusOr<ledger::LedgerVerification>& outcome,
                                  std::chrono::steady_clock::duration took)>;

  // `options.scope` should be kFull; its stop_requested is replaced by Stop()'s.
  BackgroundLedgerCheck(ledger::LedgerVerifierOptions options, Done done);
  ~BackgroundLedgerCheck() { Stop(); }
  BackgroundLedgerCheck(const BackgroundLedgerCheck&) = delete;
  BackgroundLedgerCheck& operator=(const BackgroundLedgerCheck&) = delete;

  // Starts the walk on its own thread. Call once.
  void Start();
  // Ends a walk under way within a few thousand events (`done` is not called for it) and
  // waits for the thread. Idempotent; call from the owner's thread.
  void Stop();

 private:
  void Run();

  ledger::LedgerVerifierOptions options_;
  const Done done_;
  std::atomic<bool> stopping_{false};
  std::thread thread_;
};

}  // namespace svidd::server
