// What the benchmarks read about processes and the machine from /proc: a process's resident
// memory (now and peak), this process's CPU time, the load average and the machine's line.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <string>

namespace svidd::bench {

struct ProcessMemory {
  long rss_kib = 0;  // VmRSS: resident now
  long hwm_kib = 0;  // VmHWM: the peak resident size so far
};

// From /proc/<pid>/status; zeros if the process is gone.
ProcessMemory ReadProcessMemory(pid_t pid);

// A process's write system calls so far, from /proc/<pid>/io: every write-type call and byte,
// files and sockets alike (syscw, wchar). Zeros if the process is gone.
struct ProcessIo {
  int64_t write_calls = 0, written_bytes = 0;
  ProcessIo& operator+=(const ProcessIo& other);
  ProcessIo& operator-=(const ProcessIo& other);
};
ProcessIo ReadProcessIo(pid_t pid);
// User + system CPU seconds of this process so far (all its threads, not its children).
double SelfCpuSeconds();
// /proc/loadavg's three figures, "1.52 1.61 1.70".
std::string LoadAverage();
// "machine: 2 cores (nproc), <CPU model>, <OpenSSL version>".
std::string MachineLine();

}  // namespace svidd::bench
