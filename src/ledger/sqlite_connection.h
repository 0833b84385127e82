// Opening ledger connections with the PRAGMAs svidd relies on, and a small pool of them.
#pragma once

#include <atomic>
#include <chrono>
#include <filesystem>
#include <memory>
#include <mutex>
#include <vector>

#include "absl/status/statusor.h"
#include "ledger/sqlite_handle.h"

namespace svidd::ledger::internal {

// One connection and the lock that serialises its users (a sqlite3* is used by one thread
// at a time; connections are opened with SQLITE_OPEN_NOMUTEX).
struct Connection {
  std::mutex mu;
  SqliteDbPtr db;
};

struct ConnectionOptions {
  bool read_only = false;
  std::chrono::milliseconds busy_timeout{5000};
};

// ":memory:": a private database that lives as long as its one connection.
bool IsInMemory(const std::filesystem::path& path);

// Opens `path`. Read-write opens create the file and switch it to WAL. NOT_FOUND with a
// clear message when a read-only open finds no file.
absl::StatusOr<std::shared_ptr<Connection>> OpenConnection(const std::filesystem::path& path,
                                                           const ConnectionOptions& options);

// Lends out one of a few connections, preferring one nobody is using.
class ConnectionPool {
 public:
  explicit ConnectionPool(std::vector<std::shared_ptr<Connection>> connections)
      : connections_(std::move(connections)) {}

  class Lease {
   public:
    Lease(Connection* c, std::unique_lock<std::mutex> lock) : c_(c), lock_(std::move(lock)) {}
    sqlite3* db() const { return c_->db.get(); }

   private:
    Connection* c_;
    std::unique_lock<std::mutex> lock_;
  };
  Lease Acquire() const;

 private:
  std::vector<std::shared_ptr<Connection>> connections_;  // non-empty
  mutable std::atomic<size_t> next_{0};
};

}  // namespace svidd::ledger::internal
