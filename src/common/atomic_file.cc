#include "svidd/common/atomic_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <random>
#include <set>
#include <sstream>

namespace svidd {
namespace {

absl::Status ErrnoError(const std::string& what, const std::filesystem::path& path) {
  return absl::UnavailableError(what + " " + path.string() + ": " + std::strerror(errno));
}

absl::Status WriteAll(int fd, std::string_view content, const std::filesystem::path& path) {
  while (!content.empty()) {
    ssize_t n = ::write(fd, content.data(), content.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return ErrnoError("cannot write", path);
    }
    content.remove_prefix(static_cast<size_t>(n));
  }
  return absl::OkStatus();
}

void SyncDirectory(const std::filesystem::path& dir) {
  int fd = ::open(dir.empty() ? "." : dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd >= 0) {
    ::fsync(fd);
    ::close(fd);
  }
}

// Writes `file` to a fresh temporary beside it with its final mode and fsyncs it; the
// temporary's path.
absl::StatusOr<std::filesystem::path> Stage(const FileToWrite& file) {
  std::random_device rd;
  std::filesystem::path tmp = file.path;
  tmp += ".tmp-" + std::to_string(::getpid()) + "-" + std::to_string(rd());
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, file.mode);
  if (fd < 0) return ErrnoError("cannot create", tmp);
  absl::Status status = WriteAll(fd, file.content, tmp);
  if (status.ok() && ::fchmod(fd, file.mode) != 0) status = ErrnoError("cannot chmod", tmp);
  if (status.ok() && ::fsync(fd) != 0) status = ErrnoError("cannot fsync", tmp);
  if (::close(fd) != 0 && status.ok()) status = ErrnoError("cannot close", tmp);
  if (!status.ok()) {
    ::unlink(tmp.c_str());
    return status;
  }
  return tmp;
}

}  // namespace

absl::Status WriteFileAtomically(const std::filesystem::path& path, std::string_view content,
                                 unsigned mode) {
  return WriteFilesAtomically({FileToWrite{path, content, mode}});
}

absl::Status WriteFilesAtomically(const std::vector<FileToWrite>& files) {
  std::vector<std::filesystem::path> staged;
  absl::Status status;
  for (const FileToWrite& file : files) {
    absl::StatusOr<std::filesystem::path> tmp = Stage(file);
    if (!tmp.ok()) {
      status = tmp.status();
      break;
    }
    staged.push_back(*std::move(tmp));
  }
  for (size_t i = 0; status.ok() && i < files.size(); ++i) {
    if (::rename(staged[i].c_str(), files[i].path.c_str()) != 0) {
      status = ErrnoError("cannot rename into place", files[i].path);
    } else {
      staged[i].clear();
    }
  }
  for (const auto& tmp : staged) {
    if (!tmp.empty()) ::unlink(tmp.c_str());
  }
  if (!status.ok()) return status;
  std::set<std::filesystem::path> dirs;
  for (const FileToWrite& file : files) dirs.insert(file.path.parent_path());
  for (const auto& dir : dirs) SyncDirectory(dir);
  return absl::OkStatus();
}

absl::Status EnsureDirectory(const std::filesystem::path& dir, unsigned mode) {
  std::error_code ec;
  if (std::filesystem::is_directory(dir, ec)) return absl::OkStatus();
  if (!dir.parent_path().empty()) {
    std::filesystem::create_directories(dir.parent_path(), ec);
  }
  if (::mkdir(dir.c_str(), mode) != 0 && errno != EEXIST) {
    return ErrnoError("cannot create directory", dir);
  }
  return absl::OkStatus();
}

absl::StatusOr<std::string> ReadFileToString(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    const int opened = errno;  // ifstream leaves open(2)'s errno
    if (opened == ENOENT || opened == ENOTDIR)
      return absl::NotFoundError("no file " + path.string());
    return ErrnoError("cannot read", path);
  }
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

}  // namespace svidd
