#include <openssl/err.h>

#include <string>

#include "absl/strings/str_cat.h"
#include "svidd/crypto/ssl_ptr.h"

namespace svidd::crypto {

absl::Status OpenSslError(absl::StatusCode code, std::string_view what) {
  std::string message(what);
  unsigned long err;
  bool first = true;
  while ((err = ERR_get_error()) != 0) {
    char buf[256];
    ERR_error_string_n(err, buf, sizeof(buf));
    absl::StrAppend(&message, first ? ": " : "; ", buf);
    first = false;
  }
  return absl::Status(code, message);
}

absl::Status OpenSslInternal(std::string_view what) {
  return OpenSslError(absl::StatusCode::kInternal, what);
}

void ClearOpenSslErrors() { ERR_clear_error(); }

}  // namespace svidd::crypto
