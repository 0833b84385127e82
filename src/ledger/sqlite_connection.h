// Opening ledger connections with the PRAGMAs svidd relies on, and a small pool of them.
#pragma once

#include <atomic>
#include <chrono>
#include <filesystem>
#include <memory>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "ledger/sqlite_handle.h"
#include "svidd/common/mutex.h"

namespace svidd::ledger::internal {

// One connection shared between threads, and the lock that serialises its users (a sqlite3*
// is used by one thread at a time; connections are opened with SQLITE_OPEN_NOMUTEX). A
// connection only one object ever uses (a verification snapshot, a copy) is a plain
// SqliteDbPtr from OpenDatabase instead.
struct Connection {
  explicit Connection(SqliteDbPtr handle) : db(std::move(handle)) {}
  Mutex mu;
  SqliteDbPtr db ABSL_GUARDED_BY(mu);
};

struct ConnectionOptions {
  bool read_only = false;
  std::chrono::milliseconds busy_timeout{5000};
};

// ":memory:": a private database that lives as long as its one connection.
bool IsInMemory(const std::filesystem::path& path);

// Opens `path`. Read-write opens create the file and switch it to WAL. NOT_FOUND with a
// clear message when a read-only open finds no file.
absl::StatusOr<SqliteDbPtr> OpenDatabase(const std::filesystem::path& path,
                                         const ConnectionOptions& options);
// The same, as a connection threads can share.
absl::StatusOr<std::shared_ptr<Connection>> OpenConnection(const std::filesystem::path& path,
                                                           const ConnectionOptions& options);

// Lends out one of a few connections, preferring one nobody is using.
class ConnectionPool {
 public:
  explicit ConnectionPool(std::vector<std::shared_ptr<Connection>> connections)
      : connections_(std::move(connections)) {}

  // One connection, locked for as long as the lease lives (the lock moves with it). The
  // analysis cannot follow a lock across a return, so Acquire and the destructor are exempt
  // and db() asserts what Acquire made true.
  class Lease {
   public:
    Lease(Lease&& other) noexcept : c_(std::exchange(other.c_, nullptr)) {}
    Lease& operator=(Lease&&) = delete;
    ~Lease() ABSL_NO_THREAD_SAFETY_ANALYSIS {
      if (c_ != nullptr) c_->mu.Unlock();
    }
    sqlite3* db() const {
      c_->mu.AssertHeld();
      return c_->db.get();
    }

   private:
    friend class ConnectionPool;
    explicit Lease(Connection* locked) : c_(locked) {}
    Connection* c_;
  };
  Lease Acquire() const ABSL_NO_THREAD_SAFETY_ANALYSIS;

 private:
  std::vector<std::shared_ptr<Connection>> connections_;  // non-empty
  mutable std::atomic<size_t> next_{0};
};

}  // namespace svidd::ledger::internal
