// Hand-built certificates for tests that need layouts svidd itself would never produce
// (a CA without keyCertSign, a leaf posing as a signer, a three-level chain). Built with
// OpenSSL directly, independently of svidd's own certificate code.
#pragma once

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "svidd/common/clock.h"
#include "svidd/crypto/keys.h"
#include "svidd/crypto/ssl_ptr.h"

namespace svidd::testing {

struct TestCertOptions {
  std::string common_name = "test CA";  // "" for an empty subject
  TimePoint not_before;
  TimePoint not_after;
  // OpenSSL config syntax; "" leaves the extension out.
  std::string basic_constraints = "critical,CA:TRUE";
  std::string key_usage = "critical,keyCertSign,cRLSign";
  std::string ext_key_usage;
  std::string subject_alt_name;  // e.g. "critical,URI:spiffe://td/ns/a/sa/b"
  crypto::KeyType key_type = crypto::KeyType::kEcP256;
};

struct TestCert {
  crypto::X509Ptr cert;
  crypto::EvpPkeyPtr key;
};

// A certificate for a fresh key, signed by `issuer` (self-signed when null), with SKI and AKI.
absl::StatusOr<TestCert> MakeTestCert(const TestCertOptions& options,
                                      const TestCert* issuer = nullptr);

// Options for a CA valid from `now` - 1h to `now` + `ttl`.
TestCertOptions CaOptions(const std::string& common_name, TimePoint now,
                          std::chrono::seconds ttl = std::chrono::hours(24 * 30));

}  // namespace svidd::testing
