// LISTEN/NOTIFY on a real PostgreSQL: a revocation committed through one ledger handle (another
// replica, or svidctl) wakes a listener on another connection; an issuance does not.
#include "svidd/ledger/revocation_listener.h"

#include <gtest/gtest.h>

#include <condition_variable>
#include <mutex>
#include <thread>

#include "ledger/ledger_test_util.h"
#include "ledger/pg_connection.h"
#include "spdlog/sinks/ringbuffer_sink.h"
#include "spdlog/spdlog.h"
#include "support/postgres/postgres_server.h"
#include "svidd/ledger/postgres_ledger.h"

namespace svidd::ledger {
namespace {

using ::svidd::testing::kBaseUnix;
using ::svidd::testing::MakeRecord;

class Wakeups {
 public:
  void Notify() {
    std::lock_guard<std::mutex> lock(mu_);
    ++count_;
    cv_.notify_all();
  }
  // Waits (at most `timeout`) for the count to exceed `seen`; the count.
  int WaitAbove(int seen, std::chrono::seconds timeout = std::chrono::seconds(10)) {
    std::unique_lock<std::mutex> lock(mu_);
    cv_.wait_for(lock, timeout, [&] { return count_ > seen; });
    return count_;
  }
  int count() {
    std::lock_guard<std::mutex> lock(mu_);
    return count_;
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  int count_ = 0;
};

// spdlog's lines while it lives (the default logger is swapped, and restored after).
class CapturedLog {
 public:
  CapturedLog()
      : previous_(spdlog::default_logger()),
        sink_(std::make_shared<spdlog::sinks::ringbuffer_sink_mt>(256)) {
    spdlog::set_default_logger(std::make_shared<spdlog::logger>("captured", sink_));
  }
  ~CapturedLog() { spdlog::set_default_logger(previous_); }
  // Waits (at most `timeout`) for a line holding `text`; that line, or "".
  std::string WaitForLine(const std::string& text,
                          std::chrono::seconds timeout = std::chrono::seconds(20)) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    do {
      for (const std::string& line : sink_->last_formatted()) {
        if (line.find(text) != std::string::npos) return line;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    } while (std::chrono::steady_clock::now() < deadline);
    return "";
  }

 private:
  std::shared_ptr<spdlog::logger> previous_;
  std::shared_ptr<spdlog::sinks::ringbuffer_sink_mt> sink_;
};

void Exec(PGconn* conn, const std::string& sql) {
  PgResultPtr result(PQexec(conn, sql.c_str()));
  const ExecStatusType status = PQresultStatus(result.get());
  ASSERT_TRUE(status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK)
      << sql << ": " << PQerrorMessage(conn);
}

TEST(RevocationListenerTest, ACommittedRevocationWakesTheListener) {
  absl::StatusOr<std::string> uri = ::svidd::testing::FreshPostgresDatabase();
  ASSERT_TRUE(uri.ok()) << uri.status();
  auto writer = OpenPostgresLedger(*uri);
  ASSERT_TRUE(writer.ok()) << writer.status();
  Wakeups wakeups;
  auto listener = ListenForRevocations(*uri, [&] { wakeups.Notify(); });
  ASSERT_TRUE(listener.ok()) << listener.status();

  ASSERT_TRUE((*writer)->RecordIssuance(MakeRecord("0a")).ok());
  ASSERT_TRUE((*writer)->RecordIssuance(MakeRecord("0b")).ok());
  ASSERT_TRUE(
      (*writer)->RevokeCertificate("0a", "key compromise", FromUnixSeconds(kBaseUnix)).ok());
  EXPECT_GE(wakeups.WaitAbove(0), 1) << "no notification within 10 s of the revocation";
  // The issuances before it sent nothing: a round trip after the revocation's notification
  // would have delivered theirs first.
  EXPECT_EQ(wakeups.count(), 1);
}

// The listener's connection is cut and the database refuses new ones for a while: the failure
// is logged with PostgreSQL's reason, the reconnect once it accepts again too, and the caller
// is woken then (a revocation may have committed while no one listened).
TEST(RevocationListenerTest, ALostConnectionIsLoggedAndReconnected) {
  absl::StatusOr<std::string> uri = ::svidd::testing::FreshPostgresDatabase();
  ASSERT_TRUE(uri.ok()) << uri.status();
  // ALTER DATABASE ... ALLOW_CONNECTIONS false is refused from inside that database.
  const char* keys[] = {"dbname", "dbname", nullptr};
  const char* values[] = {uri->c_str(), "postgres", nullptr};
  PgConnPtr admin(PQconnectdbParams(keys, values, /*expand_dbname=*/1));
  ASSERT_EQ(PQstatus(admin.get()), CONNECTION_OK) << PQerrorMessage(admin.get());
  PgConnPtr probe(PQconnectdb(uri->c_str()));
  ASSERT_EQ(PQstatus(probe.get()), CONNECTION_OK) << PQerrorMessage(probe.get());
  const std::string database = PQdb(probe.get());
  probe.reset();
  CapturedLog log;
  Wakeups wakeups;
  auto listener = ListenForRevocations(*uri, [&] { wakeups.Notify(); });
  ASSERT_TRUE(listener.ok()) << listener.status();

  Exec(admin.get(), "ALTER DATABASE \"" + database + "\" ALLOW_CONNECTIONS false");
  Exec(admin.get(),
       "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '" + database + "'");
  const std::string refused = log.WaitForLine("cannot reconnect (attempt 1)");
  ASSERT_NE(refused, "") << "no warning while the ledger refuses connections";
  EXPECT_NE(refused.find("not currently accepting connections"), std::string::npos) << refused;
  EXPECT_EQ(wakeups.count(), 0);

  Exec(admin.get(), "ALTER DATABASE \"" + database + "\" ALLOW_CONNECTIONS true");
  EXPECT_GE(wakeups.WaitAbove(0, std::chrono::seconds(20)), 1) << "not woken on reconnecting";
  EXPECT_NE(log.WaitForLine("reconnected after"), "");
}

TEST(RevocationListenerTest, UnreachableLedgerIsNamedWithoutItsPassword) {
  auto listener =
      ListenForRevocations("postgresql://svidd:s3cret@127.0.0.1:1/svidd?connect_timeout=2", [] {});
  ASSERT_FALSE(listener.ok());
  EXPECT_EQ(listener.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(std::string(listener.status().message()).find("s3cret"), std::string::npos)
      << listener.status();
  EXPECT_NE(std::string(listener.status().message()).find("127.0.0.1:1"), std::string::npos)
      << listener.status();
}

}  // namespace
}  // namespace svidd::ledger
