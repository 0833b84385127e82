#include "bench/rotation_fleet.h"

#include <deque>

#include "absl/strings/str_cat.h"
#include "svidd/agent/csr_maker.h"
#include "svidd/common/time_format.h"
#include "svidd/crypto/keys.h"
#include "svidd/crypto/pem.h"

namespace svidd::bench {

using svidd::v1::RotateRequest;
using svidd::v1::RotateResponse;

class RotationFleet::Stream final : public grpc::ClientBidiReactor<RotateRequest, RotateResponse> {
 public:
  Stream(RotationFleet& fleet, int index, svidd::v1::RotationService::Stub& stub)
      : fleet_(fleet),
        index_(index),
        id_(spiffe::SpiffeId::ForServiceAccount(fleet.options_.trust_domain, fleet.options_.ns,
                                                absl::StrCat("w", index))
                .value()) {
    std::string token = fleet.options_.token_for ? fleet.options_.token_for(index) : "";
    if (!token.empty()) context_.AddMetadata("authorization", "Bearer " + token);
    stub.async()->Rotate(&context_, this);
    StartRead(&in_);
    StartCall();
  }

  void Cancel() { context_.TryCancel(); }

  void OnReadDone(bool ok) override {
    if (!ok) return;  // the stream is ending; OnDone follows
    if (!heard_) {
      heard_ = true;
      fleet_.registered_++;
      fleet_.OnFirstMessageOrEnd();
    }
    if (in_.has_renewal_requested()) {
      const auto& request = in_.renewal_requested();
      fleet_.Record({FleetEvent::Kind::kRequested, index_, fleet_.clock_.Now(), request.reason()});
      Answer(request.renewal_id());
    } else if (in_.has_issued()) {
      const auto& issued = in_.issued();
      FleetEvent event{FleetEvent::Kind::kIssued, index_, fleet_.clock_.Now()};
      event.not_before = FromUnixSeconds(issued.not_before());
      event.not_after = FromUnixSeconds(issued.not_after());
      event.serial = issued.serial();
      if (!holds_certificate_) {
        holds_certificate_ = true;
        fleet_.first_issued_++;
      }
      fleet_.Record(std::move(event));
    } else if (in_.has_refused()) {
      FleetEvent event{FleetEvent::Kind::kRefused, index_, fleet_.clock_.Now()};
      event.detail = in_.refused().message();
      fleet_.Record(std::move(event));
    }
    StartRead(&in_);
  }

  void OnWriteDone(bool ok) override {
    MutexLock lock(&mu_);
    writing_ = false;
    if (ok) WriteNextLocked();
  }

  void OnDone(const grpc::Status& status) override {
    FleetEvent event{FleetEvent::Kind::kEnded, index_, fleet_.clock_.Now()};
    event.detail = status.error_message();
    fleet_.Record(std::move(event));
    fleet_.ended_++;
    if (!heard_) fleet_.OnFirstMessageOrEnd();
    {
      MutexLock lock(&fleet_.mu_);
      fleet_.streams_.erase(this);
    }
    fleet_.cv_.SignalAll();
    delete this;
  }

 private:
  // A fresh key for every request: keys never leave the workload, and never repeat.
  void Answer(uint64_t renewal_id) {
    auto key = GenerateKey(crypto::KeyType::kEcP256);
    if (!key.ok()) return;
    auto csr = agent::MakeIstioCsr(id_, key->get());
    if (!csr.ok()) return;
    RotateRequest request;
    request.mutable_csr()->set_csr(*csr);
    request.mutable_csr()->set_renewal_id(renewal_id);
    request.mutable_csr()->set_validity_seconds(fleet_.options_.validity_seconds);
    MutexLock lock(&mu_);
    outbox_.push_back(std::move(request));
    WriteNextLocked();
  }

  void WriteNextLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    if (writing_ || outbox_.empty()) return;
    out_ = std::move(outbox_.front());
    outbox_.pop_front();
    writing_ = true;
    StartWrite(&out_);
  }

  RotationFleet& fleet_;
  const int index_;
  const spiffe::SpiffeId id_;
  grpc::ClientContext context_;
  RotateResponse in_;
  // Read from gRPC's reactions only, one at a time.
  bool heard_ = false;
  bool holds_certificate_ = false;
  Mutex mu_;
  bool writing_ ABSL_GUARDED_BY(mu_) = false;
  std::deque<RotateRequest> outbox_ ABSL_GUARDED_BY(mu_);
  RotateRequest out_ ABSL_GUARDED_BY(mu_);
};

RotationFleet::RotationFleet(FleetOptions options, const Clock& clock)
    : options_(std::move(options)), clock_(clock) {
  for (int c = 0; c < std::max(1, options_.channels); ++c) {
    grpc::SslCredentialsOptions ssl;
    ssl.pem_root_certs = options_.root_pem;
    grpc::ChannelArguments args;
    args.SetSslTargetNameOverride(options_.server_name);
    args.SetInt("grpc.use_local_subchannel_pool", 1);  // one connection per channel
    channels_.push_back(
        grpc::CreateCustomChannel(options_.target, grpc::SslCredentials(ssl), args));
    stubs_.push_back(svidd::v1::RotationService::NewStub(channels_.back()));
  }
}

RotationFleet::~RotationFleet() { Stop(); }

void RotationFleet::Start() {
  if (options_.open_window > 0) {
    opener_ = std::thread([this] { OpenWithinWindow(); });
    return;
  }
  MutexLock lock(&mu_);
  for (int i = 0; i < options_.streams; ++i) {
    streams_.insert(new Stream(*this, i, *stubs_[i % stubs_.size()]));
  }
}

void RotationFleet::OpenWithinWindow() {
  for (int i = 0; i < options_.streams; ++i) {
    MutexLock lock(&mu_);
    cv_.Wait(&mu_, [&] {
      mu_.AssertHeld();
      return stopped_ || opening_ < options_.open_window;
    });
    if (stopped_) return;
    ++opening_;
    streams_.insert(new Stream(*this, i, *stubs_[i % stubs_.size()]));
  }
}

void RotationFleet::OnFirstMessageOrEnd() {
  {
    MutexLock lock(&mu_);
    if (options_.open_window <= 0) return;
    --opening_;
  }
  cv_.SignalAll();
}

bool RotationFleet::WaitForIssued(size_t count, std::chrono::milliseconds timeout) {
  MutexLock lock(&mu_);
  return cv_.WaitFor(&mu_, timeout, [&] { return issued_.load() >= count; });
}

void RotationFleet::Stop() {
  {
    MutexLock lock(&mu_);
    if (stopped_) return;
    stopped_ = true;
  }
  cv_.SignalAll();
  if (opener_.joinable()) opener_.join();
  MutexLock lock(&mu_);
  for (Stream* stream : streams_) stream->Cancel();
  // Bounded: a stream that does not end within a minute is left to gRPC's own teardown.
  cv_.WaitFor(&mu_, std::chrono::seconds(60), [&] {
    mu_.AssertHeld();
    return streams_.empty();
  });
}

std::vector<FleetEvent> RotationFleet::Events() const {
  MutexLock lock(&mu_);
  return events_;
}

void RotationFleet::Record(FleetEvent event) {
  {
    MutexLock lock(&mu_);
    if (event.kind == FleetEvent::Kind::kIssued) issued_++;
    events_.push_back(std::move(event));
  }
  cv_.SignalAll();
}

}  // namespace svidd::bench
