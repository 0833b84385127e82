#include "ledger/page_token.h"

#include "absl/strings/str_cat.h"
#include "nlohmann/json.hpp"
#include "svidd/common/base64url.h"

namespace svidd::ledger::internal {
namespace {

constexpr int kVersion = 1;

absl::Status BadToken(std::string_view why) {
  return absl::InvalidArgumentError(absl::StrCat("page token is not valid: ", std::string(why)));
}

}  // namespace

std::string PageToken::Encode() const {
  nlohmann::ordered_json j;
  j["v"] = kVersion;
  j["sort"] = CertificateSortFieldName(sort);
  j["desc"] = descending;
  if (const int64_t* n = std::get_if<int64_t>(&key)) {
    j["key"] = *n;
  } else {
    j["key"] = std::get<std::string>(key);
  }
  j["serial"] = serial;
  return Base64UrlEncode(j.dump());
}

absl::StatusOr<PageToken> PageToken::Decode(std::string_view text) {
  absl::StatusOr<std::string> raw = Base64UrlDecode(text);
  if (!raw.ok()) return BadToken("not base64url");
  nlohmann::json j = nlohmann::json::parse(*raw, nullptr, /*allow_exceptions=*/false);
  if (!j.is_object() || !j.contains("v") || j["v"] != kVersion) return BadToken("unknown format");
  PageToken token;
  auto sort = j.contains("sort") && j["sort"].is_string()
                  ? ParseCertificateSortField(j["sort"].get<std::string>())
                  : std::nullopt;
  if (!sort.has_value()) return BadToken("no sort field");
  token.sort = *sort;
  if (!j.contains("desc") || !j["desc"].is_boolean()) return BadToken("no direction");
  token.descending = j["desc"].get<bool>();
  if (!j.contains("serial") || !j["serial"].is_string()) return BadToken("no serial");
  token.serial = j["serial"].get<std::string>();
  const bool text_key = token.sort == CertificateSortField::kSpiffeId;
  if (!j.contains("key") || (text_key ? !j["key"].is_string() : !j["key"].is_number_integer())) {
    return BadToken("no sort key");
  }
  if (text_key) {
    token.key = j["key"].get<std::string>();
  } else {
    token.key = j["key"].get<int64_t>();
  }
  return token;
}

}  // namespace svidd::ledger::internal
