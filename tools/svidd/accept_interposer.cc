// svidd's accept4(): every accept4() in the svidd program, gRPC's included (libgrpc calls it
// through the dynamic linker, which finds this definition in the executable first), goes
// through here to the C library's, and accepts on the guarded gRPC listener are filtered by
// ConnectionCap (server/connection_cap.h). Linked into the svidd program only: tests that run
// a server in their own process keep the C library's accept4().
#include <dlfcn.h>
#include <errno.h>
#include <sys/socket.h>
#include <unistd.h>

#include "server/connection_cap.h"

namespace {

using Accept4 = int (*)(int, sockaddr*, socklen_t*, int);

}  // namespace

// Under ASan/UBSan/TSan the sanitizer's own accept4 (a weak alias that this definition
// overrides) is still there under this name; calling it keeps the sanitizer's view of the
// descriptor.
extern "C" int __interceptor_accept4(int, sockaddr*, socklen_t*, int) __attribute__((weak));

namespace {

Accept4 RealAccept4() {
  static const Accept4 real = [] {
    if (__interceptor_accept4 != nullptr) return static_cast<Accept4>(__interceptor_accept4);
    return reinterpret_cast<Accept4>(::dlsym(RTLD_NEXT, "accept4"));
  }();
  return real;
}

}  // namespace

extern "C" __attribute__((visibility("default"))) int accept4(int fd, sockaddr* address,
                                                              socklen_t* length, int flags) {
  const Accept4 real = RealAccept4();
  if (real == nullptr) {
    errno = ENOSYS;
    return -1;
  }
  const socklen_t capacity = length != nullptr ? *length : 0;
  int accepted = real(fd, address, length, flags);
  svidd::server::ConnectionCap& cap = svidd::server::ConnectionCap::Process();
  if (!cap.Guards(fd)) return accepted;
  // Empties the backlog while at the cap, at most kMaxShedPerCall at a time (a flood keeps
  // refilling it; its next connection wakes gRPC's listener again).
  constexpr int kMaxShedPerCall = 256;
  for (int shed = 0; accepted >= 0 && !cap.Admit(accepted); ++shed) {
    ::close(accepted);
    cap.CountShed();
    if (shed == kMaxShedPerCall) {
      errno = EAGAIN;
      return -1;
    }
    if (length != nullptr) *length = capacity;
    accepted = real(fd, address, length, flags);
  }
  if (accepted < 0 && (errno == EMFILE || errno == ENFILE)) {
    cap.CountExhausted();
    errno = EAGAIN;
  }
  return accepted;
}
