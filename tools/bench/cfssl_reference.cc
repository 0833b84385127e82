#include "bench/cfssl_reference.h"

#include <httplib.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "nlohmann/json.hpp"
#include "svidd/common/atomic_file.h"
#include "svidd/common/status_macros.h"

namespace svidd::bench {
namespace {

// Runs argv (no shell) and returns its standard output. INTERNAL if it fails.
absl::StatusOr<std::string> CaptureOutput(const std::vector<std::string>& argv,
                                          const std::filesystem::path& dir) {
  std::string command = "cd '" + dir.string() + "' &&";
  for (const auto& a : argv) command += " '" + a + "'";
  command += " 2>/dev/null";
  FILE* pipe = ::popen(command.c_str(), "r");
  if (pipe == nullptr) return absl::InternalError("popen failed");
  std::string out;
  char buffer[4096];
  size_t n;
  while ((n = std::fread(buffer, 1, sizeof(buffer), pipe)) > 0) out.append(buffer, n);
  if (::pclose(pipe) != 0) return absl::InternalError(absl::StrCat(argv[0], " failed"));
  return out;
}

nlohmann::json KeySpec(crypto::KeyType type) {
  switch (type) {
    case crypto::KeyType::kEcP256:
      return {{"algo", "ecdsa"}, {"size", 256}};
    case crypto::KeyType::kEcP384:
      return {{"algo", "ecdsa"}, {"size", 384}};
    case crypto::KeyType::kRsa3072:
      return {{"algo", "rsa"}, {"size", 3072}};
    case crypto::KeyType::kRsa4096:
      return {{"algo", "rsa"}, {"size", 4096}};
    default:
      return {{"algo", "rsa"}, {"size", 2048}};
  }
}

}  // namespace

absl::StatusOr<std::string> CfsslReference::FindBinary(const std::string& hint) {
  if (!hint.empty()) {
    if (::access(hint.c_str(), X_OK) == 0) return hint;
    return absl::NotFoundError(absl::StrCat("no cfssl at ", hint));
  }
  const char* path = std::getenv("PATH");
  const std::vector<std::string> dirs = absl::StrSplit(path ? path : "/usr/bin", ':');
  for (const std::string& dir : dirs) {
    std::string candidate = absl::StrCat(dir, "/cfssl");
    if (::access(candidate.c_str(), X_OK) == 0) return candidate;
  }
  return absl::NotFoundError("cfssl is not installed (Debian: golang-cfssl)");
}

absl::StatusOr<std::unique_ptr<CfsslReference>> CfsslReference::Start(
    const std::string& binary, const std::filesystem::path& dir, crypto::KeyType ca_key_type) {
  std::filesystem::create_directories(dir);
  nlohmann::json ca_csr = {{"CN", "svidd-bench cfssl CA"}, {"key", KeySpec(ca_key_type)}};
  SVIDD_RETURN_IF_ERROR(WriteFileAtomically(dir / "ca-csr.json", ca_csr.dump()));
  SVIDD_ASSIGN_OR_RETURN(std::string made,
                         CaptureOutput({binary, "gencert", "-initca", "ca-csr.json"}, dir));
  nlohmann::json ca = nlohmann::json::parse(made, nullptr, false);
  if (!ca.is_object() || !ca.contains("cert") || !ca.contains("key")) {
    return absl::InternalError("cfssl gencert -initca printed no CA");
  }
  SVIDD_RETURN_IF_ERROR(WriteFileAtomically(dir / "ca.pem", ca["cert"].get<std::string>()));
  SVIDD_RETURN_IF_ERROR(
      WriteFileAtomically(dir / "ca-key.pem", ca["key"].get<std::string>(), 0600));
  // svidd's leaf profile as near as cfssl 1.2.0 can say it: 24 h, the same key usages.
  nlohmann::json config = {
      {"signing",
       {{"default",
         {{"expiry", "24h"},
          {"usages", {"digital signature", "key encipherment", "server auth", "client auth"}}}}}}};
  SVIDD_RETURN_IF_ERROR(WriteFileAtomically(dir / "config.json", config.dump()));
  SVIDD_ASSIGN_OR_RETURN(int port, PickFreeLoopbackPort());
  SVIDD_ASSIGN_OR_RETURN(std::unique_ptr<ChildServer> server,
                         ChildServer::Start({binary, "serve", "-address", "127.0.0.1", "-port",
                                             std::to_string(port), "-ca", (dir / "ca.pem").string(),
                                             "-ca-key", (dir / "ca-key.pem").string(), "-config",
                                             (dir / "config.json").string(), "-loglevel", "3"},
                                            dir / "cfssl.log"));
  // Ready when it answers HTTP at all.
  httplib::Client probe("127.0.0.1", port);
  probe.set_connection_timeout(std::chrono::milliseconds(200));
  for (int i = 0; i < 150; ++i) {
    if (probe.Get("/"))
      return std::unique_ptr<CfsslReference>(new CfsslReference(std::move(server), port));
    if (!server->Running()) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return absl::UnavailableError(absl::StrCat("cfssl serve did not answer: ", server->LogTail()));
}

absl::StatusOr<LoadResult> CfsslReference::Run(const std::vector<BenchInput>& inputs,
                                               const LoadOptions& options) {
  std::vector<std::string> bodies;
  bodies.reserve(inputs.size());
  for (const auto& input : inputs) {
    bodies.push_back(nlohmann::json{{"certificate_request", input.csr_pem}}.dump());
  }
  LoadWindow window(options);
  std::atomic<uint64_t> next{0};
  std::vector<std::thread> clients;
  for (int i = 0; i < options.concurrency; ++i) {
    clients.emplace_back([&] {
      httplib::Client client("127.0.0.1", port_);
      client.set_keep_alive(true);
      client.set_tcp_nodelay(true);  // else delayed ACKs cap each connection near 25 calls/s
      client.set_read_timeout(std::chrono::seconds(30));
      for (;;) {
        const std::string& body = bodies[next.fetch_add(1) % bodies.size()];
        const auto started = LoadWindow::Clock::now();
        auto response = client.Post("/api/v1/cfssl/sign", body, "application/json");
        std::string error;
        if (!response) {
          error = "HTTP_" + httplib::to_string(response.error());
        } else if (response->status != 200) {
          error = "HTTP_" + std::to_string(response->status);
        } else if (response->body.find("\"success\":true") == std::string::npos) {
          error = "NOT_SUCCESS";
        }
        if (!window.Complete(started, error)) return;
      }
    });
  }
  window.Run([&] { return server_->CpuSeconds(); });
  for (auto& t : clients) t.join();
  return window.Result();
}

}  // namespace svidd::bench
