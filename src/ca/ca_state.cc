#include "svidd/ca/ca_state.h"

#include "absl/strings/str_cat.h"
#include "nlohmann/json.hpp"
#include "svidd/common/atomic_file.h"
#include "svidd/common/time_format.h"

namespace svidd::ca {
namespace {

using Json = nlohmann::json;

absl::StatusOr<pki::RootPhase> ParsePhase(const std::string& text) {
  for (pki::RootPhase p :
       {pki::RootPhase::kSteady, pki::RootPhase::kPublished, pki::RootPhase::kSwitched}) {
    if (text == RootPhaseName(p)) return p;
  }
  return absl::InvalidArgumentError(absl::StrCat("unknown root_phase \"", text, "\""));
}

absl::StatusOr<CaState> FromJson(const Json& json) {
  CaState state;
  auto phase = ParsePhase(json.value("root_phase", "steady"));
  if (!phase.ok()) return phase.status();
  state.root_phase = *phase;
  state.rotation_requested = json.value("rotation_requested", false);
  state.published_at = FromUnixSeconds(json.value("published_at", int64_t{0}));
  state.old_root_serial = json.value("old_root_serial", "");
  state.old_root_dependents_expire =
      FromUnixSeconds(json.value("old_root_dependents_expire", int64_t{0}));
  for (const Json& r : json.value("retired", Json::array())) {
    state.retired.push_back(
        {r.at("serial").get<std::string>(), FromUnixSeconds(r.at("keep_until").get<int64_t>())});
  }
  return state;
}

}  // namespace

absl::StatusOr<CaState> ReadCaState(const std::filesystem::path& file) {
  auto text = ReadFileToString(file);
  if (absl::IsNotFound(text.status())) return CaState{};
  if (!text.ok()) return text.status();
  Json json = Json::parse(*text, nullptr, /*allow_exceptions=*/false);
  absl::StatusOr<CaState> state = absl::InvalidArgumentError("not a JSON object");
  if (json.is_object()) {
    try {
      state = FromJson(json);
    } catch (const Json::exception& e) {  // a field of the wrong type
      state = absl::InvalidArgumentError(e.what());
    }
  }
  if (!state.ok()) {
    return absl::DataLossError(
        absl::StrCat(file.string(), " cannot be read: ", state.status().message()));
  }
  return state;
}

absl::Status WriteCaState(const std::filesystem::path& file, const CaState& state) {
  nlohmann::ordered_json json;
  json["root_phase"] = RootPhaseName(state.root_phase);
  json["rotation_requested"] = state.rotation_requested;
  json["published_at"] = ToUnixSeconds(state.published_at);
  json["old_root_serial"] = state.old_root_serial;
  json["old_root_dependents_expire"] = ToUnixSeconds(state.old_root_dependents_expire);
  json["retired"] = nlohmann::ordered_json::array();
  for (const RetiredSigner& r : state.retired) {
    json["retired"].push_back(
        {{"serial", r.serial_hex}, {"keep_until", ToUnixSeconds(r.keep_until)}});
  }
  return WriteFileAtomically(file, json.dump(2) + "\n", 0644);
}

}  // namespace svidd::ca
