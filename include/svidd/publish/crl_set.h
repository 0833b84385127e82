// One published generation of CRLs: the current CRL of every issuing CA, immutable. Readers
// (HTTP, the Workload API, the rotation stream) hold a shared_ptr to one generation, so a
// refresh never changes what a reader is in the middle of sending.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "svidd/pki/crl_builder.h"

namespace svidd::publish {

class CrlSet {
 public:
  CrlSet() = default;  // nothing published yet: version 0, no CRLs
  CrlSet(uint64_t version, std::vector<std::shared_ptr<const pki::Crl>> crls)
      : version_(version), crls_(std::move(crls)) {}

  // Grows with every change, also across restarts: it is the newest CRL number handed out.
  uint64_t version() const { return version_; }
  // One per issuing CA, in the order the publisher's authority source gave them.
  const std::vector<std::shared_ptr<const pki::Crl>>& crls() const { return crls_; }

  // The CRL of the CA whose certificate has serial `issuer_serial_hex` (SerialHex form);
  // nullptr if none.
  std::shared_ptr<const pki::Crl> ForIssuer(std::string_view issuer_serial_hex) const;
  // Each CRL's DER: the Workload API's `crl` field, TrustBundle.crls on the rotation stream.
  std::vector<std::string> Der() const;
  // Every CRL as PEM, concatenated: the content of ca-crl.pem and GET /ca-crl.pem.
  std::string Pem() const;

 private:
  uint64_t version_ = 0;
  std::vector<std::shared_ptr<const pki::Crl>> crls_;
};

}  // namespace svidd::publish
