// Closed-loop load on istio.v1.auth.IstioCertificateService/CreateCertificate over TLS: N calls
// kept in flight over M channels, each channel its own TCP connection (a local subchannel
// pool per channel), gRPC's callback API so no thread waits per call. Every completed call is
// reported to a LoadWindow; a slot whose window is over issues nothing more.
//
// The same driver can send grpc.health.v1.Health/Check instead (UnaryCall::kHealthCheck), with
// the same connections and the same metadata (the token included) but no CSR: what one unary
// call costs through gRPC and TLS alone, the floor under every certificate.
#pragma once

#include <grpcpp/grpcpp.h>

#include <atomic>
#include <memory>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "bench/bench_inputs.h"
#include "bench/load_window.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "istio/v1/auth/ca.grpc.pb.h"
#include "svidd/common/mutex.h"

namespace svidd::bench {

// What each call is.
enum class UnaryCall {
  kCreateCertificate,  // Istio's CreateCertificate with the input's CSR and token
  kHealthCheck,        // grpc.health.v1.Health/Check with the input's token as metadata
};

struct IstioTarget {
  std::vector<int> ports;  // on 127.0.0.1: one per replica; connection i goes to ports[i % n]
  std::string root_pem;    // trust for svidd's serving certificate
  std::string server_name = "localhost";
};

class IstioUnaryDriver {
 public:
  // `inputs` must outlive the driver; calls cycle through them.
  IstioUnaryDriver(const IstioTarget& target, const std::vector<BenchInput>& inputs,
                   int connections, UnaryCall call = UnaryCall::kCreateCertificate);
  ~IstioUnaryDriver();

  // Starts `concurrency` calls; each slot issues its next call when one completes, until
  // `window` says the run is over.
  void Start(LoadWindow& window, int concurrency);
  // Waits (up to `timeout`) until every slot has stopped. False if some did not.
  bool WaitStopped(std::chrono::seconds timeout);

  class Slot;

 private:
  friend class Slot;
  void SlotStopped();

  const std::vector<BenchInput>& inputs_;
  const UnaryCall call_;
  std::vector<std::shared_ptr<grpc::Channel>> channels_;
  std::vector<std::unique_ptr<istio::v1::auth::IstioCertificateService::Stub>> stubs_;
  std::vector<std::unique_ptr<grpc::health::v1::Health::Stub>> health_stubs_;
  std::vector<std::unique_ptr<Slot>> slots_;
  std::atomic<uint64_t> next_input_{0};
  Mutex mu_;
  CondVar stopped_cv_;
  int running_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace svidd::bench
