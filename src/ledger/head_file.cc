#include "svidd/ledger/head_file.h"

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "nlohmann/json.hpp"
#include "svidd/common/atomic_file.h"
#include "svidd/common/status_macros.h"
#include "svidd/common/time_format.h"
#include "svidd/crypto/digest.h"

namespace svidd::ledger {
namespace {

using json = nlohmann::ordered_json;

constexpr char kFormat[] = "svidd-ledger-head-v1";

absl::StatusOr<std::string> StringField(const json& doc, const char* name) {
  auto it = doc.find(name);
  if (it == doc.end() || !it->is_string()) {
    return absl::InvalidArgumentError(absl::StrCat("ledger head: \"", name, "\" is not a string"));
  }
  return it->get<std::string>();
}

}  // namespace

std::string HeadFileJson(const LedgerCheckpoint& c) {
  json doc;
  doc["format"] = kFormat;
  doc["event_seq"] = c.event_seq;
  doc["head_hash"] = c.head_hash;
  doc["signed_at"] = FormatRfc3339(c.signed_at);
  doc["algorithm"] = c.algorithm;
  doc["signature"] = absl::BytesToHexString(c.signature);
  doc["signer_chain_pem"] = c.signer_chain_pem;
  return doc.dump(2) + "\n";
}

absl::StatusOr<LedgerCheckpoint> ParseHeadFile(std::string_view text) {
  json doc = json::parse(text.begin(), text.end(), nullptr, /*allow_exceptions=*/false);
  if (!doc.is_object()) return absl::InvalidArgumentError("ledger head: not a JSON object");
  SVIDD_ASSIGN_OR_RETURN(std::string format, StringField(doc, "format"));
  if (format != kFormat) {
    return absl::InvalidArgumentError(absl::StrCat("ledger head: unknown format \"", format, "\""));
  }
  auto seq = doc.find("event_seq");
  if (seq == doc.end() || !seq->is_number_integer()) {
    return absl::InvalidArgumentError("ledger head: \"event_seq\" is not an integer");
  }
  LedgerCheckpoint c;
  c.event_seq = seq->get<int64_t>();
  SVIDD_ASSIGN_OR_RETURN(c.head_hash, StringField(doc, "head_hash"));
  SVIDD_ASSIGN_OR_RETURN(std::string signed_at, StringField(doc, "signed_at"));
  SVIDD_ASSIGN_OR_RETURN(c.signed_at, ParseRfc3339(signed_at));
  SVIDD_ASSIGN_OR_RETURN(c.algorithm, StringField(doc, "algorithm"));
  SVIDD_ASSIGN_OR_RETURN(std::string signature, StringField(doc, "signature"));
  SVIDD_ASSIGN_OR_RETURN(c.signature, crypto::DecodeHex(signature));
  SVIDD_ASSIGN_OR_RETURN(c.signer_chain_pem, StringField(doc, "signer_chain_pem"));
  return c;
}

absl::StatusOr<std::optional<LedgerCheckpoint>> ReadHeadFile(const std::filesystem::path& path) {
  absl::StatusOr<std::string> text = ReadFileToString(path);
  if (absl::IsNotFound(text.status())) return std::nullopt;
  SVIDD_RETURN_IF_ERROR(text.status());
  absl::StatusOr<LedgerCheckpoint> checkpoint = ParseHeadFile(*text);
  if (!checkpoint.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat(path.string(), ": ", checkpoint.status().message()));
  }
  return checkpoint;
}

}  // namespace svidd::ledger
