// Replacing a file so that readers see the old content or the new, never a half-written one:
// write a temporary file beside it with the final mode, fsync, rename over the target, fsync
// the directory.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace svidd {

// `mode` applies from the moment the file is created (0600 for keys: never readable by
// others, not even briefly). UNAVAILABLE / INTERNAL naming the path on failure.
absl::Status WriteFileAtomically(const std::filesystem::path& path, std::string_view content,
                                 unsigned mode = 0644);

struct FileToWrite {
  std::filesystem::path path;
  std::string_view content;
  unsigned mode = 0644;
};

// Several files that belong together (a key and its certificate): every temporary file is
// written and fsynced first, and only then are they renamed into place in the given order,
// back to back, so a reader sees a mix of old and new only for the few microseconds between
// two renames. If any file cannot be staged, nothing is replaced. A failed rename leaves the
// files before it replaced and the rest untouched.
absl::Status WriteFilesAtomically(const std::vector<FileToWrite>& files);

// Creates `dir` (and parents) if missing; a directory it creates gets `mode`.
absl::Status EnsureDirectory(const std::filesystem::path& dir, unsigned mode = 0700);

// The whole file. NOT_FOUND if it does not exist.
absl::StatusOr<std::string> ReadFileToString(const std::filesystem::path& path);

}  // namespace svidd
