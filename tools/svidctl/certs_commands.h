// `svidctl certs list|show|revoke`: the ledger's certificates, from the data directory or
// from a running svidd, printed the same way either way.
#pragma once

#include <cstddef>
#include <string>

#include "CLI/CLI.hpp"
#include "absl/status/statusor.h"
#include "svidctl/command_context.h"
#include "svidd/ledger/certificate_filter.h"

namespace svidctl {

struct CertsOptions {
  // list; an empty string means the filter is not set
  std::string spiffe_id;
  std::string spiffe_id_prefix;
  std::string istio_namespace;
  std::string serial;
  std::string issuer;
  std::string key_type;
  std::string kind;
  std::string status;  // active, revoked, valid (active and within validity), expired
  std::string issued_since;
  std::string issued_until;
  std::string expiring_within;
  std::string at;  // the "now" of status, expiring-within and durations ago; default now
  std::string sort = "issued_at";
  bool ascending = false;
  size_t limit = 0;
  size_t offset = 0;
  std::string page_token;
  std::string list_output;
  // show
  std::string show_serial;
  std::string show_output;
  // revoke: exactly one of the three
  std::string revoke_serial;
  std::string revoke_spiffe_id;
  std::string revoke_issuer;
  std::string reason;
  std::string revoke_output;
};

void AddCertsCommands(CLI::App& app, CertsOptions& options, CommandContext& context);

// The list flags as a ledger filter, times relative to `now` (RunList passes --at's time
// when it is given). INVALID_ARGUMENT naming the flag.
absl::StatusOr<svidd::ledger::CertificateFilter> BuildCertificateFilter(const CertsOptions& options,
                                                                        svidd::TimePoint now);

// The list to `out`; "N of TOTAL shown; next page: --page-token T" to `err` when cut short.
absl::Status RunList(const CertsOptions& options, Backend& backend, svidd::TimePoint now,
                     std::ostream& out, std::ostream& err);
absl::Status RunShow(const CertsOptions& options, Backend& backend, svidd::TimePoint now,
                     std::ostream& out);
absl::Status RunRevoke(const CertsOptions& options, Backend& backend, svidd::TimePoint now,
                       std::ostream& out);

}  // namespace svidctl
