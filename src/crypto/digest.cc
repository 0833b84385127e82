#include "svidd/crypto/digest.h"

#include <openssl/evp.h>

#include "absl/strings/escaping.h"
#include "svidd/common/status_macros.h"
#include "svidd/crypto/ssl_ptr.h"

namespace svidd {

absl::StatusOr<std::string> Sha256(std::string_view data) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int digest_len = 0;
  if (EVP_Digest(data.data(), data.size(), digest, &digest_len, EVP_sha256(), nullptr) != 1) {
    return OpenSslError(absl::StatusCode::kInternal, "SHA-256");
  }
  return std::string(reinterpret_cast<const char*>(digest), digest_len);
}

absl::StatusOr<std::string> Sha256Hex(std::string_view data) {
  SVIDD_ASSIGN_OR_RETURN(std::string digest, Sha256(data));
  return absl::BytesToHexString(digest);
}

}  // namespace svidd
