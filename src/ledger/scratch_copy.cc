#include "ledger/scratch_copy.h"

#include <fcntl.h>
#include <stdlib.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "ledger/sqlite_handle.h"
#include "svidd/common/status_macros.h"

namespace svidd::ledger::internal {
namespace {

constexpr char kPrefix[] = "ledger-verify-";
constexpr char kLockName[] = ".lock";
// A directory without a lock file is one an older svidd made, or one whose owner has made it
// but not yet its lock (microseconds): removed only once it is this old.
constexpr auto kUnlockedGrace = std::chrono::minutes(10);

absl::Status ErrnoError(const std::string& what) {
  return absl::InternalError(absl::StrCat(what, ": ", std::strerror(errno)));
}

}  // namespace

absl::StatusOr<ScratchCopy> ScratchCopy::Create(const std::filesystem::path& scratch) {
  if (scratch.empty()) {
    return absl::InvalidArgumentError(
        "verifying a copy of the ledger needs a scratch directory (the data directory)");
  }
  RemoveAbandoned(scratch);
  std::string dir = (scratch / absl::StrCat(kPrefix, "XXXXXX")).string();
  if (mkdtemp(dir.data()) == nullptr) {
    return ErrnoError(
        absl::StrCat("creating a directory in ", scratch.string(), " for the ledger's copy"));
  }
  // Locked before it has its name, so no other process can see it unlocked.
  const std::filesystem::path lock = std::filesystem::path(dir) / kLockName;
  const std::string unnamed = lock.string() + ".new";
  const int fd = open(unnamed.c_str(), O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0 || flock(fd, LOCK_EX) != 0 || rename(unnamed.c_str(), lock.c_str()) != 0) {
    absl::Status error = ErrnoError(absl::StrCat("locking ", dir));
    if (fd >= 0) close(fd);
    std::error_code ec;
    std::filesystem::remove_all(dir, ec);
    return error;
  }
  return ScratchCopy(dir, fd);
}

ScratchCopy::ScratchCopy(ScratchCopy&& other) noexcept
    : dir_(std::move(other.dir_)), lock_fd_(other.lock_fd_) {
  other.dir_.clear();
  other.lock_fd_ = -1;
}

ScratchCopy::~ScratchCopy() {
  std::error_code ec;
  if (!dir_.empty()) std::filesystem::remove_all(dir_, ec);
  if (lock_fd_ >= 0) close(lock_fd_);  // unlocks, after the directory is gone
}

int ScratchCopy::RemoveAbandoned(const std::filesystem::path& scratch) {
  std::error_code ec;
  std::vector<std::filesystem::path> candidates;
  for (std::filesystem::directory_iterator it(scratch, ec), end; !ec && it != end;
       it.increment(ec)) {
    if (absl::StartsWith(it->path().filename().string(), kPrefix) && it->is_directory(ec)) {
      candidates.push_back(it->path());
    }
  }
  int removed = 0;
  for (const std::filesystem::path& dir : candidates) {
    const int fd = open((dir / kLockName).c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
      const auto modified = std::filesystem::last_write_time(dir, ec);
      if (ec || std::filesystem::file_time_type::clock::now() - modified < kUnlockedGrace) {
        continue;
      }
    } else if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
      close(fd);  // its owner is alive
      continue;
    }
    if (std::filesystem::remove_all(dir, ec) > 0 && !ec) ++removed;
    if (fd >= 0) close(fd);
  }
  return removed;
}

absl::Status CopySqliteLedger(const std::filesystem::path& from, const std::filesystem::path& to,
                              const std::function<bool()>& stop_requested) {
  // Read-write, though it only reads: SQLite 3.40's VACUUM INTO on a read-only connection
  // fails on a table with a generated column added by ALTER TABLE ("table vacuum_db.certificates
  // has 18 columns but 19 values were supplied"; migration 0004). Never created here.
  if (!std::filesystem::exists(from)) {
    return absl::NotFoundError(absl::StrCat("no ledger at ", from.string()));
  }
  sqlite3* raw = nullptr;
  const int rc =
      sqlite3_open_v2(from.c_str(), &raw, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, nullptr);
  SqliteDbPtr owned(raw);  // sqlite3_open_v2 allocates a handle even when it fails
  if (rc != SQLITE_OK) return SqliteError(raw, rc, absl::StrCat("opening ", from.string()));
  sqlite3* db = owned.get();
  sqlite3_busy_timeout(db, 5000);
  if (stop_requested) InterruptWhen(db, &stop_requested);
  SVIDD_ASSIGN_OR_RETURN(Statement vacuum, Statement::Prepare(db, "VACUUM INTO ?1"));
  vacuum.BindText(1, to.string());
  absl::Status copied = vacuum.Run();
  InterruptWhen(db, nullptr);
  if (!copied.ok() && stop_requested && stop_requested()) {
    return absl::CancelledError("ledger verification stopped while copying the ledger");
  }
  if (!copied.ok()) {
    return absl::Status(copied.code(), absl::StrCat("copying ", from.string(), " to ", to.string(),
                                                    ": ", copied.message()));
  }
  return absl::OkStatus();
}

}  // namespace svidd::ledger::internal
