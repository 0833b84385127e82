#include "support/ledger/temp_dir.h"

#include <unistd.h>

#include <atomic>

namespace svidd::testing {

TempDir::TempDir() {
  static std::atomic<int> counter{0};
  path_ =
      std::filesystem::temp_directory_path() / ("svidd-ledger-test-" + std::to_string(::getpid()) +
                                                "-" + std::to_string(counter.fetch_add(1)));
  std::filesystem::remove_all(path_);
  std::filesystem::create_directories(path_);
}

TempDir::~TempDir() {
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

}  // namespace svidd::testing
