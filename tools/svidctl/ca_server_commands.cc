// `svidctl ca status|rotate-root|rotate-intermediate|reissue`: the running server's CA
// manager, through the admin API (the data directory alone cannot say where a rotation
// stands, and must not start one behind the server's back).
#include "absl/strings/str_cat.h"
#include "svidctl/ca_commands.h"
#include "svidctl/view_format.h"
#include "svidd/common/status_macros.h"
#include "svidd/operator/operator_input.h"

namespace svidctl {
namespace {

using CaCall = absl::StatusOr<svidd::ops::CaManagerStatus> (Backend::*)();

void AddStatusCommand(CLI::App* ca, const char* name, const char* help, CaCall call, CaOptions& o,
                      CommandContext& context) {
  CLI::App* command = ca->add_subcommand(name, help);
  AddOutputOption(command, o.output, {"table", "json"});
  context.OnRun(command, [call, &o, &context](Backend& backend) -> absl::Status {
    SVIDD_ASSIGN_OR_RETURN(svidd::ops::CaManagerStatus status, (backend.*call)());
    context.out << (o.output == "json" ? CaStatusToJson(status).dump(2) + "\n"
                                       : CaStatusText(status, context.clock.Now()));
    return absl::OkStatus();
  });
}

}  // namespace

void AddCaServerCommands(CLI::App* ca, CaOptions& o, CommandContext& context) {
  AddStatusCommand(ca, "status",
                   "Which CA signs now, the next one and when it takes over, where a root "
                   "rotation stands, the published roots (needs --server)",
                   &Backend::CaStatus, o, context);
  AddStatusCommand(ca, "rotate-root",
                   "Start a root rotation: the new root is published now, signs a leaf "
                   "lifetime later, the old one leaves once nothing under it is valid (needs "
                   "--server)",
                   &Backend::RotateRoot, o, context);
  AddStatusCommand(ca, "rotate-intermediate",
                   "A new intermediate signs from now on, e.g. after a key compromise; then "
                   "`ca reissue` the old one's workloads (needs --server)",
                   &Backend::RotateIntermediate, o, context);

  CLI::App* reissue = ca->add_subcommand(
      "reissue",
      "Ask every connected workload holding a certificate from ISSUER to renew now (needs "
      "--server)");
  reissue->add_option("issuer", o.issuer, "The CA certificate's serial (any spelling)")->required();
  context.OnRun(reissue, [&o, &context](Backend& backend) -> absl::Status {
    SVIDD_ASSIGN_OR_RETURN(std::string issuer,
                           svidd::ops::ParseOperatorSerial(o.issuer, "CA serial"));
    SVIDD_ASSIGN_OR_RETURN(uint64_t streams, backend.Reissue(issuer));
    context.out << "asked " << streams << " connected workload" << (streams == 1 ? "" : "s")
                << " holding certificates from " << issuer << " to renew now\n";
    return absl::OkStatus();
  });
}

}  // namespace svidctl
