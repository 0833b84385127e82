// A real CA and ledger for the fuzzers that run requests as the services do: a bootstrapped
// root and intermediate (valid from 40 days before FuzzNow()), and a SQLite ledger in a
// temporary directory removed at exit. Built once per fuzzing process.
#pragma once

#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>

#include "fuzz/fuzz_fixture.h"
#include "svidd/common/clock.h"
#include "svidd/ledger/sqlite_ledger.h"
#include "svidd/pki/authority.h"
#include "svidd/pki/ca_material.h"

namespace svidd::fuzzing {

class FuzzCa {
 public:
  FuzzCa() : clock_(FuzzNow()) {
    char pattern[] = "/tmp/svidd-fuzz-XXXXXX";
    if (mkdtemp(pattern) == nullptr) std::abort();
    dir_ = pattern;
    pki::CaBootstrapOptions bootstrap;
    bootstrap.intermediate_ttl = std::chrono::hours(24 * 365);
    auto material = BootstrapCa(bootstrap, FuzzNow() - std::chrono::hours(24 * 40));
    if (!material.ok()) std::abort();
    auto authority = pki::Authority::Create(*std::move(material));
    auto ledger = ledger::OpenSqliteLedger(dir_ / "ledger.db");
    if (!authority.ok() || !ledger.ok()) std::abort();
    authority_ = *std::move(authority);
    ledger_ = *std::move(ledger);
  }
  ~FuzzCa() {
    ledger_.reset();
    std::error_code ignored;
    std::filesystem::remove_all(dir_, ignored);
  }

  FakeClock& clock() { return clock_; }
  const std::shared_ptr<const pki::Authority>& authority() const { return authority_; }
  ledger::Ledger& ledger() { return *ledger_; }

 private:
  FakeClock clock_;
  std::filesystem::path dir_;
  std::shared_ptr<const pki::Authority> authority_;
  std::unique_ptr<ledger::Ledger> ledger_;
};

}  // namespace svidd::fuzzing
