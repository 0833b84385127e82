#include "svidd/ledger/postgres_ledger.h"

#include <libpq-fe.h>

#include <future>
#include <optional>
#include <regex>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "ledger/pg_migrations.h"
#include "ledger/postgres_ledger_impl.h"
#include "svidd/common/status_macros.h"
#include "svidd/ledger/pg_handles.h"

namespace svidd::ledger {
namespace internal {
namespace {

absl::Status WithLedgerName(const std::string& name, const absl::Status& status) {
  return WithContext(absl::StrCat("ledger ", name), status);
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

namespace {

// In scheme://user:password@host..., where the password is: from the first ':' after the
// scheme to the LAST '@'. A password may hold '/', '?', '#' or '@' (unencoded, which libpq
// rejects, and the error names the URI); an '@' later in the path or query makes this cover
// more than the password, never less. nullopt: no password in the userinfo.
std::optional<std::pair<size_t, size_t>> UserinfoPassword(std::string_view uri) {
  const size_t scheme = uri.find("://");
  if (scheme == std::string_view::npos) return std::nullopt;
  const size_t start = scheme + 3;
  const size_t at = uri.rfind('@');
  if (at == std::string_view::npos || at < start) return std::nullopt;
  const size_t colon = uri.find(':', start);
  if (colon == std::string_view::npos || colon > at) return std::nullopt;
  return std::make_pair(colon + 1, at);
}

}  // namespace

std::string RedactLedgerUri(std::string_view uri) {
  std::string out(uri);
  if (std::optional<std::pair<size_t, size_t>> password = UserinfoPassword(uri)) {
    out.replace(password->first, password->second - password->first, "***");
  }
  // password=... as a URI query parameter or a key=value pair (quoted or not).
  static const std::regex kPassword(R"((password\s*=\s*)('(\\.|[^'])*'|[^&\s]*))",
                                    std::regex::icase);
  return std::regex_replace(out, kPassword, "$1***");
}

std::string RedactLibpqMessage(std::string message, std::string_view uri) {
  const std::optional<std::pair<size_t, size_t>> password = UserinfoPassword(uri);
  if (!password.has_value()) return message;
  const std::string_view secret = uri.substr(password->first, password->second - password->first);
  for (size_t open = message.find('"'); open != std::string::npos;) {
    const size_t close = message.find('"', open + 1);
    if (close == std::string::npos) break;
    const std::string_view quoted = std::string_view(message).substr(open + 1, close - open - 1);
    if (!quoted.empty() && secret.find(quoted) != std::string_view::npos) {
      message.replace(open + 1, close - open - 1, "***");
      open = message.find('"', open + 5);
    } else {
      open = message.find('"', close + 1);
    }
  }
  return message;
}

absl::Status ValidatePostgresUri(const std::string& uri) {
  if (!IsPostgresUri(uri)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "\"", RedactLedgerUri(uri),
        "\" is not a PostgreSQL URI (postgresql://USER:PASS@HOST:PORT/DB?sslmode=...); without "
        "--ledger svidd keeps its SQLite ledger in --data-dir"));
  }
  char* raw_error = nullptr;
  const PgConninfoPtr parsed(PQconninfoParse(uri.c_str(), &raw_error));
  const PgMemPtr error(raw_error);
  if (parsed != nullptr) return absl::OkStatus();
  std::string why = error != nullptr ? error.get() : "out of memory";
  while (!why.empty() && (why.back() == '\n' || why.back() == ' ')) why.pop_back();
  return absl::InvalidArgumentError(
      absl::StrCat(RedactLedgerUri(uri), ": ", RedactLibpqMessage(why, uri)));
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

}  // namespace svidd::ledger
