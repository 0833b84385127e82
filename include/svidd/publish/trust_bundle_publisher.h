// The trust bundle svidd publishes: every root a workload must trust, and the CRLs of the
// issuing CAs, under a sequence number that increases on every change (SPIFFE's
// spiffe_sequence) and survives restarts. The CA manager and the CRL publisher feed it;
// rotation streams (and the Workload API behind svid-agent) hear every change at once.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "svidd/common/mutex.h"

namespace svidd::publish {

struct TrustBundleSnapshot {
  std::string trust_domain;
  uint64_t sequence = 0;
  std::string roots_pem;              // root-cert.pem: every root, concatenated
  std::vector<std::string> crls_der;  // one DER CRL per issuing CA
};

class TrustBundlePublisher {
 public:
  using Listener = std::function<void(std::shared_ptr<const TrustBundleSnapshot>)>;

  // `state_file` keeps the sequence and a digest of what it numbered, so a restart with the
  // same bundle keeps its number and a restart with a changed one moves past it.
  static absl::StatusOr<std::unique_ptr<TrustBundlePublisher>> Create(
      std::string trust_domain, std::filesystem::path state_file);

  // Replaces the roots and/or the CRLs (nullopt: keep). Bumps and persists the sequence
  // and tells the listener when anything changed; a no-op update changes nothing.
  absl::Status Update(std::optional<std::string> roots_pem,
                      std::optional<std::vector<std::string>> crls_der);

  std::shared_ptr<const TrustBundleSnapshot> Current() const;
  // One listener (the rotation hub); called outside the lock, in update order.
  void SetListener(Listener listener);

 private:
  TrustBundlePublisher(std::string trust_domain, std::filesystem::path state_file,
                       uint64_t sequence, std::string digest);

  const std::filesystem::path state_file_;
  mutable Mutex mu_;
  std::shared_ptr<const TrustBundleSnapshot> current_ ABSL_GUARDED_BY(mu_);
  std::string stored_digest_ ABSL_GUARDED_BY(mu_);  // digest the stored sequence numbers
  Listener listener_ ABSL_GUARDED_BY(mu_);
  Mutex notify_mu_;  // keeps notifications in update order
};

}  // namespace svidd::publish
