// svidctl: the operator's view of svidd. Every command reads the same answers either from the
// data directory (a local, read-only look; revocations are written to the ledger the running
// server reads) or from a running svidd's admin API with --server.
#include <iostream>
#include <string>

#include "CLI/CLI.hpp"
#include "svidctl/admin_commands.h"
#include "svidctl/ca_commands.h"
#include "svidctl/certs_commands.h"
#include "svidctl/command_context.h"
#include "svidctl/ledger_commands.h"
#include "svidctl/view_commands.h"
#include "svidd/common/clock.h"

namespace {

void AddGlobalOptions(CLI::App& app, svidctl::BackendOptions& b) {
  app.add_option("--data-dir", b.data_dir, "svidd's data directory (holds ledger.db)")
      ->envname("SVIDCTL_DATA_DIR")
      ->capture_default_str();
  app.add_option("--ledger", b.ledger,
                 "svidd's PostgreSQL ledger (svidd --ledger), a libpq URI; default: the SQLite "
                 "ledger.db in --data-dir")
      ->envname("SVIDCTL_LEDGER");
  app.add_option("--ca-dir", b.ca_dir, "svidd's CA directory when not <data-dir>/ca (--ca-dir)")
      ->envname("SVIDCTL_CA_DIR");
  const char* remote = "Remote (the admin API)";
  app.add_option("--server", b.server,
                 "Ask the svidd at HOST:PORT instead of reading the data directory")
      ->envname("SVIDCTL_SERVER")
      ->group(remote);
  app.add_option("--cert", b.cert, "Admin client certificate chain (svidctl admin issue)")
      ->envname("SVIDCTL_CERT")
      ->group(remote);
  app.add_option("--key", b.key, "Its private key")->envname("SVIDCTL_KEY")->group(remote);
  app.add_option("--root-cert", b.root_cert, "Roots that verify svidd's serving certificate")
      ->envname("SVIDCTL_ROOT_CERT")
      ->group(remote);
  app.add_option("--server-name", b.server_name,
                 "Name to verify in svidd's certificate (default: the host in --server; localhost "
                 "for an IP)")
      ->envname("SVIDCTL_SERVER_NAME")
      ->group(remote);
  app.add_option("--timeout", b.timeout_seconds, "Seconds to wait for an answer")
      ->envname("SVIDCTL_TIMEOUT")
      ->capture_default_str()
      ->group(remote);
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{
      "svidctl: inspect and manage what svidd has issued.\n"
      "Reads the data directory directly, or with --server asks a running svidd's admin API "
      "(same commands, same output)."};
  app.require_subcommand(1);
  // Subcommands inherit this: global flags may also follow the command (`svidctl stats --server
  // ...`).
  app.fallthrough();
  svidctl::CommandContext context(svidd::SystemClock::Instance(), std::cout, std::cerr);
  AddGlobalOptions(app, context.backend);

  svidctl::CertsOptions certs;
  svidctl::AddCertsCommands(app, certs, context);
  svidctl::ViewOptions identities, stats, audit, bundle;
  svidctl::AddIdentitiesCommands(app, identities, context);
  svidctl::AddStatsCommand(app, stats, context);
  svidctl::AddAuditCommand(app, audit, context);
  svidctl::AddBundleCommand(app, bundle, context);
  svidctl::CaOptions ca;
  svidctl::AddCaCommands(app, ca, context);
  svidctl::AdminOptions admin;
  svidctl::AddAdminCommands(app, admin, context);
  svidctl::LedgerOptions ledger;
  svidctl::AddLedgerCommands(app, ledger, context);

  CLI11_PARSE(app, argc, argv);
  if (!context.result.ok()) {
    std::cerr << "svidctl: " << std::string(context.result.message()) << "\n";
    return 1;
  }
  return context.exit_code;
}
