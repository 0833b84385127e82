// How svidd's daemons take SIGTERM / SIGINT: blocked in every thread and waited for by the
// main thread with sigwait, so shutdown runs as ordinary code, never inside a handler.
#pragma once

#include <signal.h>

namespace svidd {

class TerminationSignals {
 public:
  // Blocks SIGTERM and SIGINT (and SIGHUP if `with_reload`: Wait() then returns it too) in
  // the calling thread. Construct it before starting any thread, so that every thread
  // inherits the mask.
  explicit TerminationSignals(bool with_reload = false);

  // Waits for one of them; its number.
  int Wait() const;

  // "SIGTERM", "SIGINT" or "SIGHUP".
  static const char* Name(int signal_number);

 private:
  sigset_t signals_;
};

}  // namespace svidd
