// The ledger suites run against both engines: a test written as TEST_P on a fixture derived
// from EngineTest runs once on a SQLite file and once on a fresh PostgreSQL database (the
// harness in tests/support/postgres/; a PostgreSQL that cannot start FAILS the test).
//
//   class MyTest : public EngineTest {};
//   TEST_P(MyTest, Something) { std::unique_ptr<Ledger> ledger = Open(); ... }
//   SVIDD_INSTANTIATE_FOR_EVERY_ENGINE(MyTest);
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "support/ledger/temp_dir.h"
#include "svidd/ledger/ledger.h"
#include "svidd/ledger/postgres_ledger.h"
#include "svidd/ledger/sqlite_ledger.h"

namespace svidd::testing {

enum class LedgerEngine { kSqlite, kPostgres };
std::string EngineName(const ::testing::TestParamInfo<LedgerEngine>& info);

// What both engines' options have in common.
struct EngineOptions {
  bool read_only = false;
  size_t max_batch = 256;
};

class EngineTest : public ::testing::TestWithParam<LedgerEngine> {
 protected:
  // Creates the empty store (a file name, or a new database). Fails the test on error.
  void SetUp() override;
  bool postgres() const { return GetParam() == LedgerEngine::kPostgres; }

  // Another ledger handle on the same store, as another process (or replica) would open it.
  // Fails the test, returning null, if it cannot open.
  std::unique_ptr<ledger::Ledger> Open(EngineOptions options = {});
  absl::StatusOr<std::unique_ptr<ledger::Ledger>> TryOpen(EngineOptions options = {});
  // How the ledger's messages name the store: the file path, or the URI without password.
  std::string StoreName() const;
  // SQL straight on the store (default: this test's), bypassing the ledger (tampering, guards).
  absl::Status ExecRawSql(const std::string& sql, const std::string& where = "");
  // A copy of the store as it is now (no ledger may be open on it); the copy's location.
  absl::StatusOr<std::string> CopyStore();
  // The libpq URI (PostgreSQL) or the file path (SQLite).
  const std::string& location() const { return location_; }

  TempDir dir_;

 private:
  std::string location_;
  int copies_ = 0;
};

}  // namespace svidd::testing

#define SVIDD_INSTANTIATE_FOR_EVERY_ENGINE(suite)                                        \
  INSTANTIATE_TEST_SUITE_P(Engines, suite,                                               \
                           ::testing::Values(::svidd::testing::LedgerEngine::kSqlite,    \
                                             ::svidd::testing::LedgerEngine::kPostgres), \
                           ::svidd::testing::EngineName)
