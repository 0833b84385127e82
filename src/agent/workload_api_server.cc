#include "svidd/agent/workload_api_server.h"

#include <fcntl.h>
#include <grpcpp/grpcpp.h>
#include <grpcpp/server_posix.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>

#include "agent/workload_api_service.h"
#include "spdlog/spdlog.h"
#include "svidd/common/atomic_file.h"
#include "svidd/common/status_macros.h"

namespace svidd::agent {
namespace {

constexpr auto kShutdownGrace = std::chrono::seconds(5);

// Removes a socket left by an earlier run; refuses to touch anything else.
absl::Status ClearStaleSocket(const std::filesystem::path& path) {
  struct stat st;
  if (::lstat(path.c_str(), &st) != 0) {
    if (errno == ENOENT) return absl::OkStatus();
    return absl::UnavailableError("cannot stat " + path.string() + ": " + std::strerror(errno));
  }
  if (!S_ISSOCK(st.st_mode)) {
    return absl::FailedPreconditionError(path.string() + " exists and is not a socket");
  }
  if (::unlink(path.c_str()) != 0) {
    return absl::UnavailableError("cannot remove stale socket " + path.string() + ": " +
                                  std::strerror(errno));
  }
  return absl::OkStatus();
}

constexpr int kPollMillis = 200;  // how soon the acceptor notices Shutdown

// A listening unix socket at `path`, bound with umask 0177 so it is never more open than
// its owner until the chmod to `mode`.
absl::StatusOr<int> ListenUnix(const std::filesystem::path& path, unsigned mode) {
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  if (path.string().size() >= sizeof(address.sun_path)) {
    return absl::InvalidArgumentError("socket path too long: " + path.string());
  }
  std::strncpy(address.sun_path, path.c_str(), sizeof(address.sun_path) - 1);
  const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (fd < 0) return absl::UnavailableError(std::string("socket: ") + std::strerror(errno));
  const mode_t previous = ::umask(0177);
  const int bound = ::bind(fd, reinterpret_cast<const sockaddr*>(&address), sizeof(address));
  const int bind_errno = errno;
  ::umask(previous);
  if (bound != 0 || ::listen(fd, SOMAXCONN) != 0) {
    const int err = bound != 0 ? bind_errno : errno;
    ::close(fd);
    return absl::UnavailableError("cannot listen on " + path.string() + ": " + std::strerror(err));
  }
  if (::chmod(path.c_str(), mode) != 0) {
    const int err = errno;
    ::close(fd);
    return absl::UnavailableError("cannot chmod " + path.string() + ": " + std::strerror(err));
  }
  return fd;
}

}  // namespace

absl::StatusOr<std::unique_ptr<WorkloadApiServer>> WorkloadApiServer::Start(
    const std::filesystem::path& socket, WorkloadApiAccess access, SvidStore& store) {
  if (access.uids.empty() && access.gids.empty()) access.uids.push_back(::geteuid());
  std::unique_ptr<WorkloadApiServer> server(new WorkloadApiServer());
  server->socket_ = std::filesystem::absolute(socket);
  if (server->socket_.has_parent_path()) {
    const unsigned dir_mode = (access.socket_mode & 077) == 0 ? 0700 : 0711;
    SVIDD_RETURN_IF_ERROR(EnsureDirectory(server->socket_.parent_path(), dir_mode));
  }
  SVIDD_RETURN_IF_ERROR(ClearStaleSocket(server->socket_));
  const unsigned mode = access.socket_mode;
  server->service_ = std::make_unique<internal::WorkloadApiService>(store, std::move(access));
  grpc::ServerBuilder builder;  // no port: connections arrive through AcceptLoop
  builder.RegisterService(server->service_.get());
  server->server_ = builder.BuildAndStart();
  if (server->server_ == nullptr) {
    return absl::UnavailableError("cannot serve the Workload API on " + server->socket_.string());
  }
  SVIDD_ASSIGN_OR_RETURN(server->listen_fd_, ListenUnix(server->socket_, mode));
  server->acceptor_ = std::thread([s = server.get()] { s->AcceptLoop(); });
  spdlog::info("Workload API on unix:{} (mode {:04o}, callers attested by uid/gid)",
               server->socket_.string(), mode);
  return server;
}

void WorkloadApiServer::AcceptLoop() {
  while (!stopping_.load()) {
    pollfd waiting{listen_fd_, POLLIN, 0};
    if (::poll(&waiting, 1, kPollMillis) <= 0) continue;
    const int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0) {
      if (errno != EAGAIN && errno != EINTR && errno != ECONNABORTED) {
        spdlog::warn("Workload API accept: {}", std::strerror(errno));
        ::poll(nullptr, 0, kPollMillis);  // e.g. out of descriptors: don't spin
      }
      continue;
    }
    grpc::AddInsecureChannelFromFd(server_.get(), fd);  // gRPC owns the descriptor now
  }
}

WorkloadApiServer::~WorkloadApiServer() { Shutdown(); }

void WorkloadApiServer::Shutdown() {
  stopping_.store(true);
  if (acceptor_.joinable()) acceptor_.join();
  if (listen_fd_ >= 0) {
    ::close(listen_fd_);
    listen_fd_ = -1;
  }
  if (server_ == nullptr) return;
  service_->CloseStreams();
  server_->Shutdown(std::chrono::system_clock::now() + kShutdownGrace);
  server_->Wait();
  server_.reset();
  std::error_code ec;
  std::filesystem::remove(socket_, ec);
}

}  // namespace svidd::agent
