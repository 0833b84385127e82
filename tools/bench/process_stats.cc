#include "bench/process_stats.h"

#include <openssl/crypto.h>
#include <sys/resource.h>

#include <fstream>
#include <sstream>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace svidd::bench {
namespace {

// The number in a /proc/<pid>/status line "Name:   1234 kB".
long KibAfter(const std::string& line) {
  std::istringstream in(line.substr(line.find(':') + 1));
  long kib = 0;
  in >> kib;
  return kib;
}

}  // namespace

ProcessMemory ReadProcessMemory(pid_t pid) {
  ProcessMemory memory;
  std::ifstream status(absl::StrCat("/proc/", pid, "/status"));
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("VmRSS:", 0) == 0) memory.rss_kib = KibAfter(line);
    if (line.rfind("VmHWM:", 0) == 0) memory.hwm_kib = KibAfter(line);
  }
  return memory;
}

ProcessIo& ProcessIo::operator+=(const ProcessIo& other) {
  write_calls += other.write_calls;
  written_bytes += other.written_bytes;
  return *this;
}

ProcessIo& ProcessIo::operator-=(const ProcessIo& other) {
  write_calls -= other.write_calls;
  written_bytes -= other.written_bytes;
  return *this;
}

ProcessIo ReadProcessIo(pid_t pid) {
  ProcessIo io;
  std::ifstream in(absl::StrCat("/proc/", pid, "/io"));
  std::string name;
  int64_t value = 0;
  while (in >> name >> value) {
    if (name == "wchar:") io.written_bytes = value;
    if (name == "syscw:") io.write_calls = value;
  }
  return io;
}

double SelfCpuSeconds() {
  struct rusage usage {};
  getrusage(RUSAGE_SELF, &usage);
  auto seconds = [](const timeval& t) {
    return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_usec) / 1e6;
  };
  return seconds(usage.ru_utime) + seconds(usage.ru_stime);
}

std::string LoadAverage() {
  std::ifstream in("/proc/loadavg");
  std::string one, five, fifteen;
  in >> one >> five >> fifteen;
  return absl::StrCat(one, " ", five, " ", fifteen);
}

std::string MachineLine() {
  std::ifstream cpuinfo("/proc/cpuinfo");
  std::string line, model = "unknown CPU";
  while (std::getline(cpuinfo, line)) {
    if (line.rfind("model name", 0) == 0) {
      model = line.substr(line.find(':') + 2);
      break;
    }
  }
  return absl::StrFormat("machine: %d cores (nproc), %s, %s", std::thread::hardware_concurrency(),
                         model, OpenSSL_version(OPENSSL_VERSION));
}

}  // namespace svidd::bench
