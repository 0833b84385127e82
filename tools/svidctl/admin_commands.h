// `svidctl admin issue`: bootstrapping an operator's admin credential on the data directory.
#pragma once

#include <string>

#include "CLI/CLI.hpp"
#include "svidctl/command_context.h"

namespace svidctl {

struct AdminOptions {
  std::string id;       // spiffe://<td>/admin/alice
  std::string out_dir;  // cert-chain.pem, key.pem (0600), root-cert.pem
  std::string ttl = "24h";
  std::string output;
};

void AddAdminCommands(CLI::App& app, AdminOptions& options, CommandContext& context);

// Signs with the CA in the data directory (its ca/ or --ca-dir), records the certificate in
// the ledger, then writes the files. Works whether or not svidd is running.
absl::Status RunAdminIssue(const AdminOptions& options, const BackendOptions& where,
                           const svidd::Clock& clock, std::ostream& out);

}  // namespace svidctl
