// `svidctl ledger verify`: flags and what the command does with the ledger.
#pragma once

#include <ostream>
#include <string>

#include "CLI/CLI.hpp"
#include "absl/status/status.h"
#include "svidctl/command_context.h"
#include "svidd/common/clock.h"

namespace svidctl {

struct LedgerOptions {
  std::string ca_dir;  // holds root-cert.pem, the trust bundle; "" = <data-dir>/ca
  std::string ledger;  // the global --ledger: a PostgreSQL ledger instead of ledger.db
  std::string output = "table";
  // What svidd checks at start: from the newest signed checkpoint on (VerificationScope).
  bool since_checkpoint = false;
};

// Adds `ledger` and its subcommands to `app`; they work on the data directory itself.
void AddLedgerCommands(CLI::App& app, LedgerOptions& options, CommandContext& context);

// Prints the verification report to `out`. OK if the ledger is intact; DATA_LOSS naming the
// first break if not; other errors if it could not be verified at all.
absl::Status RunVerify(const std::string& data_dir, const LedgerOptions& options,
                       const svidd::Clock& clock, std::ostream& out);

}  // namespace svidctl
