// The audit's checks, each a function of its inputs and `now`. Private to src/operator/.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "svidd/operator/audit.h"

namespace svidd::ops::internal {

// "ca-expiry": every CA certificate against the policy's thresholds.
std::vector<AuditFinding> CheckCaLifetimes(const CaSnapshot& ca, TimePoint now,
                                           const AuditPolicy& policy);

// "key-permissions": ca-key.pem and any other private key file (*key.pem, *.key) in `dir`
// must not be readable or writable by group or others.
std::vector<AuditFinding> CheckKeyFiles(const std::filesystem::path& dir);

// "directory-permissions": a directory holding svidd's state must not be writable by group
// or others (they could replace a key or the ledger). Nothing if it is absent.
std::optional<AuditFinding> CheckStateDirectory(const std::filesystem::path& dir);

// "expiring-without-successor" and "stopped-renewing", from each workload identity's current
// certificate (operator-issued credentials are left out: nobody renews them).
absl::StatusOr<std::vector<AuditFinding>> CheckRenewals(const ledger::Ledger& ledger, TimePoint now,
                                                        const AuditPolicy& policy);

// "weak-key": key types other than RSA >= 2048, EC P-256/P-384/P-521 and Ed25519.
absl::StatusOr<std::vector<AuditFinding>> CheckWeakKeys(const ledger::Ledger& ledger, TimePoint now,
                                                        const AuditPolicy& policy);

// Why a ledger key label ("RSA-1024", "EC-secp256k1") is weak; nullopt if it is not.
std::optional<std::string> WeakKeyReason(std::string_view label);

}  // namespace svidd::ops::internal
