#include "ledger/wal_checkpointer.h"

#include <algorithm>

namespace svidd::ledger::internal {

WalCheckpointer::WalCheckpointer(std::shared_ptr<Connection> connection,
                                 WalCheckpointOptions options)
    : connection_(std::move(connection)), options_(options), thread_([this] { Run(); }) {}

WalCheckpointer::~WalCheckpointer() {
  {
    MutexLock lock(&mu_);
    stopping_ = true;
  }
  wake_.SignalAll();
  thread_.join();
}

void WalCheckpointer::Attach(sqlite3* writer_db) {
  // Replaces the automatic checkpoint (sqlite3_wal_autocheckpoint is itself a WAL hook).
  sqlite3_wal_hook(writer_db, &WalCheckpointer::OnCommit, this);
}

WalCheckpointStats WalCheckpointer::stats() const {
  MutexLock lock(&mu_);
  return stats_;
}

int WalCheckpointer::OnCommit(void* self, sqlite3* db, const char* /*schema*/, int frames) {
  return static_cast<WalCheckpointer*>(self)->NoteCommit(db, frames);
}

// On the writer's thread, inside its COMMIT: only notes the size and wakes the thread, unless
// the WAL has outgrown the backstop.
int WalCheckpointer::NoteCommit(sqlite3* writer_db, int frames) {
  bool backstop = false;
  {
    MutexLock lock(&mu_);
    // Fewer frames than last time: the writer started the WAL over, all of it was copied.
    if (frames < wal_frames_) backfilled_ = 0;
    wal_frames_ = frames;
    stats_.largest_wal_frames = std::max(stats_.largest_wal_frames, frames);
    if (frames >= options_.writer_frames) {
      backstop = true;
      ++stats_.by_writer;
    } else if (frames - backfilled_ >= options_.passive_frames && !wanted_) {
      wanted_ = true;
      wake_.Signal();
    }
  }
  if (backstop) {
    // What SQLite's automatic checkpoint does; with no other writer it copies the whole WAL,
    // so the next transaction starts it over. BUSY (this thread's checkpoint is running) is
    // harmless: that one is copying already.
    (void)sqlite3_wal_checkpoint_v2(writer_db, nullptr, SQLITE_CHECKPOINT_PASSIVE, nullptr,
                                    nullptr);
  }
  return SQLITE_OK;
}

void WalCheckpointer::Run() {
  for (;;) {
    {
      MutexLock lock(&mu_);
      wake_.Wait(&mu_, [this] {
        mu_.AssertHeld();
        return stopping_ || wanted_;
      });
      if (stopping_) return;
      wanted_ = false;
    }
    Checkpoint();
  }
}

void WalCheckpointer::Checkpoint() {
  int wal = 0;
  int copied = 0;
  bool restart = false;
  int rc;
  {
    MutexLock conn_lock(&connection_->mu);
    sqlite3* db = connection_->db.get();
    rc = sqlite3_wal_checkpoint_v2(db, nullptr, SQLITE_CHECKPOINT_PASSIVE, &wal, &copied);
    if (rc == SQLITE_OK && wal >= options_.restart_frames) {
      restart = true;
      rc = sqlite3_wal_checkpoint_v2(db, nullptr, SQLITE_CHECKPOINT_RESTART, &wal, &copied);
    }
  }
  MutexLock lock(&mu_);
  ++stats_.passive;
  if (restart) ++stats_.restart;
  if (rc != SQLITE_OK) {
    ++stats_.failed;
    return;
  }
  // After a RESTART the next commit starts the WAL over; until then `copied` frames are done.
  backfilled_ = restart ? wal : std::max(0, copied);
}

}  // namespace svidd::ledger::internal
