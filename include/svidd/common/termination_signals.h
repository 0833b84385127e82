// How svidd's daemons take SIGTERM / SIGINT: blocked in every thread and waited for by the
// main thread with sigwait, so shutdown runs as ordinary code, never inside a handler.
#pragma once

#include <signal.h>

namespace svidd {

class TerminationSignals {
 public:
  // Blocks SIGTERM and SIGINT in the calling thread. Construct it before starting any
  // thread, so that every thread inherits the mask.
  TerminationSignals();

  // Waits for one of them; its number.
  int Wait() const;

  // "SIGTERM" or "SIGINT".
  static const char* Name(int signal_number);

 private:
  sigset_t signals_;
};

}  // namespace svidd
