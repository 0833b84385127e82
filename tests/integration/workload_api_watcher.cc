#include "integration/workload_api_watcher.h"

#include <gtest/gtest.h>

#include "pki/chain_verifier.h"
#include "spiffe/workload/workload.grpc.pb.h"
#include "support/pki/der_decoding.h"
#include "svidd/crypto/keys.h"
#include "svidd/crypto/x509_fields.h"

namespace svidd::testing {
namespace {

// The serials every DER CRL in `crls` lists.
std::vector<std::string> RevokedSerials(const std::vector<std::string>& crls) {
  std::vector<std::string> serials;
  for (const std::string& der : crls) {
    const auto* p = reinterpret_cast<const unsigned char*>(der.data());
    crypto::X509CrlPtr crl(d2i_X509_CRL(nullptr, &p, static_cast<long>(der.size())));
    if (crl == nullptr) {
      ADD_FAILURE() << "a pushed CRL is not DER";
      continue;
    }
    STACK_OF(X509_REVOKED)* revoked = X509_CRL_get_REVOKED(crl.get());
    for (int i = 0; i < sk_X509_REVOKED_num(revoked); ++i) {
      serials.push_back(
          crypto::SerialHex(X509_REVOKED_get0_serialNumber(sk_X509_REVOKED_value(revoked, i))));
    }
  }
  return serials;
}

}  // namespace

WorkloadApiWatcher::WorkloadApiWatcher(const std::filesystem::path& socket,
                                       std::chrono::seconds timeout) {
  context_.AddMetadata("workload.spiffe.io", "true");
  context_.set_deadline(std::chrono::system_clock::now() + timeout);
  thread_ = std::thread([this, socket, timeout] { Run(socket, timeout); });
}

WorkloadApiWatcher::~WorkloadApiWatcher() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    cancelled_ = true;
  }
  context_.TryCancel();
  thread_.join();
}

void WorkloadApiWatcher::Run(std::filesystem::path socket, std::chrono::seconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!std::filesystem::exists(socket) && std::chrono::steady_clock::now() < deadline) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (cancelled_) break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  auto stub = SpiffeWorkloadAPI::NewStub(
      grpc::CreateChannel("unix:" + socket.string(), grpc::InsecureChannelCredentials()));
  auto stream = stub->FetchX509SVID(&context_, X509SVIDRequest());
  X509SVIDResponse response;
  while (stream->Read(&response)) {
    std::vector<std::string> crls(response.crl().begin(), response.crl().end());
    for (const X509SVID& svid : response.svids()) Record(svid, crls);
  }
  grpc::Status status = stream->Finish();
  std::lock_guard<std::mutex> lock(mu_);
  end_status_ = status;
  ended_ = true;
  cv_.notify_all();
}

void WorkloadApiWatcher::Record(const X509SVID& svid, const std::vector<std::string>& crls) {
  PushedSvid pushed;
  pushed.spiffe_id = svid.spiffe_id();
  pushed.key_der = svid.x509_svid_key();
  pushed.revoked_serials = RevokedSerials(crls);
  std::vector<crypto::X509Ptr> chain = ParseConcatenatedDer(svid.x509_svid());
  std::vector<crypto::X509Ptr> roots = ParseConcatenatedDer(svid.bundle());
  if (!chain.empty()) {
    pushed.serial = crypto::SerialHex(chain[0].get());
    crypto::EvpPkeyPtr key = ParsePrivateKeyDer(pushed.key_der);
    pushed.key_matches = crypto::KeyMatchesCertificate(key.get(), chain[0].get());
    pki::internal::ChainCheck check;
    check.leaf = chain[0].get();
    for (size_t i = 1; i < chain.size(); ++i) check.untrusted.push_back(chain[i].get());
    check.roots = &roots;
    check.at = std::chrono::system_clock::now();
    pushed.chain_verifies =
        pki::internal::VerifyChain(check, absl::StatusCode::kFailedPrecondition, "pushed").ok();
  }
  std::lock_guard<std::mutex> lock(mu_);
  pushed_.push_back(std::move(pushed));
  cv_.notify_all();
}

std::vector<PushedSvid> WorkloadApiWatcher::pushed() const {
  std::lock_guard<std::mutex> lock(mu_);
  return pushed_;
}

bool WorkloadApiWatcher::WaitForCount(size_t n, std::chrono::seconds timeout) const {
  std::unique_lock<std::mutex> lock(mu_);
  return cv_.wait_for(lock, timeout, [&] { return pushed_.size() >= n || ended_; }) &&
         pushed_.size() >= n;
}

grpc::Status WorkloadApiWatcher::end_status() const {
  std::lock_guard<std::mutex> lock(mu_);
  return end_status_;
}

bool WorkloadApiWatcher::ended() const {
  std::lock_guard<std::mutex> lock(mu_);
  return ended_;
}

}  // namespace svidd::testing
