#include "svidd/crypto/digest.h"

#include <openssl/evp.h>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "svidd/common/status_macros.h"
#include "svidd/crypto/ssl_ptr.h"

namespace svidd::crypto {

absl::StatusOr<std::string> Sha256(std::string_view data) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int digest_len = 0;
  if (EVP_Digest(data.data(), data.size(), digest, &digest_len, EVP_sha256(), nullptr) != 1 ||
      digest_len != kSha256Size) {
    return OpenSslError(absl::StatusCode::kInternal, "SHA-256");
  }
  return std::string(reinterpret_cast<const char*>(digest), digest_len);
}

absl::StatusOr<std::string> Sha256Hex(std::string_view data) {
  SVIDD_ASSIGN_OR_RETURN(std::string digest, Sha256(data));
  return absl::BytesToHexString(digest);
}

absl::StatusOr<std::string> DecodeHex(std::string_view hex) {
  if (hex.size() % 2 != 0) return absl::InvalidArgumentError("hex has an odd number of digits");
  for (char c : hex) {
    if (!absl::ascii_isxdigit(static_cast<unsigned char>(c))) {
      return absl::InvalidArgumentError("hex holds a character that is not a hex digit");
    }
  }
  return absl::HexStringToBytes(absl::string_view(hex.data(), hex.size()));
}

}  // namespace svidd::crypto
