// Flag wiring for `svidctl certs ...`.
#include "svidctl/certs_commands.h"

namespace svidctl {

void AddCertsCommands(CLI::App& app, CertsOptions& o, const svidd::Clock& clock,
                      std::ostream& out, absl::Status* result) {
  CLI::App* certs = app.add_subcommand("certs", "Certificates recorded in the ledger");
  certs->require_subcommand(1);
  certs->fallthrough();

  CLI::App* list = certs->add_subcommand("list", "List issued certificates, newest first");
  list->add_option("--spiffe-id", o.spiffe_id, "Only certificates for this SPIFFE ID");
  list->add_option("--expiring-within", o.expiring_within,
                   "Only unexpired certificates whose not-after falls within DUR (e.g. 24h)");
  list->add_option("--status", o.status, "Only active or revoked certificates")
      ->check(CLI::IsMember({"active", "revoked"}));
  list->add_option("--limit", o.limit, "At most N certificates (0: all)");
  list->add_option("--output,-o", o.list_output, "table or json")
      ->check(CLI::IsMember({"table", "json"}))
      ->capture_default_str();
  list->callback([&o, &clock, &out, result] { *result = RunList(o, clock, out); });

  CLI::App* show = certs->add_subcommand("show", "Show one certificate");
  show->add_option("serial", o.serial, "Serial in hex (5a3f09, 5A:3F:09, 0x5a3f09)")
      ->required();
  show->add_option("--output,-o", o.show_output, "text, json or pem")
      ->check(CLI::IsMember({"text", "json", "pem"}))
      ->capture_default_str();
  show->callback([&o, &clock, &out, result] { *result = RunShow(o, clock, out); });

  CLI::App* revoke = certs->add_subcommand("revoke", "Mark a certificate revoked");
  revoke->add_option("serial", o.serial, "Serial in hex (5a3f09, 5A:3F:09, 0x5a3f09)")
      ->required();
  revoke->add_option("--reason", o.reason, "Why, for the record");
  revoke->callback([&o, &clock, &out, result] { *result = RunRevoke(o, clock, out); });
}

}  // namespace svidctl
