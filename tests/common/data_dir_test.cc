#include "svidd/common/data_dir.h"

#include <set>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "svidd/ledger/ledger_event.h"

namespace svidd {
namespace {

namespace fs = std::filesystem;

std::vector<fs::path> EveryPath(const DataDir& d) {
  return {d.ledger(),     d.ledger_head(),   d.own_ca(),   d.ca_next(),
          d.ca_pending(), d.ca_retired(),    d.ca_state(), d.own_root(),
          d.root_next(),  d.retired_roots(), d.serving(),  d.trust_bundle_state()};
}

TEST(DataDirTest, EveryPathIsADistinctChildOfTheRoot) {
  const DataDir d("/var/lib/svidd");
  std::set<fs::path> seen;
  for (const fs::path& p : EveryPath(d)) {
    SCOPED_TRACE(p.string());
    EXPECT_EQ(p.parent_path(), fs::path("/var/lib/svidd"));
    EXPECT_TRUE(seen.insert(p).second) << "two names for one path";
  }
}

// The names are the on-disk format: svidd, svidctl and existing data directories depend on
// them, so changing one is a migration, not a refactoring.
TEST(DataDirTest, NamesAreTheOnDiskLayout) {
  const DataDir d("data");
  struct Case {
    fs::path got;
    const char* want;
  };
  const std::vector<Case> cases = {
      {d.ledger(), "data/ledger.db"},
      {d.ledger_head(), "data/ledger-head.json"},
      {d.ca(), "data/ca"},
      {d.own_ca(), "data/ca"},
      {d.ca_next(), "data/ca-next"},
      {d.ca_pending(), "data/ca-pending"},
      {d.ca_retired(), "data/ca-retired"},
      {d.ca_state(), "data/ca-state.json"},
      {d.own_root(), "data/root"},
      {d.root_next(), "data/root-next"},
      {d.retired_roots(), "data/retired-roots.pem"},
      {d.serving(), "data/serving"},
      {d.trust_bundle_state(), "data/trust-bundle.json"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.want);
    EXPECT_EQ(c.got, fs::path(c.want));
  }
  // The ledger verifier names the head file in its findings by this constant.
  EXPECT_EQ(d.ledger_head().filename(), fs::path(ledger::kLedgerHeadFileName));
}

TEST(DataDirTest, AnOperatorCaDirReplacesOnlyTheSigningCa) {
  const DataDir d("data", "/etc/cacerts");
  EXPECT_EQ(d.ca(), fs::path("/etc/cacerts"));
  EXPECT_EQ(d.own_ca(), fs::path("data/ca"));  // svidctl ca install still writes here
  EXPECT_EQ(d.ledger(), fs::path("data/ledger.db"));
  EXPECT_EQ(d.ca_next(), fs::path("data/ca-next"));
}

TEST(DataDirTest, OtherKeyDirsAreTheDirectoriesBesideTheCaThatHoldKeys) {
  const DataDir d("data", "/etc/cacerts");
  EXPECT_EQ(d.OtherKeyDirs(), (std::vector<fs::path>{"data/root", "data/root-next", "data/ca-next",
                                                     "data/ca-pending", "data/ca-retired"}));
}

}  // namespace
}  // namespace svidd
