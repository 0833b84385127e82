#include "svidd/ledger/postgres_ledger.h"

#include <libpq-fe.h>

#include <regex>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "ledger/pg_migrations.h"
#include "ledger/postgres_ledger_impl.h"
#include "svidd/common/status_macros.h"

namespace svidd {
namespace internal {
namespace {

absl::Status WithLedgerName(const std::string& name, const absl::Status& status) {
  return absl::Status(status.code(), absl::StrCat("ledger ", name, ": ", status.message()));
}

}  // namespace

absl::StatusOr<std::unique_ptr<PostgresLedger>> PostgresLedger::Open(
    const std::string& uri, const PostgresLedgerOptions& options) {
  const std::string name = RedactLedgerUri(uri);
  absl::StatusOr<std::unique_ptr<PgConnection>> first =
      PgConnection::Connect(uri, options.read_only);
  if (!first.ok()) return WithLedgerName(name, first.status());
  absl::Status prepared = options.read_only
                              ? CheckPostgresSchemaIsCurrent(**first, LatestPostgresSchemaVersion())
                              : ApplyPostgresMigrations(**first, EmbeddedPostgresMigrations(),
                                                        SystemClock::Instance().Now());
  if (!prepared.ok()) return WithLedgerName(name, prepared);

  std::vector<std::unique_ptr<PgConnection>> readers;
  std::unique_ptr<PgGroupCommitWriter> writer;
  if (options.read_only) {
    readers.push_back(std::move(*first));
  } else {
    writer = std::make_unique<PgGroupCommitWriter>(std::move(*first), options.max_batch);
  }
  while (readers.size() < static_cast<size_t>(std::max(1, options.reader_connections))) {
    absl::StatusOr<std::unique_ptr<PgConnection>> c = PgConnection::Connect(uri, options.read_only);
    if (!c.ok()) return WithLedgerName(name, c.status());
    readers.push_back(std::move(*c));
  }
  return std::unique_ptr<PostgresLedger>(new PostgresLedger(
      name, std::make_unique<PgConnectionPool>(std::move(readers)), std::move(writer)));
}

PostgresLedger::~PostgresLedger() { writer_.reset(); }

absl::Status PostgresLedger::Named(const absl::Status& status) const {
  return WithLedgerName(name_, status);
}

}  // namespace internal

bool IsPostgresUri(std::string_view ledger) {
  return ledger.starts_with("postgresql://") || ledger.starts_with("postgres://");
}

std::string RedactLedgerUri(std::string_view uri) {
  std::string out(uri);
  const size_t scheme = out.find("://");
  if (scheme != std::string::npos) {
    const size_t start = scheme + 3;
    const size_t end = out.find_first_of("/?", start);
    const size_t at = out.rfind('@', end == std::string::npos ? out.size() : end);
    if (at != std::string::npos && at >= start) {
      const size_t colon = out.find(':', start);
      if (colon != std::string::npos && colon < at) out.replace(colon + 1, at - colon - 1, "***");
    }
  }
  // password=... as a URI query parameter or a key=value pair (quoted or not).
  static const std::regex kPassword(R"((password\s*=\s*)('(\\.|[^'])*'|[^&\s]*))",
                                    std::regex::icase);
  return std::regex_replace(out, kPassword, "$1***");
}

absl::Status ValidatePostgresUri(const std::string& uri) {
  if (!IsPostgresUri(uri)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "\"", RedactLedgerUri(uri),
        "\" is not a PostgreSQL URI (postgresql://USER:PASS@HOST:PORT/DB?sslmode=...); without "
        "--ledger svidd keeps its SQLite ledger in --data-dir"));
  }
  char* error = nullptr;
  PQconninfoOption* parsed = PQconninfoParse(uri.c_str(), &error);
  if (parsed == nullptr) {
    std::string why = error != nullptr ? error : "out of memory";
    PQfreemem(error);
    while (!why.empty() && (why.back() == '\n' || why.back() == ' ')) why.pop_back();
    return absl::InvalidArgumentError(absl::StrCat(RedactLedgerUri(uri), ": ", why));
  }
  PQconninfoFree(parsed);
  return absl::OkStatus();
}

int LatestPostgresSchemaVersion() {
  std::vector<internal::Migration> migrations = internal::EmbeddedPostgresMigrations();
  return migrations.empty() ? 0 : migrations.back().version;
}

absl::StatusOr<std::unique_ptr<Ledger>> OpenPostgresLedger(const std::string& uri,
                                                           const PostgresLedgerOptions& options) {
  SVIDD_ASSIGN_OR_RETURN(std::unique_ptr<internal::PostgresLedger> ledger,
                         internal::PostgresLedger::Open(uri, options));
  return std::unique_ptr<Ledger>(std::move(ledger));
}

}  // namespace svidd
