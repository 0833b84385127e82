// Shared by the ledger tests: a temporary directory, a record builder, a verification.
#pragma once

#include <filesystem>
#include <memory>
#include <string>

#include "ledger/sqlite_ledger_impl.h"
#include "support/ledger/temp_dir.h"
#include "svidd/common/time_format.h"
#include "svidd/ledger/certificate_record.h"
#include "svidd/ledger/ledger_verification.h"
#include "svidd/ledger/ledger_verifier.h"
#include "svidd/pki/authority.h"

namespace svidd::testing {

// The ledger tests' clock starts here.
inline constexpr int64_t kBaseUnix = 1'750'000'000;  // 2025-06-15T15:06:40Z
inline const TimePoint kBase = FromUnixSeconds(kBaseUnix);

// A plausible workload record issued at `issued_at`, valid for `ttl`.
ledger::CertificateRecord MakeRecord(
    const std::string& serial_hex,
    const std::string& spiffe_id = "spiffe://example.org/ns/default/sa/web",
    TimePoint issued_at = FromUnixSeconds(kBaseUnix),
    std::chrono::seconds ttl = std::chrono::hours(24));

// The SQLite implementation itself (for writer_stats()); fails the test if it cannot open.
std::unique_ptr<ledger::internal::SqliteLedger> OpenTestLedger(
    const std::filesystem::path& path, ledger::SqliteLedgerOptions options = {});
// Six hex digits of `i`: distinct serials for bulk tests.
std::string TestSerial(int i);

// The CA whose root the verifications below trust: sign checkpoints with it.
const pki::Authority& TestLedgerAuthority();

// LedgerVerifier on `db`, with ledger-head.json looked for beside it and
// TestLedgerAuthority()'s root as the trust bundle. Fails the test, and returns an empty
// report, if verification cannot run at all.
ledger::LedgerVerification VerifyLedgerFile(
    const std::filesystem::path& db,
    ledger::VerificationScope scope = ledger::VerificationScope::kFull);
// The same for the PostgreSQL ledger at `uri`, with `dir` standing for a replica's data
// directory (its ledger-head.json, the trust bundle, the scratch space).
ledger::LedgerVerification VerifyLedgerUri(
    const std::string& uri, const std::filesystem::path& dir,
    ledger::VerificationScope scope = ledger::VerificationScope::kFull);

}  // namespace svidd::testing
