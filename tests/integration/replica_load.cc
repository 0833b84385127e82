#include "integration/replica_load.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "integration/ca_client.h"
#include "integration/test_env.h"
#include "support/pki/csr_builder.h"
#include "svidd/api/grpc_status.h"
#include "svidd/crypto/pem.h"
#include "svidd/crypto/x509_fields.h"

namespace svidd::testing {
namespace {

constexpr char kLoadId[] = "spiffe://cluster.local/ns/foo/sa/bar";

}  // namespace

std::string ReplicaLoad::Outcome::Summary() const {
  std::string out = absl::StrCat(serials.size(), " received (", absl::StrJoin(ok_by_replica, "/"),
                                 " by replica), refused:");
  for (const auto& [code, n] : refused)
    absl::StrAppend(&out, " ", api::GrpcStatusCodeName(code), " x", n);
  if (refused.empty()) absl::StrAppend(&out, " none");
  return out;
}

int ReplicaPorts::Get(int replica) const {
  MutexLock lock(&mu_);
  return ports_.at(replica);
}

void ReplicaPorts::Set(int replica, int port) {
  MutexLock lock(&mu_);
  ports_.at(replica) = port;
}

ReplicaLoad::ReplicaLoad(const ReplicaPorts& ports, std::string root_pem, std::string token,
                         Limits limits)
    : ports_(ports),
      root_pem_(std::move(root_pem)),
      token_(std::move(token)),
      limits_(limits),
      deadline_(std::chrono::steady_clock::now() + limits.max_time) {
  {
    MutexLock lock(&mu_);
    outcome_.ok_by_replica.assign(ports.size(), 0);
    threads_running_ = limits.threads;
  }
  for (int t = 0; t < limits.threads; ++t) threads_.emplace_back([this, t] { Work(t); });
}

ReplicaLoad::~ReplicaLoad() { Stop(); }

ReplicaLoad::Outcome ReplicaLoad::Stop() {
  {
    MutexLock lock(&mu_);
    stopping_ = true;
  }
  for (std::thread& t : threads_) {
    if (t.joinable()) t.join();
  }
  MutexLock lock(&mu_);
  return outcome_;
}

// One client: a channel per replica, made again when the replica's port changes (restarted).
void ReplicaLoad::Work(int thread) {
  std::vector<std::shared_ptr<grpc::Channel>> channels(ports_.size());
  std::vector<int> channel_ports(ports_.size(), 0);
  for (int n = thread;; ++n) {
    const int replica = n % ports_.size();
    const int port = ports_.Get(replica);
    {
      MutexLock lock(&mu_);
      if (stopping_ || calls_ >= limits_.max_calls ||
          std::chrono::steady_clock::now() >= deadline_) {
        --threads_running_;
        changed_.SignalAll();
        return;
      }
      // Down: the Service sends nothing there, and the call budget is not spent on it (a
      // fast machine used to spend it all skipping a killed replica).
      if (port != 0) ++calls_;
    }
    std::this_thread::sleep_for(limits_.pause);
    if (port == 0) continue;
    if (channel_ports[replica] != port) {
      channels[replica] = MakeCaChannel(port, root_pem_);
      channel_ports[replica] = port;
    }
    TestCsr csr = BuildIstioCsr(kLoadId).value();
    istio::v1::auth::IstioCertificateResponse response;
    const grpc::Status status =
        CallCreateCertificate(channels[replica], csr.pem, 0, token_, &response);
    std::string serial;
    if (status.ok())
      serial =
          crypto::SerialHex(crypto::ParseCertificatePem(ChainOf(response).at(0)).value().get());
    // Refused (a replica or the database down): back off a little, as istio-agent does, so the
    // call budget is not spent in a burst of fast refusals.
    if (!status.ok()) std::this_thread::sleep_for(std::chrono::milliseconds(50));
    MutexLock lock(&mu_);
    if (status.ok()) {
      outcome_.serials.push_back(std::move(serial));
      ++outcome_.ok_by_replica[replica];
    } else {
      ++outcome_.refused[status.error_code()];
    }
    changed_.SignalAll();
  }
}

size_t ReplicaLoad::ReceivedLocked(int replica) const {
  return replica < 0 ? outcome_.serials.size() : outcome_.ok_by_replica.at(replica);
}

bool ReplicaLoad::WaitFor(int replica, size_t n, std::chrono::seconds timeout) {
  MutexLock lock(&mu_);
  const size_t target = ReceivedLocked(replica) + n;
  changed_.WaitFor(&mu_, timeout, [&]() ABSL_NO_THREAD_SAFETY_ANALYSIS {
    return ReceivedLocked(replica) >= target || threads_running_ == 0;
  });
  return ReceivedLocked(replica) >= target;
}

}  // namespace svidd::testing
