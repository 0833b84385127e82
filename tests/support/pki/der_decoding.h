// Decoding the DER the SPIFFE Workload API carries: concatenated certificates (x509_svid,
// bundle) and a PKCS#8 private key (x509_svid_key).
#pragma once

#include <string>
#include <vector>

#include "svidd/crypto/ssl_ptr.h"

namespace svidd::testing {

// Every certificate in `der`, in order; stops (with a test failure) at bytes that do not
// decode.
std::vector<crypto::X509Ptr> ParseConcatenatedDer(const std::string& der);

// Null (with a test failure) if `der` is not a private key.
crypto::EvpPkeyPtr ParsePrivateKeyDer(const std::string& der);

}  // namespace svidd::testing
