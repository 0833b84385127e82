#include "svidd/agent/workload_api_server.h"

#include <grpcpp/grpcpp.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>

#include "agent/workload_api_service.h"
#include "spdlog/spdlog.h"
#include "svidd/common/atomic_file.h"
#include "svidd/common/status_macros.h"

namespace svidd {
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

// Binds with umask 0177 so the socket is never more open than the owner until the chmod.
std::unique_ptr<grpc::Server> BuildRestrictively(grpc::ServerBuilder& builder) {
  const mode_t previous = ::umask(0177);
  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  ::umask(previous);
  return server;
}

}  // namespace

absl::StatusOr<std::unique_ptr<WorkloadApiServer>> WorkloadApiServer::Start(
    const std::filesystem::path& socket, unsigned mode, SvidStore& store) {
  std::unique_ptr<WorkloadApiServer> server(new WorkloadApiServer());
  server->socket_ = std::filesystem::absolute(socket);
  if (server->socket_.has_parent_path()) {
    SVIDD_RETURN_IF_ERROR(EnsureDirectory(server->socket_.parent_path(), 0755));
  }
  SVIDD_RETURN_IF_ERROR(ClearStaleSocket(server->socket_));
  server->service_ = std::make_unique<agent_internal::WorkloadApiService>(store);
  grpc::ServerBuilder builder;
  builder.AddListeningPort("unix:" + server->socket_.string(), grpc::InsecureServerCredentials());
  builder.RegisterService(server->service_.get());
  server->server_ = BuildRestrictively(builder);
  if (server->server_ == nullptr) {
    return absl::UnavailableError("cannot serve the Workload API on " + server->socket_.string());
  }
  if (::chmod(server->socket_.c_str(), mode) != 0) {
    return absl::UnavailableError("cannot chmod " + server->socket_.string() + ": " +
                                  std::strerror(errno));
  }
  spdlog::info("Workload API on unix:{} (mode {:04o})", server->socket_.string(), mode);
  return server;
}

WorkloadApiServer::~WorkloadApiServer() { Shutdown(); }

void WorkloadApiServer::Shutdown() {
  if (server_ == nullptr) return;
  service_->CloseStreams();
  server_->Shutdown(std::chrono::system_clock::now() + kShutdownGrace);
  server_->Wait();
  server_.reset();
  std::error_code ec;
  std::filesystem::remove(socket_, ec);
}

}  // namespace svidd
