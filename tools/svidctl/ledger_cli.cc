// Flag wiring for `svidctl ledger ...`.
#include "svidctl/ledger_commands.h"

namespace svidctl {

void AddLedgerCommands(CLI::App& app, const std::string& data_dir, LedgerOptions& o,
                       const svidd::Clock& clock, std::ostream& out, absl::Status* result) {
  CLI::App* ledger = app.add_subcommand("ledger", "The ledger's tamper-evident event log");
  ledger->require_subcommand(1);
  ledger->fallthrough();

  CLI::App* verify = ledger->add_subcommand(
      "verify",
      "Recompute the hash chain, every certificate's digest and the signed checkpoints; "
      "report the first row where the ledger breaks (non-zero exit if it does)");
  verify->add_option("--ca-dir", o.ca_dir,
                     "Directory with root-cert.pem, the roots checkpoints must chain to "
                     "(default: <data-dir>/ca)");
  verify->add_option("--output,-o", o.output, "table or json")
      ->check(CLI::IsMember({"table", "json"}))
      ->capture_default_str();
  verify->callback(
      [&data_dir, &o, &clock, &out, result] { *result = RunVerify(data_dir, o, clock, out); });
}

}  // namespace svidctl
