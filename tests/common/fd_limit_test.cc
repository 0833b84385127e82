#include "svidd/common/fd_limit.h"

#include <gtest/gtest.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

namespace svidd {
namespace {

// In a child, so the test runner's own limit is left alone: a soft limit lowered to 64 is
// raised back to the hard limit.
TEST(FdLimitTest, RaisesTheSoftLimitToTheHardLimit) {
  const pid_t child = ::fork();
  if (child == 0) {
    rlimit limit{};
    ::getrlimit(RLIMIT_NOFILE, &limit);
    if (limit.rlim_max <= 64) ::_exit(2);
    limit.rlim_cur = 64;
    if (::setrlimit(RLIMIT_NOFILE, &limit) != 0) ::_exit(3);
    auto raised = RaiseFdLimitToHard();
    rlimit now{};
    ::getrlimit(RLIMIT_NOFILE, &now);
    ::_exit(raised.ok() && raised->soft == raised->hard && now.rlim_cur == limit.rlim_max ? 0 : 1);
  }
  int status = 0;
  ASSERT_EQ(::waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0);
}

}  // namespace
}  // namespace svidd
