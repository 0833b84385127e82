#include "svidd/auth/jwks_fetcher.h"

#include <httplib.h>

#include <fstream>
#include <sstream>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "auth/jwks_key_set.h"
#include "spdlog/spdlog.h"

namespace svidd::auth {

struct JwksFetcher::Endpoint {
  std::string host;
  int port = 443;
  std::string path;
};

namespace {

absl::StatusOr<JwksFetcher::Endpoint> ParseHttpsUrl(const std::string& url) {
  absl::string_view rest = url;
  if (!absl::ConsumePrefix(&rest, "https://")) {
    return absl::InvalidArgumentError("--jwks-url must be an https:// URL, got \"" + url + "\"");
  }
  JwksFetcher::Endpoint out;
  const size_t slash = rest.find('/');
  absl::string_view authority = rest.substr(0, slash);
  out.path = slash == absl::string_view::npos ? "/" : std::string(rest.substr(slash));
  const size_t colon = authority.rfind(':');
  const bool bracketed = !authority.empty() && authority.front() == '[';
  if (colon != absl::string_view::npos && (!bracketed || authority[colon - 1] == ']')) {
    if (!absl::SimpleAtoi(authority.substr(colon + 1), &out.port) || out.port <= 0 ||
        out.port > 65535) {
      return absl::InvalidArgumentError("--jwks-url has a bad port: \"" + url + "\"");
    }
    authority = authority.substr(0, colon);
  }
  if (bracketed && authority.size() > 2 && authority.back() == ']') {
    authority = authority.substr(1, authority.size() - 2);
  }
  if (authority.empty()) return absl::InvalidArgumentError("--jwks-url names no host: " + url);
  out.host = std::string(authority);
  return out;
}

absl::StatusOr<std::string> ReadToken(const std::filesystem::path& path) {
  std::ifstream in(path);
  if (!in) return absl::FailedPreconditionError("cannot read token file " + path.string());
  std::stringstream text;
  text << in.rdbuf();
  std::string token(absl::StripAsciiWhitespace(text.str()));
  if (token.empty())
    return absl::FailedPreconditionError("token file " + path.string() + " is empty");
  return token;
}

// GET over TLS, verifying the server against `ca_file` and its name; the body, at most
// `max_bytes` of it.
absl::StatusOr<std::string> Get(const JwksFetcher::Endpoint& endpoint,
                                const JwksFetcherOptions& options) {
  httplib::SSLClient client(endpoint.host, endpoint.port);
  client.enable_server_certificate_verification(true);
  if (!options.ca_file.empty()) client.set_ca_cert_path(options.ca_file.c_str());
  client.set_connection_timeout(options.timeout);
  client.set_read_timeout(options.timeout);
  client.set_write_timeout(options.timeout);
  client.set_follow_location(false);
  httplib::Headers headers = {{"Accept", "application/json"}};
  if (!options.token_file.empty()) {
    absl::StatusOr<std::string> token = ReadToken(options.token_file);
    if (!token.ok()) return token.status();
    headers.emplace("Authorization", "Bearer " + *token);
  }
  std::string body;
  bool too_big = false;
  httplib::Result res = client.Get(endpoint.path, headers, [&](const char* data, size_t n) {
    if (body.size() + n > options.max_bytes) {
      too_big = true;
      return false;
    }
    body.append(data, n);
    return true;
  });
  if (too_big) {
    return absl::ResourceExhaustedError(
        absl::StrCat("the response is larger than ", options.max_bytes, " bytes"));
  }
  if (!res) {
    std::string why = httplib::to_string(res.error());
    if (res.error() == httplib::Error::SSLServerVerification) {
      why += absl::StrCat(" (", X509_verify_cert_error_string(client.get_openssl_verify_result()),
                          ")");
    }
    return absl::UnavailableError("request failed: " + why);
  }
  if (res->status != 200) {
    return absl::UnavailableError(absl::StrCat("HTTP status ", res->status));
  }
  return body;
}

}  // namespace

JwksFetcher::JwksFetcher(JwksFetcherOptions options, std::unique_ptr<Endpoint> endpoint,
                         const Clock& clock)
    : options_(std::move(options)), endpoint_(std::move(endpoint)), clock_(clock) {}

JwksFetcher::~JwksFetcher() = default;

absl::StatusOr<std::unique_ptr<JwksFetcher>> JwksFetcher::Create(JwksFetcherOptions options,
                                                                 const Clock& clock) {
  absl::StatusOr<Endpoint> endpoint = ParseHttpsUrl(options.url);
  if (!endpoint.ok()) return endpoint.status();
  std::unique_ptr<JwksFetcher> fetcher(
      new JwksFetcher(std::move(options), std::make_unique<Endpoint>(*std::move(endpoint)), clock));
  if (absl::Status s = fetcher->FetchNow(); !s.ok()) {
    return absl::FailedPreconditionError(
        absl::StrCat("JWKS from ", fetcher->options_.url, ": ", s.message()));
  }
  return fetcher;
}

std::shared_ptr<const JwksKeySet> JwksFetcher::Current() const {
  MutexLock lock(&mu_);
  return keys_;
}

absl::Status JwksFetcher::FetchNow() {
  {
    MutexLock lock(&mu_);
    last_attempt_ = clock_.Now();
  }
  return Fetch();
}

absl::Status JwksFetcher::Fetch() {
  MutexLock fetching(&fetch_mu_);
  {
    MutexLock lock(&mu_);
    ++stats_.attempts;
  }
  absl::StatusOr<std::shared_ptr<const JwksKeySet>> keys;
  absl::StatusOr<std::string> body = Get(*endpoint_, options_);
  keys = body.ok() ? JwksKeySet::ParseText(*body) : body.status();
  MutexLock lock(&mu_);
  if (!keys.ok()) {
    ++stats_.failures;
    if (keys_ != nullptr) {
      spdlog::warn("JWKS from {}: {}; keeping the previous {} key(s)", options_.url,
                   std::string(keys.status().message()), keys_->keys().size());
    }
    return keys.status();
  }
  keys_ = *std::move(keys);
  spdlog::info("fetched {} JWKS key(s) from {} ({} skipped)", keys_->keys().size(), options_.url,
               keys_->skipped());
  return absl::OkStatus();
}

bool JwksFetcher::FetchIfDue(std::chrono::seconds interval, std::string_view why) {
  {
    MutexLock lock(&mu_);
    const TimePoint now = clock_.Now();
    if (now >= last_attempt_ && now - last_attempt_ < interval) return false;
    last_attempt_ = now;  // claimed: a concurrent caller finds it not due
  }
  spdlog::debug("fetching the JWKS from {}: {}", options_.url, why);
  return Fetch().ok();
}

void JwksFetcher::MaybeRefresh() { FetchIfDue(options_.refresh_interval, "refresh"); }

bool JwksFetcher::RefreshForUnknownKid(std::string_view kid) {
  return FetchIfDue(options_.min_interval,
                    absl::StrCat("a token names unknown kid ", std::string(kid)));
}

JwksFetchStats JwksFetcher::stats() const {
  MutexLock lock(&mu_);
  return stats_;
}

}  // namespace svidd::auth
