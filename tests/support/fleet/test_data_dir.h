// svidd's data-directory layout in a fresh temp directory, for tests that read it the way
// svidctl does: ledger.db (migrated, open read-write) and ca/ (a bootstrapped root and
// intermediate in Istio's layout, loaded as the Authority that signs test records).
#pragma once

#include <filesystem>
#include <memory>

#include "absl/status/statusor.h"
#include "svidd/common/clock.h"
#include "svidd/ledger/ledger.h"
#include "svidd/pki/authority.h"
#include "svidd/pki/ca_material.h"

namespace svidd::testing {

class TestDataDir {
 public:
  // The CA is made at `ca_created` with the given lifetimes.
  static absl::StatusOr<std::unique_ptr<TestDataDir>> Create(
      TimePoint ca_created, std::chrono::seconds intermediate_ttl = std::chrono::hours(24 * 365),
      std::chrono::seconds root_ttl = std::chrono::hours(24 * 365 * 10));
  ~TestDataDir();  // closes the ledger, removes the directory

  const std::filesystem::path& path() const { return path_; }
  std::filesystem::path ca_dir() const { return path_ / "ca"; }
  ledger::Ledger& ledger() { return *ledger_; }
  const pki::Authority& authority() const { return *authority_; }
  // Closes the ledger (e.g. before another process opens it read-write and migrates).
  void CloseLedger() { ledger_.reset(); }

 private:
  TestDataDir() = default;
  std::filesystem::path path_;
  std::unique_ptr<ledger::Ledger> ledger_;
  std::shared_ptr<const pki::Authority> authority_;
};

}  // namespace svidd::testing
