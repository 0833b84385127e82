#include "support/pki/der_decoding.h"

#include <gtest/gtest.h>

namespace svidd::testing {

std::vector<crypto::X509Ptr> ParseConcatenatedDer(const std::string& der) {
  std::vector<crypto::X509Ptr> certs;
  const auto* p = reinterpret_cast<const unsigned char*>(der.data());
  const auto* end = p + der.size();
  while (p < end) {
    crypto::X509Ptr cert(d2i_X509(nullptr, &p, end - p));
    if (cert == nullptr) {
      crypto::ClearOpenSslErrors();
      ADD_FAILURE() << "bytes that are not a DER certificate";
      break;
    }
    certs.push_back(std::move(cert));
  }
  return certs;
}

crypto::EvpPkeyPtr ParsePrivateKeyDer(const std::string& der) {
  const auto* p = reinterpret_cast<const unsigned char*>(der.data());
  crypto::EvpPkeyPtr key(d2i_AutoPrivateKey(nullptr, &p, static_cast<long>(der.size())));
  if (key == nullptr) {
    crypto::ClearOpenSslErrors();
    ADD_FAILURE() << "not a DER private key";
  }
  return key;
}

}  // namespace svidd::testing
