// Checkpointing the SQLite ledger's WAL off the writer's thread.
//
// SQLite's automatic checkpoint runs inside the COMMIT that takes the WAL past its threshold, on
// the committing thread: the ledger's one writer, which every issuance waits for (6.5 % of
// svidd's CPU under unary load, all of it on that thread). Instead the writer's connection
// reports the WAL's size after each commit (Attach installs a WAL hook, which replaces SQLite's
// automatic checkpoint on that connection), and this class's thread copies the WAL back into
// the database on a connection of its own, beside the writer:
//   - from `passive_frames` frames on: a PASSIVE checkpoint, which neither waits for nor blocks
//     the writer or the readers;
//   - when the WAL still holds `restart_frames` or more afterwards (the writer kept appending
//     while it ran, so the WAL never drains and starts over by itself under steady load): a
//     RESTART checkpoint, which waits for the writer's current transaction (busy timeout),
//     copies what is left and makes the next write start the WAL from its beginning;
//   - the writer itself checkpoints, as SQLite's automatic checkpoint would, when the WAL
//     reaches `writer_frames` (this thread starved of CPU or failing).
// So the WAL stays below about `writer_frames` frames plus one transaction, except while a
// reader holds a snapshot older than the WAL's start (as with SQLite's own checkpoint).
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <memory>
#include <thread>

#include "absl/status/status.h"
#include "ledger/sqlite_connection.h"
#include "svidd/common/mutex.h"
#include "svidd/ledger/sqlite_ledger.h"

namespace svidd::ledger::internal {

struct WalCheckpointStats {
  uint64_t passive = 0;        // PASSIVE checkpoints run by this thread
  uint64_t restart = 0;        // RESTART checkpoints run by this thread
  uint64_t by_writer = 0;      // checkpoints the writer ran itself (the backstop)
  uint64_t failed = 0;         // checkpoints that returned an error (retried on the next signal)
  int largest_wal_frames = 0;  // the most frames the writer's hook saw in the WAL
};

class WalCheckpointer {
 public:
  // `connection`: this class's own read-write connection to the ledger file.
  WalCheckpointer(std::shared_ptr<Connection> connection, WalCheckpointOptions options);
  ~WalCheckpointer();  // stops the thread; the last connection's close checkpoints the rest
  WalCheckpointer(const WalCheckpointer&) = delete;
  WalCheckpointer& operator=(const WalCheckpointer&) = delete;

  // Installs the WAL hook on the writer's connection (call before its first commit, on the
  // thread that owns it). `writer_db` must not commit after this object is destroyed.
  void Attach(sqlite3* writer_db);

  WalCheckpointStats stats() const;

 private:
  static int OnCommit(void* self, sqlite3* db, const char* schema, int frames);
  int NoteCommit(sqlite3* writer_db, int frames);
  void Run();
  void Checkpoint();

  const std::shared_ptr<Connection> connection_;
  const WalCheckpointOptions options_;

  mutable Mutex mu_;
  CondVar wake_;
  int wal_frames_ ABSL_GUARDED_BY(mu_) = 0;   // as of the writer's last commit
  int backfilled_ ABSL_GUARDED_BY(mu_) = 0;   // of those, copied by the last checkpoint
  bool wanted_ ABSL_GUARDED_BY(mu_) = false;  // a commit crossed passive_frames
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  WalCheckpointStats stats_ ABSL_GUARDED_BY(mu_);
  std::thread thread_;  // last: starts after everything above is constructed
};

}  // namespace svidd::ledger::internal
