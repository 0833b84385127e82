// The service-account issuer's JWKS fetched over HTTPS (--jwks-url), as in-cluster clients
// read the API server's /openid/v1/jwks: the server is verified against `ca_file` (the pod's
// /var/run/secrets/kubernetes.io/serviceaccount/ca.crt), and the projected token in
// `token_file` goes along as a bearer (re-read for every fetch, since kubelet rotates it).
//   - Refreshed every `refresh_interval`, and at once when a token names a kid the current
//     set lacks; never two fetches within `min_interval`, whatever asks.
//   - A fetch that fails (connection, TLS, status, a body over `max_bytes`, a document that
//     does not parse) is logged with its reason, and the last good key set stays.
// Time comes from the injected clock; fetching happens on the caller's thread.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "svidd/common/clock.h"
#include "svidd/common/mutex.h"

namespace svidd::auth {

class JwksKeySet;  // src/auth/jwks_key_set.h

struct JwksFetcherOptions {
  std::string url;                   // https://HOST[:PORT]/PATH
  std::filesystem::path ca_file;     // "" = the system's trust store
  std::filesystem::path token_file;  // "" = no Authorization header
  std::chrono::seconds refresh_interval = std::chrono::minutes(5);
  std::chrono::seconds min_interval = std::chrono::seconds(10);
  std::chrono::seconds timeout = std::chrono::seconds(5);
  size_t max_bytes = 1 << 20;
};

struct JwksFetchStats {
  int64_t attempts = 0;
  int64_t failures = 0;
};

class JwksFetcher {
 public:
  // Fetches once. INVALID_ARGUMENT for a URL that is not https://HOST[:PORT]/PATH;
  // FAILED_PRECONDITION naming the URL and the reason if that first fetch fails.
  static absl::StatusOr<std::unique_ptr<JwksFetcher>> Create(JwksFetcherOptions options,
                                                             const Clock& clock);
  ~JwksFetcher();

  std::shared_ptr<const JwksKeySet> Current() const;
  // Fetches if refresh_interval has passed since the last attempt.
  void MaybeRefresh();
  // A token named `kid`, which the current set lacks: fetches unless min_interval has not
  // passed since the last attempt. True if a fetch installed a new set.
  bool RefreshForUnknownKid(std::string_view kid);
  // One fetch now, whatever the schedule. On error the key set is unchanged.
  absl::Status FetchNow();
  JwksFetchStats stats() const;

  struct Endpoint;

 private:
  JwksFetcher(JwksFetcherOptions options, std::unique_ptr<Endpoint> endpoint, const Clock& clock);
  bool FetchIfDue(std::chrono::seconds interval, std::string_view why);
  absl::Status Fetch();

  const JwksFetcherOptions options_;
  std::unique_ptr<Endpoint> endpoint_;
  const Clock& clock_;
  Mutex fetch_mu_;  // one fetch at a time
  mutable Mutex mu_;
  std::shared_ptr<const JwksKeySet> keys_ ABSL_GUARDED_BY(mu_);
  TimePoint last_attempt_ ABSL_GUARDED_BY(mu_){};
  JwksFetchStats stats_ ABSL_GUARDED_BY(mu_);
};

}  // namespace svidd::auth
