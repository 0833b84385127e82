// A SPIFFE-aware workload in a test: holds FetchX509SVID open on svid-agent's socket in the
// background and records every SVID it is pushed, as go-spiffe's X509Source would.
#pragma once

#include <grpcpp/grpcpp.h>

#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

class X509SVID;

namespace svidd::testing {

struct PushedSvid {
  std::string spiffe_id;
  std::string serial;   // of the leaf
  std::string key_der;  // PKCS#8
  bool key_matches = false;
  bool chain_verifies = false;               // leaf + intermediates to the pushed bundle, now
  std::vector<std::string> revoked_serials;  // listed by the pushed CRLs
};

class WorkloadApiWatcher {
 public:
  // Connects to unix:`socket` (retrying until it exists, at most `timeout`) and reads.
  explicit WorkloadApiWatcher(const std::filesystem::path& socket,
                              std::chrono::seconds timeout = std::chrono::seconds(120));
  ~WorkloadApiWatcher();  // cancels the stream, joins

  std::vector<PushedSvid> pushed() const;
  // Until `n` SVIDs have been pushed, at most `timeout`; false on timeout.
  bool WaitForCount(size_t n, std::chrono::seconds timeout) const;
  // The status the stream ended with (OK while it is still open).
  grpc::Status end_status() const;
  bool ended() const;

 private:
  void Run(std::filesystem::path socket, std::chrono::seconds timeout);
  void Record(const X509SVID& svid, const std::vector<std::string>& crls);

  grpc::ClientContext context_;
  mutable std::mutex mu_;
  mutable std::condition_variable cv_;
  std::vector<PushedSvid> pushed_;
  grpc::Status end_status_;
  bool ended_ = false;
  bool cancelled_ = false;
  std::thread thread_;
};

}  // namespace svidd::testing
