#include "bench/istio_unary_driver.h"

#include "svidd/api/grpc_status.h"

namespace svidd::bench {

using istio::v1::auth::IstioCertificateRequest;
using istio::v1::auth::IstioCertificateResponse;

// One call in flight at a time; the next starts from the completion callback.
class IstioUnaryDriver::Slot {
 public:
  Slot(IstioUnaryDriver& driver, istio::v1::auth::IstioCertificateService::Stub& stub,
       LoadWindow& window)
      : driver_(driver), stub_(stub), window_(window) {}

  void Issue() {
    const BenchInput& input =
        driver_.inputs_[driver_.next_input_.fetch_add(1) % driver_.inputs_.size()];
    context_ = std::make_unique<grpc::ClientContext>();
    context_->set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
    context_->AddMetadata("authorization", "Bearer " + input.token);
    context_->AddMetadata("clusterid", "Kubernetes");
    request_.set_csr(input.csr_pem);
    request_.set_validity_duration(0);
    response_.Clear();
    started_ = LoadWindow::Clock::now();
    stub_.async()->CreateCertificate(context_.get(), &request_, &response_,
                                     [this](grpc::Status status) { Done(status); });
  }

 private:
  void Done(const grpc::Status& status) {
    std::string error;
    if (!status.ok()) {
      error = api::GrpcStatusCodeName(status.error_code());
    } else if (response_.cert_chain_size() < 2) {
      error = "EMPTY_CHAIN";  // OK without a certificate would be a server bug
    }
    if (window_.Complete(started_, error)) {
      Issue();
    } else {
      driver_.SlotStopped();
    }
  }

  IstioUnaryDriver& driver_;
  istio::v1::auth::IstioCertificateService::Stub& stub_;
  LoadWindow& window_;
  std::unique_ptr<grpc::ClientContext> context_;
  IstioCertificateRequest request_;
  IstioCertificateResponse response_;
  LoadWindow::Clock::time_point started_;
};

IstioUnaryDriver::IstioUnaryDriver(const IstioTarget& target, const std::vector<BenchInput>& inputs,
                                   int connections)
    : inputs_(inputs) {
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
    slots_.push_back(std::make_unique<Slot>(*this, *stubs_[i % stubs_.size()], window));
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
