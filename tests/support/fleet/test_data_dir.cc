#include "support/fleet/test_data_dir.h"

#include <unistd.h>

#include <atomic>
#include <random>

#include "absl/strings/str_cat.h"
#include "svidd/common/status_macros.h"
#include "svidd/ledger/sqlite_ledger.h"

namespace svidd::testing {

absl::StatusOr<std::unique_ptr<TestDataDir>> TestDataDir::Create(
    TimePoint ca_created, std::chrono::seconds intermediate_ttl, std::chrono::seconds root_ttl) {
  static std::atomic<int> counter{0};
  std::unique_ptr<TestDataDir> dir(new TestDataDir());
  dir->path_ = std::filesystem::temp_directory_path() /
               absl::StrCat("svidd-data-", ::getpid(), "-", counter++, "-", std::random_device()());
  std::filesystem::remove_all(dir->path_);
  std::filesystem::create_directories(dir->path_);
  pki::CaBootstrapOptions bootstrap;
  bootstrap.intermediate_ttl = intermediate_ttl;
  bootstrap.root_ttl = root_ttl;
  SVIDD_ASSIGN_OR_RETURN(pki::CaMaterial made, BootstrapCa(bootstrap, ca_created));
  SVIDD_RETURN_IF_ERROR(WriteIstioCaDir(dir->ca_dir(), made));
  SVIDD_ASSIGN_OR_RETURN(pki::CaMaterial loaded, pki::LoadIstioCaDir(dir->ca_dir(), ca_created));
  SVIDD_ASSIGN_OR_RETURN(dir->authority_, pki::Authority::Create(std::move(loaded)));
  SVIDD_ASSIGN_OR_RETURN(dir->ledger_, ledger::OpenSqliteLedger(dir->path_ / "ledger.db"));
  return dir;
}

TestDataDir::~TestDataDir() {
  ledger_.reset();
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

}  // namespace svidd::testing
