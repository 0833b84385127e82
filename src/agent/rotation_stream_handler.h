// What the agent does with each message of one Rotate stream (see rotation.proto): a
// TrustBundle replaces the bundle; a RenewalRequested is answered with a CSR for a fresh key;
// a CertificateIssued is checked (our key, our ID, a chain that verifies to the bundle) and
// installed; a RequestRefused is logged. No I/O: the caller reads and writes the stream.
// Not thread-safe; one per stream.
#pragma once

#include <chrono>
#include <deque>
#include <memory>
#include <optional>

#include "absl/status/status.h"
#include "svidd/agent/svid_store.h"
#include "svidd/agent/x509_bundle.h"
#include "svidd/common/clock.h"
#include "svidd/crypto/keys.h"
#include "svidd/spiffe/spiffe_id.h"
#include "svidd/v1/rotation.pb.h"

namespace svidd::agent::internal {

struct SessionConfig {
  spiffe::SpiffeId id;
  crypto::KeyType key_type = crypto::KeyType::kEcP256;
  std::chrono::seconds ttl{0};
  std::string trust_domain;  // when a pushed bundle names none
};

class RotationStreamHandler {
 public:
  RotationStreamHandler(SessionConfig config, SvidStore& store, const Clock& clock)
      : config_(std::move(config)), store_(store), clock_(clock) {}

  // The message to send back, if any. Problems with a message are logged and leave the
  // current state alone; the stream goes on.
  std::optional<v1::RotateRequest> Handle(const v1::RotateResponse& message);

  bool received_bundle() const { return received_bundle_; }
  int certificates_installed() const { return certificates_installed_; }
  // Why the last CertificateIssued was not installed (OK if it was, or none came).
  const absl::Status& last_rejection() const { return last_rejection_; }

 private:
  void OnBundle(const v1::TrustBundle& bundle);
  absl::StatusOr<v1::RotateRequest> OnRenewalRequested(const v1::RenewalRequested& request);
  absl::Status OnIssued(const v1::CertificateIssued& issued);
  void OnRefused(const v1::RequestRefused& refused);
  // The pending key whose public half `leaf` certifies, or end().
  std::deque<crypto::EvpPkeyPtr>::iterator FindKeyFor(const X509* leaf);

  SessionConfig config_;
  SvidStore& store_;
  const Clock& clock_;
  std::deque<crypto::EvpPkeyPtr> pending_keys_;  // keys of CSRs sent, newest last
  bool received_bundle_ = false;
  int certificates_installed_ = 0;
  absl::Status last_rejection_;
};

}  // namespace svidd::agent::internal
