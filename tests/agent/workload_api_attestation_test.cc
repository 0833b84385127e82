// Who may fetch the SVID and its key from the Workload API: a real second user (`nobody`,
// from a forked child that drops to it with setuid) against the real socket.
#include <grp.h>
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>
#include <pwd.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>

#include "agent/agent_test_pki.h"
#include "spiffe/workload/workload.grpc.pb.h"
#include "svidd/agent/workload_api_server.h"
#include "svidd/common/atomic_file.h"

namespace svidd::testing {
namespace {

constexpr char kFetchSocketEnv[] = "SVIDD_TEST_FETCH_AS_SOCKET";

// The client side, run in a process of its own (see FetchAs): exits 0 when it got an SVID
// with its key, 100 + the gRPC status code otherwise.
[[noreturn]] void FetchAndExit(const std::string& socket) {
  auto stub = SpiffeWorkloadAPI::NewStub(
      grpc::CreateChannel("unix:" + socket, grpc::InsecureChannelCredentials()));
  grpc::ClientContext context;
  context.AddMetadata("workload.spiffe.io", "true");
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
  auto stream = stub->FetchX509SVID(&context, X509SVIDRequest());
  X509SVIDResponse response;
  if (stream->Read(&response) && response.svids_size() == 1 &&
      !response.svids(0).x509_svid_key().empty()) {
    ::_exit(0);
  }
  ::_exit(100 + static_cast<int>(stream->Finish().error_code()));
}

// Not a test: the entry point of FetchAs's child (this binary, re-executed as another user).
TEST(WorkloadApiAttestationClient, FetchAsAnotherUser) {
  const char* socket = std::getenv(kFetchSocketEnv);
  if (socket == nullptr) GTEST_SKIP() << "only run by FetchAs";
  FetchAndExit(socket);
}

// What a FetchX509SVID call from a process running as `uid`:`gid` ended with (see
// FetchAndExit); 99 if the child could not become that user or start. The child is this test
// binary exec'd afresh (no gRPC state inherited across fork).
int FetchAs(uid_t uid, gid_t gid, const std::filesystem::path& socket) {
  const std::string self = std::filesystem::read_symlink("/proc/self/exe").string();
  const pid_t child = ::fork();
  if (child == 0) {
    if (::setgroups(0, nullptr) != 0 || ::setgid(gid) != 0 || ::setuid(uid) != 0) ::_exit(99);
    ::setenv(kFetchSocketEnv, socket.c_str(), 1);
    const char* argv[] = {
        self.c_str(), "--gtest_filter=WorkloadApiAttestationClient.FetchAsAnotherUser", nullptr};
    ::execv(self.c_str(), const_cast<char* const*>(argv));
    ::_exit(99);
  }
  int status = 0;
  if (child < 0 || ::waitpid(child, &status, 0) != child || !WIFEXITED(status)) return -1;
  return WEXITSTATUS(status);
}

class WorkloadApiAttestationTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (::geteuid() != 0) GTEST_SKIP() << "needs root to act as a second user";
    const passwd* nobody = ::getpwnam("nobody");
    ASSERT_NE(nobody, nullptr);
    nobody_uid_ = nobody->pw_uid;
    nobody_gid_ = nobody->pw_gid;
    store_.SetBundle(pki_.bundle());
    store_.SetSvid(pki_.IssueSvid(kAgentId, now_, std::chrono::hours(1)));
    // The temp dir itself must let `nobody` through to the socket's directory.
    ASSERT_EQ(::chmod(dir_.path().c_str(), 0711), 0);
  }

  std::unique_ptr<agent::WorkloadApiServer> Serve(agent::WorkloadApiAccess access) {
    auto server = agent::WorkloadApiServer::Start(socket_, std::move(access), store_);
    EXPECT_TRUE(server.ok()) << server.status();
    return server.ok() ? *std::move(server) : nullptr;
  }

  uid_t nobody_uid_ = 0;
  gid_t nobody_gid_ = 0;
  TimePoint now_ = SystemClock::Instance().Now();
  AgentTestPki pki_{now_};
  TempDir dir_;
  std::filesystem::path socket_ = dir_.path() / "run" / "agent.sock";
  agent::SvidStore store_;
};

constexpr int kPermissionDenied = 100 + grpc::StatusCode::PERMISSION_DENIED;

// The review's finding: `nobody` fetched the SVID and its private key.
TEST_F(WorkloadApiAttestationTest, ByDefaultOnlyTheAgentsUserIsServed) {
  auto server = Serve(agent::WorkloadApiAccess{});
  ASSERT_NE(server, nullptr);
  struct stat st;
  ASSERT_EQ(::stat(socket_.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  ASSERT_EQ(::stat(socket_.parent_path().c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0700u);
  EXPECT_EQ(FetchAs(0, 0, socket_), 0);
  // `nobody` cannot even reach the socket (UNAVAILABLE), let alone be served.
  EXPECT_NE(FetchAs(nobody_uid_, nobody_gid_, socket_), 0);
}

// Even where the file mode lets everyone connect (a shared emptyDir), the uid is checked on
// every call: the mode alone never hands out the key.
TEST_F(WorkloadApiAttestationTest, AnOpenSocketStillServesOnlyTheAllowList) {
  auto server = Serve(agent::WorkloadApiAccess{0666, {0}, {}});
  ASSERT_NE(server, nullptr);
  EXPECT_EQ(FetchAs(nobody_uid_, nobody_gid_, socket_), kPermissionDenied);
  EXPECT_EQ(FetchAs(0, 0, socket_), 0);
}

TEST_F(WorkloadApiAttestationTest, TheOperatorCanAllowTheWorkloadsUserOrGroup) {
  {
    auto server = Serve(agent::WorkloadApiAccess{0666, {nobody_uid_}, {}});
    ASSERT_NE(server, nullptr);
    EXPECT_EQ(FetchAs(nobody_uid_, nobody_gid_, socket_), 0);
    EXPECT_EQ(FetchAs(0, 0, socket_), kPermissionDenied) << "root was not on the list";
  }
  auto server = Serve(agent::WorkloadApiAccess{0660, {}, {nobody_gid_}});
  ASSERT_NE(server, nullptr);
  ASSERT_EQ(::chown(socket_.c_str(), 0, nobody_gid_), 0);  // as a shared group would be set up
  EXPECT_EQ(FetchAs(nobody_uid_, nobody_gid_, socket_), 0);
}

}  // namespace
}  // namespace svidd::testing
