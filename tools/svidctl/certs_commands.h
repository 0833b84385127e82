// `svidctl certs list|show|revoke`: flags and what each command does with the ledger.
#pragma once

#include <filesystem>
#include <ostream>
#include <string>

#include "CLI/CLI.hpp"
#include "absl/status/status.h"
#include "svidd/common/clock.h"

namespace svidctl {

struct CertsOptions {
  std::string data_dir = "./var/svidd";
  // list; an empty string means the filter is not set
  std::string spiffe_id;
  std::string expiring_within;
  std::string status;
  size_t limit = 0;
  std::string list_output = "table";
  // show / revoke
  std::string serial;
  std::string show_output = "text";
  std::string reason;
};

// Adds `certs` and its subcommands to `app`. Each subcommand, when parsed, runs against
// the ledger with output to `out`; the result is left in `*result` for main to report.
void AddCertsCommands(CLI::App& app, CertsOptions& options, const svidd::Clock& clock,
                      std::ostream& out, absl::Status* result);

// The ledger file inside a data directory.
std::filesystem::path LedgerPath(const std::string& data_dir);

absl::Status RunList(const CertsOptions& options, const svidd::Clock& clock, std::ostream& out);
absl::Status RunShow(const CertsOptions& options, const svidd::Clock& clock, std::ostream& out);
absl::Status RunRevoke(const CertsOptions& options, const svidd::Clock& clock,
                       std::ostream& out);

}  // namespace svidctl
