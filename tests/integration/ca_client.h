// A real Istio-style client: TLS to 127.0.0.1:<port> trusting the mesh root and dialing
// "localhost", bearer token and/or client certificate, as istio-agent sends them.
#pragma once

#include <grpcpp/grpcpp.h>

#include <chrono>
#include <memory>
#include <string>

#include "istio/v1/auth/ca.grpc.pb.h"

namespace svidd::testing {

struct ClientIdentity {
  std::string cert_chain_pem;  // leaf first
  std::string key_pem;
};

std::shared_ptr<grpc::Channel> MakeCaChannel(int port, const std::string& root_pem,
                                             const ClientIdentity* client = nullptr);

grpc::Status CallCreateCertificate(const std::shared_ptr<grpc::Channel>& channel,
                                   const std::string& csr_pem, int64_t ttl_seconds,
                                   const std::string& token,
                                   istio::v1::auth::IstioCertificateResponse* response);

// grpc.health.v1.Health/Check for service "": true if SERVING.
bool HealthSaysServing(const std::shared_ptr<grpc::Channel>& channel);

// Waits, polling health every 100 ms, for svidd to stop serving (issuance halted); true once
// it says NOT_SERVING, false if it still serves when `timeout` has passed.
bool WaitUntilNotServing(const std::shared_ptr<grpc::Channel>& channel,
                         std::chrono::milliseconds timeout);

}  // namespace svidd::testing
