// The second reference beside svidd: CloudFlare's cfssl (Debian golang-cfssl, 1.2.0) as
// `cfssl serve` on 127.0.0.1 in a process of its own, with a CA it made itself
// (`cfssl gencert -initca`, same key type as svidd's CA), no database, plain HTTP. The load is
// the same CSRs at the same concurrency, POSTed to /api/v1/cfssl/sign by cpp-httplib clients:
// one keep-alive connection per concurrent call, since HTTP/1.1 cannot multiplex.
// Note: cfssl 1.2.0 predates URI SANs and issues without the SPIFFE ID; what it does per
// certificate (parse and verify the CSR, build and sign a leaf) is the same kind of work.
#pragma once

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "bench/bench_inputs.h"
#include "bench/child_server.h"
#include "bench/load_window.h"
#include "svidd/crypto/keys.h"

namespace svidd::bench {

class CfsslReference {
 public:
  // Finds `cfssl` (the path given, or on PATH). NOT_FOUND if there is none.
  static absl::StatusOr<std::string> FindBinary(const std::string& hint);

  // Makes a CA of `ca_key_type` in `dir` and starts `cfssl serve` on a free loopback port.
  static absl::StatusOr<std::unique_ptr<CfsslReference>> Start(const std::string& binary,
                                                               const std::filesystem::path& dir,
                                                               crypto::KeyType ca_key_type);

  // One closed-loop run with `window`'s bounds; the server's CPU from /proc.
  absl::StatusOr<LoadResult> Run(const std::vector<BenchInput>& inputs, const LoadOptions& options);

  void Stop() { server_->Stop(); }

 private:
  CfsslReference(std::unique_ptr<ChildServer> server, int port)
      : server_(std::move(server)), port_(port) {}
  std::unique_ptr<ChildServer> server_;
  int port_;
};

}  // namespace svidd::bench
