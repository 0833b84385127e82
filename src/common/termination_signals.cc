#include "svidd/common/termination_signals.h"

#include <pthread.h>

namespace svidd {

TerminationSignals::TerminationSignals(bool with_reload) {
  sigemptyset(&signals_);
  sigaddset(&signals_, SIGTERM);
  sigaddset(&signals_, SIGINT);
  if (with_reload) sigaddset(&signals_, SIGHUP);
  pthread_sigmask(SIG_BLOCK, &signals_, nullptr);
}

int TerminationSignals::Wait() const {
  int signal_number = SIGTERM;  // sigwait fails only for an invalid set, which this is not
  sigwait(&signals_, &signal_number);
  return signal_number;
}

const char* TerminationSignals::Name(int signal_number) {
  if (signal_number == SIGHUP) return "SIGHUP";
  return signal_number == SIGTERM ? "SIGTERM" : "SIGINT";
}

}  // namespace svidd
