// A real svidd process for the deploy tests: token authentication with a test JWKS, the CA
// API and the HTTP metrics port on loopback, a data directory of its own.
#pragma once

#include <grpcpp/grpcpp.h>

#include <filesystem>
#include <memory>
#include <string>

#include "integration/child_process.h"
#include "support/jwt/test_jwt.h"
#include "support/ledger/temp_dir.h"

namespace svidd::testing {

class LiveSvidd {
 public:
  LiveSvidd();
  int port() const { return port_; }  // 0 if it did not start
  std::string log() const { return process_->log(); }
  std::filesystem::path data_dir() const { return dir_.File("data"); }

  // CreateCertificate for `spiffe_id` (a fresh CSR) or with `csr_pem` as it is.
  grpc::Status Request(const std::string& spiffe_id, const std::string& token);
  grpc::Status RequestWithCsr(const std::string& csr_pem, const std::string& token);
  // A valid projected token for system:serviceaccount:<ns>:<sa>.
  std::string Token(const std::string& ns, const std::string& sa) const;
  // GET /metrics; "" on failure.
  std::string Scrape() const;

 private:
  TempDir dir_;
  TestSigningKey key_;
  std::unique_ptr<ChildProcess> process_;
  int port_ = 0, metrics_port_ = 0;
  std::string root_;
};

}  // namespace svidd::testing
