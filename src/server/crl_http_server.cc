#include "server/crl_http_server.h"

#include <httplib.h>
#include <sys/socket.h>

#include <atomic>
#include <chrono>
#include <thread>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "spdlog/spdlog.h"
#include "svidd/crypto/x509_fields.h"

namespace svidd {
namespace {

constexpr int kThreads = 2;  // CRLs are small and served from memory
constexpr size_t kMaxRequestBody = 1024;
constexpr auto kStartTimeout = std::chrono::seconds(5);

struct HostPort {
  std::string host;
  int port = 0;
};

absl::StatusOr<HostPort> ParseListen(const std::string& listen) {
  const size_t colon = listen.rfind(':');
  HostPort out;
  if (colon == std::string::npos || colon == 0 ||
      !absl::SimpleAtoi(listen.substr(colon + 1), &out.port) || out.port < 0 || out.port > 65535) {
    return absl::InvalidArgumentError("--crl-listen must be HOST:PORT, got \"" + listen + "\"");
  }
  out.host = listen.substr(0, colon);
  if (out.host.size() > 2 && out.host.front() == '[' && out.host.back() == ']') {
    out.host = out.host.substr(1, out.host.size() - 2);  // [::1]
  }
  return out;
}

void NotFound(httplib::Response& res, const std::string& what) {
  res.status = 404;
  res.set_content(what + "\n", "text/plain");
}

void ServeIssuerCrl(const CrlHttpServer::CrlSource& crls, const httplib::Request& req,
                    httplib::Response& res) {
  const std::string requested = req.matches[1].str();
  auto serial = NormalizeSerialHex(requested);
  std::shared_ptr<const CrlSet> set = crls();
  std::shared_ptr<const Crl> crl =
      serial.ok() && set != nullptr ? set->ForIssuer(*serial) : nullptr;
  if (crl == nullptr) return NotFound(res, "no CRL for issuer " + requested);
  res.set_header("Cache-Control", "no-cache");
  res.set_content(crl->der, "application/pkix-crl");
}

void ServeAllCrls(const CrlHttpServer::CrlSource& crls, httplib::Response& res) {
  std::shared_ptr<const CrlSet> set = crls();
  if (set == nullptr || set->crls().empty()) return NotFound(res, "no CRL published");
  res.set_header("Cache-Control", "no-cache");
  res.set_content(set->Pem(), "application/x-pem-file");
}

}  // namespace

struct CrlHttpServer::Impl {
  httplib::Server server;
  std::thread thread;
  std::atomic<bool> finished{false};  // listen_after_bind() has returned
};

absl::StatusOr<std::unique_ptr<CrlHttpServer>> CrlHttpServer::Start(const std::string& listen,
                                                                    CrlSource crls) {
  absl::StatusOr<HostPort> address = ParseListen(listen);
  if (!address.ok()) return address.status();
  auto impl = std::make_unique<Impl>();
  httplib::Server& server = impl->server;
  server.new_task_queue = [] { return new httplib::ThreadPool(kThreads); };
  server.set_payload_max_length(kMaxRequestBody);
  // Not httplib's default SO_REUSEPORT: a second process must fail to bind the port rather
  // than silently share it. SO_REUSEADDR only lets a restart bind despite TIME_WAIT; failing
  // to set it is harmless.
  server.set_socket_options([](socket_t sock) {
    int yes = 1;
    ::setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof(yes));
  });
  server.Get(R"(/crl/([0-9A-Fa-f]+)\.crl)",
             [crls](const httplib::Request& req, httplib::Response& res) {
               ServeIssuerCrl(crls, req, res);
             });
  server.Get("/ca-crl.pem",
             [crls](const httplib::Request&, httplib::Response& res) { ServeAllCrls(crls, res); });
  int port = address->port;
  const bool bound = port == 0 ? (port = server.bind_to_any_port(address->host)) > 0
                               : server.bind_to_port(address->host, port);
  if (!bound) return absl::UnavailableError("cannot listen for CRL requests on " + listen);
  Impl* raw = impl.get();
  impl->thread = std::thread([raw] {
    raw->server.listen_after_bind();
    raw->finished = true;
  });
  std::unique_ptr<CrlHttpServer> out(new CrlHttpServer(std::move(impl), port));
  const auto deadline = std::chrono::steady_clock::now() + kStartTimeout;
  while (!server.is_running() && !raw->finished && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  if (!server.is_running()) return absl::UnavailableError("CRL HTTP server did not start");
  spdlog::info("serving CRLs over HTTP on {} (port {})", listen, port);
  return out;
}

CrlHttpServer::CrlHttpServer(std::unique_ptr<Impl> impl, int port)
    : impl_(std::move(impl)), port_(port) {}

CrlHttpServer::~CrlHttpServer() { Stop(); }

void CrlHttpServer::Stop() {
  if (impl_ == nullptr || !impl_->thread.joinable()) return;
  // stop() does nothing until the accept loop runs, so repeat it until the loop has ended.
  while (!impl_->finished) {
    impl_->server.stop();
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  impl_->thread.join();
}

}  // namespace svidd
