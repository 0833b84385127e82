#include "svidd/api/trust_bundle_state.h"

#include "absl/strings/str_cat.h"
#include "nlohmann/json.hpp"
#include "svidd/common/atomic_file.h"
#include "svidd/common/status_macros.h"

namespace svidd::api {

absl::StatusOr<TrustBundleState> ReadTrustBundleState(const std::filesystem::path& file) {
  auto text = ReadFileToString(file);
  if (absl::IsNotFound(text.status())) return TrustBundleState{};
  if (!text.ok()) return text.status();
  auto json = nlohmann::json::parse(*text, nullptr, /*allow_exceptions=*/false);
  if (!json.is_object() || !json.contains("sequence") || !json["sequence"].is_number_unsigned() ||
      !json.contains("digest") || !json["digest"].is_string()) {
    return absl::DataLossError(
        absl::StrCat(file.string(), " is not a trust bundle state file (want {sequence, digest})"));
  }
  return TrustBundleState{json["sequence"].get<uint64_t>(), json["digest"].get<std::string>()};
}

absl::Status WriteTrustBundleState(const std::filesystem::path& file,
                                   const TrustBundleState& state) {
  nlohmann::ordered_json json;
  json["sequence"] = state.sequence;
  json["digest"] = state.digest;
  return WriteFileAtomically(file, json.dump(2) + "\n", 0644);
}

absl::StatusOr<std::optional<uint64_t>> ReadTrustBundleSequence(const std::filesystem::path& file) {
  std::error_code ec;
  if (!std::filesystem::exists(file, ec)) {
    if (ec) return absl::UnavailableError("cannot look at " + file.string() + ": " + ec.message());
    return std::nullopt;
  }
  SVIDD_ASSIGN_OR_RETURN(TrustBundleState state, ReadTrustBundleState(file));
  return state.sequence;
}

}  // namespace svidd::api
