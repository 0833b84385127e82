// The trust bundle the agent serves and trusts: the trust domain's roots and the CRLs svidd
// publishes, as svidd last pushed them. Immutable; shared as shared_ptr<const X509Bundle>.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "svidd/crypto/ssl_ptr.h"

namespace svidd::agent {

class X509Bundle {
 public:
  // INVALID_ARGUMENT if `roots_pem` holds no certificate or one that does not parse.
  static absl::StatusOr<std::shared_ptr<const X509Bundle>> Create(std::string trust_domain,
                                                                  uint64_t sequence,
                                                                  std::string_view roots_pem,
                                                                  std::vector<std::string> crls);

  const std::string& trust_domain() const { return trust_domain_; }
  // "spiffe://<trust-domain>": the key of the Workload API's bundle maps.
  std::string trust_domain_id() const { return "spiffe://" + trust_domain_; }
  uint64_t sequence() const { return sequence_; }
  const std::vector<crypto::X509Ptr>& roots() const { return roots_; }
  const std::string& roots_pem() const { return roots_pem_; }     // root-cert.pem
  const std::string& roots_der() const { return roots_der_; }     // DER, concatenated
  const std::vector<std::string>& crls() const { return crls_; }  // DER, one per CRL

  // Same roots and CRLs (the sequence aside): pushing it again changes nothing.
  bool SameContent(const X509Bundle& other) const;

 private:
  X509Bundle() = default;
  std::string trust_domain_;
  uint64_t sequence_ = 0;
  std::vector<crypto::X509Ptr> roots_;
  std::string roots_pem_, roots_der_;
  std::vector<std::string> crls_;
};

}  // namespace svidd::agent
