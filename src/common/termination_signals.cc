#include "svidd/common/termination_signals.h"

#include <pthread.h>

namespace svidd {

TerminationSignals::TerminationSignals() {
  sigemptyset(&signals_);
  sigaddset(&signals_, SIGTERM);
  sigaddset(&signals_, SIGINT);
  pthread_sigmask(SIG_BLOCK, &signals_, nullptr);
}

int TerminationSignals::Wait() const {
  int signal_number = SIGTERM;  // sigwait fails only for an invalid set, which this is not
  sigwait(&signals_, &signal_number);
  return signal_number;
}

const char* TerminationSignals::Name(int signal_number) {
  return signal_number == SIGTERM ? "SIGTERM" : "SIGINT";
}

}  // namespace svidd
