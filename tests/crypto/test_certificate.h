// A minimal certificate maker for the crypto tests: just enough control over the fields that
// x509_fields and pem read.
#pragma once

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "svidd/crypto/ssl_ptr.h"

namespace svidd::testing {

struct CertSpec {
  std::string serial_der_hex = "0a3f09";  // INTEGER content octets, big-endian two's complement
  std::string common_name = "test";
  std::vector<std::string> uris, dns;
  bool ca = false;
  bool subject_key_id = false;
  std::string not_before = "20240101000000Z";  // GeneralizedTime
  std::string not_after = "20340101000000Z";
  const EVP_PKEY* issuer_key = nullptr;  // null: self-signed with `key`
};

// Signs a certificate for `key` (issuer name = subject name).
absl::StatusOr<crypto::X509Ptr> MakeCertificate(const CertSpec& spec, EVP_PKEY* key);

}  // namespace svidd::testing
