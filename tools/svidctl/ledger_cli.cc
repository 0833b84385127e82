// Flag wiring for `svidctl ledger ...`.
#include "svidctl/ledger_commands.h"

namespace svidctl {

void AddLedgerCommands(CLI::App& app, LedgerOptions& o, CommandContext& context) {
  CLI::App* ledger = app.add_subcommand("ledger", "The ledger's tamper-evident event log");
  ledger->require_subcommand(1);
  ledger->fallthrough();

  CLI::App* verify = ledger->add_subcommand(
      "verify",
      "Recompute the hash chain, every certificate's digest and the signed checkpoints; "
      "report the first row where the ledger breaks (non-zero exit if it does)");
  verify->add_option("--output,-o", o.output, "table or json")
      ->check(CLI::IsMember({"table", "json"}))
      ->capture_default_str();
  verify->add_flag("--since-checkpoint", o.since_checkpoint,
                   "Check what svidd checks at start: trust the chain up to the newest signed "
                   "checkpoint and recompute only the events after it");
  context.OnRunLocal(verify, [&o, &context] {
    LedgerOptions options = o;
    options.ca_dir = context.backend.EffectiveCaDir();  // the global --ca-dir
    options.ledger = context.backend.ledger;            // the global --ledger
    return RunVerify(context.backend.data_dir, options, context.clock, context.out);
  });
}

}  // namespace svidctl
