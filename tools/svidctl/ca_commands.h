// `svidctl ca ...` on the data directory: svidd as the upstream CA of istiod or of another
// svidd (issue-intermediate), and getting svidd's own intermediate signed by an offline root
// (csr, then import). All need the data dir; none needs the server to be running, and a
// running svidd notices an imported intermediate by itself.
#pragma once

#include <ostream>
#include <string>

#include "CLI/CLI.hpp"
#include "absl/status/status.h"
#include "svidctl/command_context.h"
#include "svidd/common/clock.h"

namespace svidctl {

struct CaOptions {
  std::string ledger;  // the global --ledger (set by the flag wiring)
  std::string out_dir;
  std::string name = "svidd intermediate CA";
  std::string ttl = "365d";
  std::string key_type = "ec-p256";
  std::string trust_domain;  // csr: default from the data dir's CA
  // import
  std::string cert;       // the signed intermediate
  std::string chain;      // certificates between it and the root (optional)
  std::string root_cert;  // the root(s) it chains to
  std::string key;        // default <data-dir>/ca-pending/ca-key.pem
  bool replace_roots = false;
  // status, rotate-*, reissue
  std::string issuer;
  std::string output;
};

// `ca issue-intermediate|csr|import` (data directory) and `ca status|rotate-root|
// rotate-intermediate|reissue` (the running server's CA manager, over the admin API).
void AddCaCommands(CLI::App& app, CaOptions& options, CommandContext& context);
void AddCaServerCommands(CLI::App* ca, CaOptions& options, CommandContext& context);

absl::Status RunIssueIntermediate(const std::string& data_dir, const CaOptions& options,
                                  const svidd::Clock& clock, std::ostream& out);
absl::Status RunCaCsr(const std::string& data_dir, const CaOptions& options, std::ostream& out);
absl::Status RunCaImport(const std::string& data_dir, const CaOptions& options,
                         const svidd::Clock& clock, std::ostream& out);

}  // namespace svidctl
