#include "svidd/pki/leaf_profile.h"

#include <openssl/crypto.h>
#include <openssl/rand.h>

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "svidd/common/time_format.h"
#include "svidd/crypto/ssl_ptr.h"

namespace svidd::pki {
namespace {

constexpr size_t kSerialBytes = 16;

std::chrono::seconds EffectiveTtl(std::chrono::seconds requested, const TtlPolicy& policy) {
  const std::chrono::seconds ttl = requested.count() <= 0 ? policy.default_ttl : requested;
  return std::min(ttl, policy.max_ttl);
}

}  // namespace

absl::StatusOr<LeafProfile> BuildLeafProfile(const spiffe::SpiffeId& id,
                                             std::chrono::seconds requested_ttl,
                                             const TtlPolicy& policy, TimePoint now,
                                             TimePoint signer_not_after,
                                             std::vector<std::string> dns_names) {
  if (!id.has_path()) {
    return absl::InvalidArgumentError(absl::StrCat("leaf identity ", id.str(),
                                                   " has no path; only signing CAs may carry a "
                                                   "trust domain's bare ID"));
  }
  if (now >= signer_not_after) {
    return absl::FailedPreconditionError(absl::StrCat(
        "signing certificate expired at ", FormatRfc3339(signer_not_after), "; refusing to sign"));
  }
  const std::chrono::seconds ttl = EffectiveTtl(requested_ttl, policy);
  if (ttl.count() <= 0) {
    return absl::InvalidArgumentError("TTL policy yields no lifetime (default or max <= 0)");
  }
  LeafProfile profile{id, std::move(dns_names), {}, {}, {}};
  profile.not_before = WholeSeconds(now - policy.backdate);
  profile.not_after = WholeSeconds(std::min(now + ttl, signer_not_after));
  auto serial = RandomSerial();
  if (!serial.ok()) return serial.status();
  profile.serial = *std::move(serial);
  return profile;
}

absl::StatusOr<std::string> RandomSerial() {
  // Drawn from a per-thread buffer refilled from the CSPRNG: RAND_bytes per call takes the
  // DRBG's lock on every certificate.
  constexpr size_t kBufferBytes = 64 * kSerialBytes;
  thread_local unsigned char buffer[kBufferBytes];
  thread_local size_t used = kBufferBytes;
  std::string serial(kSerialBytes, '\0');
  // The chance of 127 zero bits is negligible, but a zero serial is invalid: draw again.
  for (;;) {
    if (used == kBufferBytes) {
      if (RAND_bytes(buffer, static_cast<int>(kBufferBytes)) != 1) {
        return crypto::OpenSslError(absl::StatusCode::kInternal, "random serial number");
      }
      used = 0;
    }
    std::copy_n(buffer + used, kSerialBytes, serial.begin());
    OPENSSL_cleanse(buffer + used, kSerialBytes);  // never hand out the same bytes twice
    used += kSerialBytes;
    serial[0] = static_cast<char>(serial[0] & 0x7f);  // positive, at most 16 bytes in DER
    if (std::any_of(serial.begin(), serial.end(), [](char c) { return c != '\0'; })) {
      return serial;
    }
  }
}

}  // namespace svidd::pki
