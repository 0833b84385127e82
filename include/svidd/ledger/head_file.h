// ledger-head.json: the latest signed checkpoint, kept outside the database (in the data
// directory) so that truncating the database, checkpoints and all, is still detected.
//   {"format": "svidd-ledger-head-v1", "event_seq": 42, "head_hash": "<hex>",
//    "signed_at": "2025-06-15T15:06:40Z", "algorithm": "ecdsa-with-SHA256",
//    "signature": "<hex>", "signer_chain_pem": "-----BEGIN CERTIFICATE-----\n..."}
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "svidd/ledger/ledger_event.h"

namespace svidd::ledger {

std::string HeadFileJson(const LedgerCheckpoint& checkpoint);

// INVALID_ARGUMENT naming the field that is missing or malformed.
absl::StatusOr<LedgerCheckpoint> ParseHeadFile(std::string_view json);

// The file's checkpoint; nullopt if there is no file. INVALID_ARGUMENT (naming the file) if
// it cannot be parsed; other errors if it cannot be read.
absl::StatusOr<std::optional<LedgerCheckpoint>> ReadHeadFile(const std::filesystem::path& path);

}  // namespace svidd::ledger
