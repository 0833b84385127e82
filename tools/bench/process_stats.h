// What the benchmarks read about processes and the machine from /proc: a process's resident
// memory (now and peak), this process's CPU time, the load average and the machine's line.
#pragma once

#include <sys/types.h>

#include <string>

namespace svidd::bench {

struct ProcessMemory {
  long rss_kib = 0;  // VmRSS: resident now
  long hwm_kib = 0;  // VmHWM: the peak resident size so far
};

// From /proc/<pid>/status; zeros if the process is gone.
ProcessMemory ReadProcessMemory(pid_t pid);
// User + system CPU seconds of this process so far (all its threads, not its children).
double SelfCpuSeconds();
// /proc/loadavg's three figures, "1.52 1.61 1.70".
std::string LoadAverage();
// "machine: 2 cores (nproc), <CPU model>, <OpenSSL version>".
std::string MachineLine();

}  // namespace svidd::bench
