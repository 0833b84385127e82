#include "svidctl/view_commands.h"

#include "svidctl/command_args.h"
#include "svidctl/view_format.h"
#include "svidd/common/status_macros.h"

namespace svidctl {
namespace {

absl::StatusOr<std::optional<svidd::TimePoint>> EvaluationTime(const ViewOptions& o,
                                                               svidd::TimePoint now) {
  if (o.at.empty()) return std::nullopt;
  SVIDD_ASSIGN_OR_RETURN(svidd::TimePoint at, ParseTimeArg("--at", o.at, now));
  return at;
}

void AddAtOption(CLI::App* command, ViewOptions& o) {
  command->add_option("--at", o.at,
                      "Evaluate as of TIME (RFC 3339, or a duration ago: 24h); default now");
}

}  // namespace

void AddIdentitiesCommands(CLI::App& app, ViewOptions& o, CommandContext& context) {
  CLI::App* identities = app.add_subcommand("identities", "SPIFFE IDs svidd has issued to");
  identities->require_subcommand(1);
  identities->fallthrough();
  CLI::App* list = identities->add_subcommand(
      "list",
      "Each SPIFFE ID with its current certificate, when it last renewed, when that expires "
      "and how many certificates it has had: the fleet view");
  list->add_option("--prefix", o.spiffe_id_prefix, "Only SPIFFE IDs starting with this");
  list->add_option("--namespace,-n", o.istio_namespace, "Only spiffe://<td>/ns/<NAMESPACE>/...");
  list->add_option("--kind", o.kind, "Only workload, server or intermediate identities")
      ->check(CLI::IsMember({"workload", "server", "intermediate"}));
  list->add_option("--limit", o.limit, "At most N identities, by SPIFFE ID (0: all)");
  AddAtOption(list, o);
  AddOutputOption(list, o.output, {"table", "json"});
  context.OnRun(list, [&o, &context](Backend& backend) -> absl::Status {
    const svidd::TimePoint now = context.clock.Now();
    SVIDD_ASSIGN_OR_RETURN(std::optional<svidd::TimePoint> at, EvaluationTime(o, now));
    svidd::ledger::IdentityFilter filter;
    if (!o.spiffe_id_prefix.empty()) filter.spiffe_id_prefix = o.spiffe_id_prefix;
    if (!o.istio_namespace.empty()) filter.istio_namespace = o.istio_namespace;
    filter.kind = svidd::ledger::ParseCertKind(o.kind);
    filter.limit = o.limit;
    filter.now = at.value_or(now);
    SVIDD_ASSIGN_OR_RETURN(auto identities, backend.ListIdentities(filter));
    if (o.output == "json") {
      context.out << IdentitiesToJson(identities).dump(2) << "\n";
    } else {
      context.out << IdentitiesTable(identities, filter.now);
    }
    return absl::OkStatus();
  });
}

void AddStatsCommand(CLI::App& app, ViewOptions& o, CommandContext& context) {
  CLI::App* stats = app.add_subcommand(
      "stats",
      "Issuance, renewals, revocations and refusals (by reason) over the last hour and day; "
      "valid certificates now; the CA's certificates and how long they have left");
  AddAtOption(stats, o);
  AddOutputOption(stats, o.output, {"table", "json"});
  context.OnRun(stats, [&o, &context](Backend& backend) -> absl::Status {
    SVIDD_ASSIGN_OR_RETURN(std::optional<svidd::TimePoint> at,
                           EvaluationTime(o, context.clock.Now()));
    SVIDD_ASSIGN_OR_RETURN(svidd::ops::FleetStats stats, backend.Stats(at));
    context.out << (o.output == "json" ? StatsToJson(stats).dump(2) + "\n" : StatsText(stats));
    return absl::OkStatus();
  });
}

void AddAuditCommand(CLI::App& app, ViewOptions& o, CommandContext& context) {
  CLI::App* audit = app.add_subcommand(
      "audit",
      "What should worry an operator: certificates about to expire with no successor, "
      "identities that stopped renewing, the CA or root near expiry, key files readable by "
      "others, weak keys, ledger integrity. Exit 2 if a finding is critical");
  AddAtOption(audit, o);
  AddOutputOption(audit, o.output, {"table", "json"});
  context.OnRun(audit, [&o, &context](Backend& backend) -> absl::Status {
    SVIDD_ASSIGN_OR_RETURN(std::optional<svidd::TimePoint> at,
                           EvaluationTime(o, context.clock.Now()));
    SVIDD_ASSIGN_OR_RETURN(svidd::ops::AuditReport report, backend.Audit(at));
    context.out << (o.output == "json" ? AuditToJson(report).dump(2) + "\n" : AuditText(report));
    if (report.HasCritical()) context.exit_code = kAuditCriticalExitCode;
    return absl::OkStatus();
  });
}

}  // namespace svidctl
