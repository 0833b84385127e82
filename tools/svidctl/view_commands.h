// `svidctl identities list`, `stats`, `audit` and `bundle`: the fleet at a glance, from the
// data directory or a running svidd.
#pragma once

#include <string>

#include "CLI/CLI.hpp"
#include "svidctl/command_context.h"

namespace svidctl {

struct ViewOptions {
  // identities list
  std::string spiffe_id_prefix;
  std::string istio_namespace;
  std::string kind;
  size_t limit = 0;
  // identities, stats, audit: evaluate as of this time (RFC 3339 or a duration ago)
  std::string at;
  std::string output;
  // bundle
  std::string format;
  std::string configmap_namespace;
};

// `audit` exits 2 when a finding is critical (1 is for errors), so cron and CI can gate on it.
inline constexpr int kAuditCriticalExitCode = 2;

void AddIdentitiesCommands(CLI::App& app, ViewOptions& options, CommandContext& context);
void AddStatsCommand(CLI::App& app, ViewOptions& options, CommandContext& context);
void AddAuditCommand(CLI::App& app, ViewOptions& options, CommandContext& context);
void AddBundleCommand(CLI::App& app, ViewOptions& options, CommandContext& context);

}  // namespace svidctl
