// PostgreSQL implementation of the Ledger, for several svidd replicas on one database:
// migrations from migrations/postgres/ (embedded) applied under an advisory lock at open,
// group commit on one writer connection per replica, reads on a small pool, one hash chain
// that the database orders (docs/ledger-integrity.md). A lost server makes calls fail with
// UNAVAILABLE; connections are re-established on the next call.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "svidd/ledger/ledger.h"

namespace svidd::ledger {

struct PostgresLedgerOptions {
  // Never migrates and never writes (svidctl's look-ups).
  bool read_only = false;
  // Most records committed in one transaction.
  size_t max_batch = 256;
  int reader_connections = 3;
};

// `uri` is a libpq connection URI (postgresql://user:pass@host:port/db?sslmode=...) or
// key=value string. UNAVAILABLE with libpq's message if the server cannot be reached or refuses
// the login; FAILED_PRECONDITION if the schema is newer than this binary. Every message names
// the ledger by RedactLedgerUri(uri).
absl::StatusOr<std::unique_ptr<Ledger>> OpenPostgresLedger(
    const std::string& uri, const PostgresLedgerOptions& options = {});

// True for postgresql:// and postgres:// URIs.
bool IsPostgresUri(std::string_view ledger);

// `uri` with any password replaced by "***" (user:PASS@ in the URI, password=... as a URI
// query parameter or key=value pair), safe for logs and error messages.
std::string RedactLedgerUri(std::string_view uri);
// libpq's `message` about `uri` with every quoted value that is part of the URI's password
// hidden: libpq quotes what it chokes on, which for a password holding an unencoded '/' is a
// piece of it (u:pa/ss@h parses as host "u", port "pa").
std::string RedactLibpqMessage(std::string message, std::string_view uri);

// INVALID_ARGUMENT unless `uri` is a postgresql:// or postgres:// URI that libpq can parse
// (libpq's reason in the message; never the password). Does not connect.
absl::Status ValidatePostgresUri(const std::string& uri);

// Highest PostgreSQL migration version compiled into this binary.
int LatestPostgresSchemaVersion();

}  // namespace svidd::ledger
