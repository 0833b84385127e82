// ListenForRevocations on PostgreSQL: one connection that LISTENs, a thread that waits on its
// socket (at most 200 ms at a time, so stopping is prompt) and reconnects after a lost server.
#include <poll.h>

#include <atomic>
#include <thread>

#include "absl/strings/str_cat.h"
#include "ledger/pg_connection.h"
#include "spdlog/spdlog.h"
#include "svidd/ledger/postgres_ledger.h"
#include "svidd/ledger/revocation_listener.h"

namespace svidd::ledger {
namespace {

constexpr char kListen[] = "LISTEN svidd_revocations";

// A connection that LISTENs, or the libpq error.
absl::StatusOr<PgConnPtr> ConnectAndListen(const std::string& uri) {
  const char* keys[] = {"connect_timeout", "fallback_application_name", "dbname", nullptr};
  const char* values[] = {"10", "svidd-revocations", uri.c_str(), nullptr};
  PgConnPtr conn(PQconnectdbParams(keys, values, /*expand_dbname=*/1));
  if (conn == nullptr) return absl::ResourceExhaustedError("libpq could not allocate a connection");
  if (PQstatus(conn.get()) != CONNECTION_OK) {
    return absl::UnavailableError(internal::Trimmed(PQerrorMessage(conn.get())));
  }
  PgResultPtr listen(PQexec(conn.get(), kListen));
  if (PQresultStatus(listen.get()) != PGRES_COMMAND_OK) {
    return absl::UnavailableError(
        absl::StrCat(kListen, ": ", internal::Trimmed(PQerrorMessage(conn.get()))));
  }
  return conn;
}

class PgRevocationListener final : public RevocationListener {
 public:
  PgRevocationListener(std::string uri, PgConnPtr conn, std::function<void()> on_revocation)
      : uri_(std::move(uri)), conn_(std::move(conn)), on_revocation_(std::move(on_revocation)) {
    thread_ = std::thread([this] { Loop(); });
  }
  ~PgRevocationListener() override {
    stopping_ = true;
    thread_.join();
  }

 private:
  void Loop() {
    while (!stopping_.load()) {
      if (conn_ == nullptr && !Reconnect()) continue;
      pollfd fd{PQsocket(conn_.get()), POLLIN, 0};
      if (poll(&fd, 1, 200) < 0 && errno != EINTR) conn_.reset();
      if (stopping_.load() || conn_ == nullptr) continue;
      if (PQconsumeInput(conn_.get()) == 0 || PQstatus(conn_.get()) != CONNECTION_OK) {
        spdlog::warn(
            "revocation notifications from ledger {}: {}; reconnecting (polling once a "
            "second meanwhile)",
            RedactLedgerUri(uri_), internal::Trimmed(PQerrorMessage(conn_.get())));
        conn_.reset();
        continue;
      }
      bool notified = false;
      while (PGnotify* n = PQnotifies(conn_.get())) {
        PQfreemem(n);
        notified = true;
      }
      if (notified) on_revocation_();
    }
  }

  // One attempt (waits 1 s after a failure, in short steps so stopping stays prompt). After
  // a reconnect the caller is woken once: a revocation may have committed while we were away.
  // The first failure after a loss is a warning with libpq's reason, then one a minute while
  // it lasts; the reconnect that ends them is logged too.
  bool Reconnect() {
    absl::StatusOr<PgConnPtr> conn = ConnectAndListen(uri_);
    if (!conn.ok()) {
      ++failed_reconnects_;
      if (failed_reconnects_ % kWarnEveryFailures == 1) {
        spdlog::warn(
            "revocation notifications from ledger {}: cannot reconnect (attempt {}): {}; "
            "retrying every second, polling once a second meanwhile",
            RedactLedgerUri(uri_), failed_reconnects_, std::string(conn.status().message()));
      }
      for (int i = 0; i < 5 && !stopping_.load(); ++i) {
        std::this_thread::sleep_for(std::chrono::milliseconds(200));
      }
      return false;
    }
    spdlog::info("revocation notifications from ledger {}: reconnected after {} failed attempts",
                 RedactLedgerUri(uri_), failed_reconnects_);
    failed_reconnects_ = 0;
    conn_ = std::move(*conn);
    on_revocation_();
    return true;
  }

  static constexpr int kWarnEveryFailures = 60;  // about a minute of attempts
  const std::string uri_;
  PgConnPtr conn_;             // only the thread uses it (and the count below) once started
  int failed_reconnects_ = 0;  // since the connection was lost
  const std::function<void()> on_revocation_;
  std::atomic<bool> stopping_{false};
  std::thread thread_;
};

}  // namespace

absl::StatusOr<std::unique_ptr<RevocationListener>> ListenForRevocations(
    const std::string& uri, std::function<void()> on_revocation) {
  absl::StatusOr<PgConnPtr> conn = ConnectAndListen(uri);
  if (!conn.ok()) {
    return absl::Status(conn.status().code(), absl::StrCat("ledger ", RedactLedgerUri(uri), ": ",
                                                           conn.status().message()));
  }
  return std::make_unique<PgRevocationListener>(uri, std::move(*conn), std::move(on_revocation));
}

}  // namespace svidd::ledger
