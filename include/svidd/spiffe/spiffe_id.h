// A SPIFFE ID (spiffe://<trust-domain>/<path>), parsed and validated per the SPIFFE-ID
// standard. Immutable value type.
#pragma once

#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace svidd::spiffe {

class SpiffeId {
 public:
  // INVALID_ARGUMENT with the exact rule that was broken ("trust domain contains '@'", ...).
  static absl::StatusOr<SpiffeId> Parse(std::string_view text);
  // spiffe://<trust_domain>/ns/<ns>/sa/<sa>, each part validated as a path segment.
  static absl::StatusOr<SpiffeId> ForServiceAccount(std::string_view trust_domain,
                                                    std::string_view ns, std::string_view sa);
  // spiffe://<trust_domain> (no path): the ID a signing certificate carries.
  static absl::StatusOr<SpiffeId> ForTrustDomain(std::string_view trust_domain);
  // Checks a trust domain name on its own.
  static absl::Status ValidateTrustDomain(std::string_view trust_domain);

  const std::string& str() const { return text_; }
  const std::string& trust_domain() const { return trust_domain_; }
  const std::string& path() const { return path_; }  // "" or "/ns/a/sa/b"
  bool has_path() const { return !path_.empty(); }

  // For the Istio form /ns/<ns>/sa/<sa>: the namespace and service account; empty otherwise.
  std::string IstioNamespace() const;
  std::string IstioServiceAccount() const;

  friend bool operator==(const SpiffeId& a, const SpiffeId& b) { return a.text_ == b.text_; }
  friend bool operator!=(const SpiffeId& a, const SpiffeId& b) { return !(a == b); }

 private:
  SpiffeId(std::string text, std::string td, std::string path)
      : text_(std::move(text)), trust_domain_(std::move(td)), path_(std::move(path)) {}
  std::string text_;
  std::string trust_domain_;
  std::string path_;
};

}  // namespace svidd::spiffe
