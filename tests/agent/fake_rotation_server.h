// A stand-in for svidd's Rotate stream, only for unit-testing the agent's reconnect logic
// (which stream ends lead to what, with which credentials); the end-to-end tests run the
// real svidd. TLS on 127.0.0.1 with a "localhost" certificate from a real test CA, which
// also signs what it issues. Stop and Start again keep the port, like a restarted svidd.
#pragma once

#include <grpcpp/grpcpp.h>

#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "agent/agent_test_pki.h"
#include "svidd/v1/rotation.grpc.pb.h"

namespace svidd::testing {

struct FakeRotationBehaviour {
  bool end_after_issue = false;      // end the stream with OK once it issued a certificate
  bool refuse_certificates = false;  // UNAUTHENTICATED for streams opened with a client cert
  std::chrono::seconds ttl = std::chrono::hours(1);
};

struct StreamOpen {
  std::string token;          // from "authorization: Bearer ...", "" if none
  std::string client_serial;  // of the TLS client certificate, "" if none
  std::chrono::steady_clock::time_point at;
};

class FakeRotationServer final : public v1::RotationService::Service {
 public:
  explicit FakeRotationServer(const AgentTestPki& pki) : pki_(pki) {}
  ~FakeRotationServer() override { Stop(); }

  void Start();  // on the port of the last Start, or a new one the first time
  void Stop();
  int port() const { return port_; }
  void set_behaviour(FakeRotationBehaviour behaviour);

  std::vector<StreamOpen> opens() const;
  // Until `n` streams have been opened, at most `timeout`; false on timeout.
  bool WaitForOpens(size_t n, std::chrono::seconds timeout) const;

  grpc::Status Rotate(
      grpc::ServerContext* context,
      grpc::ServerReaderWriter<v1::RotateResponse, v1::RotateRequest>* stream) override;

 private:
  StreamOpen Identify(const grpc::ServerContext& context) const;
  v1::RotateResponse Issue(const v1::CertificateSigningRequest& csr) const;

  const AgentTestPki& pki_;
  int port_ = 0;
  std::unique_ptr<grpc::Server> server_;
  mutable std::mutex mu_;
  mutable std::condition_variable cv_;
  FakeRotationBehaviour behaviour_;
  std::vector<StreamOpen> opens_;
};

}  // namespace svidd::testing
