// A real PostgreSQL 15 server for one test run: initdb into a fresh temporary directory as an
// unprivileged user (the `postgres` account via runuser when the tests run as root, else the
// current user), pg_ctl start listening on 127.0.0.1 only, on a free port, with password
// (SCRAM) authentication over TCP. Destroying the server stops it (immediate shutdown) and
// removes the directory, also when a test failed.
//
// Under ctest, one server serves the whole run: the `svidd_postgres` fixture starts it
// (svidd-test-postgres start), names its state file in SVIDD_TEST_POSTGRES, and stops it at the
// end. Each test process attaches to it instead of paying for its own initdb and start. Run
// alone, a test binary starts a server of its own, as before.
//
// Tests that need PostgreSQL must FAIL when it cannot start (never skip), so CI cannot pass
// without having run them:
//   absl::StatusOr<std::string> uri = svidd::testing::FreshPostgresDatabase();
//   ASSERT_TRUE(uri.ok()) << uri.status();
#pragma once

#include <filesystem>
#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace svidd::testing {

class PostgresServer {
 public:
  // initdb + pg_ctl start. FAILED_PRECONDITION naming what is missing (the binaries, the
  // postgres account) or the tail of the server's log.
  static absl::StatusOr<std::unique_ptr<PostgresServer>> Start();
  // A server another process started and published: used, never stopped or restarted (other
  // tests' databases live on it). FAILED_PRECONDITION when the state file is unreadable or the
  // server does not answer.
  static absl::StatusOr<std::unique_ptr<PostgresServer>> Attach(
      const std::filesystem::path& state_file);
  // Writes what Attach needs (0600: it holds the password) and leaves the server running when
  // this object is destroyed.
  absl::Status Publish(const std::filesystem::path& state_file);
  // Stops a published server (immediate shutdown) and removes its directory and the state
  // file. OK when there is no state file.
  static absl::Status StopPublished(const std::filesystem::path& state_file);
  ~PostgresServer();
  PostgresServer(const PostgresServer&) = delete;
  PostgresServer& operator=(const PostgresServer&) = delete;

  // CREATE DATABASE with a fresh name; returns its libpq URI
  // (postgresql://svidd_test:<password>@127.0.0.1:<port>/<name>).
  absl::StatusOr<std::string> CreateDatabase();
  // The URI of database `name` (which need not exist).
  std::string Uri(const std::string& name) const;
  const std::string& password() const { return password_; }
  int port() const { return port_; }

  // pg_ctl stop -m fast / start again on the same port: what a PostgreSQL restart under load
  // looks like to clients (their connections are closed). `Restart` does both. Refused
  // (FAILED_PRECONDITION) on an attached server: a test that restarts needs its own `Start()`.
  absl::Status StopServer();
  absl::Status StartServer();
  absl::Status Restart();
  // Runs one SQL statement as the superuser in database `name` (test set-up and tampering).
  absl::Status ExecSql(const std::string& name, const std::string& sql);

 private:
  PostgresServer(std::filesystem::path dir, std::string password, int port, bool owned)
      : dir_(std::move(dir)), password_(std::move(password)), port_(port), owned_(owned) {}

  std::filesystem::path dir_;  // data/, the socket, the log, the password file
  std::string password_;
  int port_;
  bool owned_;  // false when attached to, or published for, another process
  bool running_ = false;
  int databases_ = 0;
};

// The run's published server when SVIDD_TEST_POSTGRES names one, else one server per test
// binary, started on first use and stopped when the binary exits. Never restart it.
// The error of the first start is remembered: every later caller fails the same way.
absl::StatusOr<PostgresServer*> SharedPostgres();
// A new empty database on the shared server; its URI.
absl::StatusOr<std::string> FreshPostgresDatabase();

}  // namespace svidd::testing
