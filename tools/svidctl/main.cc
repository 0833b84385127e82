// svidctl: the operator's view of svidd's ledger. Reads the ledger file directly (read-only
// for list/show); revocations are written to the same file the running server reads.
#include <iostream>
#include <string>

#include "CLI/CLI.hpp"
#include "svidctl/ca_commands.h"
#include "svidctl/certs_commands.h"
#include "svidctl/ledger_commands.h"
#include "svidd/common/clock.h"

int main(int argc, char** argv) {
  CLI::App app{"svidctl: inspect and manage what svidd has issued"};
  app.require_subcommand(1);
  svidctl::CertsOptions options;
  app.add_option("--data-dir", options.data_dir, "svidd's data directory (holds ledger.db)")
      ->capture_default_str();
  absl::Status result;
  svidctl::AddCertsCommands(app, options, svidd::SystemClock::Instance(), std::cout, &result);
  svidctl::LedgerOptions ledger_options;
  svidctl::AddLedgerCommands(app, options.data_dir, ledger_options, svidd::SystemClock::Instance(),
                             std::cout, &result);
  svidctl::CaOptions ca_options;
  svidctl::AddCaCommands(app, options.data_dir, ca_options, svidd::SystemClock::Instance(),
                         std::cout, &result);
  CLI11_PARSE(app, argc, argv);
  if (!result.ok()) {
    std::cerr << "svidctl: " << std::string(result.message()) << "\n";
    return 1;
  }
  return 0;
}
