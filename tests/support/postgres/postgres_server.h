// A real PostgreSQL 15 server for one test run: initdb into a fresh temporary directory as an
// unprivileged user (the `postgres` account via runuser when the tests run as root, else the
// current user), pg_ctl start listening on 127.0.0.1 only, on a free port, with password
// (SCRAM) authentication over TCP. Destroying the server stops it (immediate shutdown) and
// removes the directory, also when a test failed.
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
  // looks like to clients (their connections are closed). `Restart` does both.
  absl::Status StopServer();
  absl::Status StartServer();
  absl::Status Restart();
  // Runs one SQL statement as the superuser in database `name` (test set-up and tampering).
  absl::Status ExecSql(const std::string& name, const std::string& sql);

 private:
  PostgresServer(std::filesystem::path dir, std::string password, int port)
      : dir_(std::move(dir)), password_(std::move(password)), port_(port) {}

  std::filesystem::path dir_;  // data/, the socket, the log, the password file
  std::string password_;
  int port_;
  bool running_ = false;
  int databases_ = 0;
};

// One server per test binary, started on first use and stopped when the binary exits.
// The error of the first start is remembered: every later caller fails the same way.
absl::StatusOr<PostgresServer*> SharedPostgres();
// A new empty database on the shared server; its URI.
absl::StatusOr<std::string> FreshPostgresDatabase();

}  // namespace svidd::testing
