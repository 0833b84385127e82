#include "bench/istio_unary_driver.h"

#include "svidd/api/grpc_status.h"

namespace svidd::bench {

using istio::v1::auth::IstioCertificateRequest;
using istio::v1::auth::IstioCertificateResponse;

// One call in flight at a time; the next starts from the completion callback.
class IstioUnaryDriver::Slot {
 public:
  Slot(IstioUnaryDriver& driver, int channel, LoadWindow& window)
      : driver_(driver), channel_(channel), window_(window) {}

  void Issue() {
    const BenchInput& input =
        driver_.inputs_[driver_.next_input_.fetch_add(1) % driver_.inputs_.size()];
    context_ = std::make_unique<grpc::ClientContext>();
    context_->set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
    context_->AddMetadata("authorization", "Bearer " + input.token);
    context_->AddMetadata("clusterid", "Kubernetes");
    started_ = LoadWindow::Clock::now();
    if (driver_.call_ == UnaryCall::kHealthCheck) {
      health_response_.Clear();
      driver_.health_stubs_[channel_]->async()->Check(
          context_.get(), &health_request_, &health_response_,
          [this](grpc::Status status) { Done(status, ""); });
      return;
    }
    request_.set_csr(input.csr_pem);
    request_.set_validity_duration(0);
    response_.Clear();
    driver_.stubs_[channel_]->async()->CreateCertificate(
        context_.get(), &request_, &response_, [this](grpc::Status status) {
          // OK without a certificate would be a server bug.
          Done(status, response_.cert_chain_size() < 2 ? "EMPTY_CHAIN" : "");
        });
  }

 private:
  void Done(const grpc::Status& status, const std::string& error_if_ok) {
    const std::string error =
        status.ok() ? error_if_ok : api::GrpcStatusCodeName(status.error_code());
    if (window_.Complete(started_, error)) {
      Issue();
    } else {
      driver_.SlotStopped();
    }
  }

  IstioUnaryDriver& driver_;
  const int channel_;
  LoadWindow& window_;
  std::unique_ptr<grpc::ClientContext> context_;
  IstioCertificateRequest request_;
  IstioCertificateResponse response_;
  grpc::health::v1::HealthCheckRequest health_request_;
  grpc::health::v1::HealthCheckResponse health_response_;
  LoadWindow::Clock::time_point started_;
};

IstioUnaryDriver::IstioUnaryDriver(const IstioTarget& target, const std::vector<BenchInput>& inputs,
                                   int connections, UnaryCall call)
    : inputs_(inputs), call_(call) {
  grpc::SslCredentialsOptions ssl;
  ssl.pem_root_certs = target.root_pem;
  auto credentials = grpc::SslCredentials(ssl);
  for (int i = 0; i < connections; ++i) {
    grpc::ChannelArguments args;
    args.SetSslTargetNameOverride(target.server_name);
    // Without a local pool, channels with equal arguments share one subchannel, i.e. one
    // TCP connection; the distinct "bench.channel" value keeps them apart as well.
    args.SetInt("grpc.use_local_subchannel_pool", 1);
    args.SetInt("bench.channel", i);
    args.SetMaxReceiveMessageSize(1 << 20);
    const int port = target.ports[i % target.ports.size()];
    channels_.push_back(
        grpc::CreateCustomChannel("127.0.0.1:" + std::to_string(port), credentials, args));
    stubs_.push_back(istio::v1::auth::IstioCertificateService::NewStub(channels_.back()));
    health_stubs_.push_back(grpc::health::v1::Health::NewStub(channels_.back()));
  }
  for (auto& channel : channels_)
    channel->WaitForConnected(std::chrono::system_clock::now() + std::chrono::seconds(10));
}

IstioUnaryDriver::~IstioUnaryDriver() { WaitStopped(std::chrono::seconds(60)); }

void IstioUnaryDriver::Start(LoadWindow& window, int concurrency) {
  {
    MutexLock lock(&mu_);
    running_ += concurrency;
  }
  std::vector<Slot*> started;
  for (int i = 0; i < concurrency; ++i) {
    slots_.push_back(std::make_unique<Slot>(*this, i % static_cast<int>(stubs_.size()), window));
    started.push_back(slots_.back().get());
  }
  for (Slot* slot : started) slot->Issue();
}

void IstioUnaryDriver::SlotStopped() {
  MutexLock lock(&mu_);
  if (--running_ == 0) stopped_cv_.SignalAll();
}

bool IstioUnaryDriver::WaitStopped(std::chrono::seconds timeout) {
  MutexLock lock(&mu_);
  return stopped_cv_.WaitFor(&mu_, timeout, [&] {
    mu_.AssertHeld();
    return running_ == 0;
  });
}

}  // namespace svidd::bench
