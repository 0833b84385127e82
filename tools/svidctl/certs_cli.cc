// Flag wiring for `svidctl certs ...`.
#include "svidctl/certs_commands.h"

namespace svidctl {

void AddCertsCommands(CLI::App& app, CertsOptions& o, CommandContext& context) {
  CLI::App* certs = app.add_subcommand("certs", "Certificates recorded in the ledger");
  certs->require_subcommand(1);
  certs->fallthrough();

  CLI::App* list = certs->add_subcommand(
      "list", "List issued certificates (newest first), filtered, sorted and paged");
  list->add_option("--spiffe-id", o.spiffe_id, "Only this SPIFFE ID (exact)");
  list->add_option("--prefix", o.spiffe_id_prefix,
                   "Only SPIFFE IDs starting with this (e.g. spiffe://cluster.local/ns/shop/)");
  list->add_option("--namespace,-n", o.istio_namespace, "Only spiffe://<td>/ns/<NAMESPACE>/...");
  list->add_option("--serial", o.serial, "Only this serial (any spelling)");
  list->add_option("--issuer", o.issuer, "Only certificates signed by this CA serial");
  list->add_option("--key-type", o.key_type, "Only this key type (EC-P256, RSA-2048, ...)");
  list->add_option("--kind", o.kind, "Only workload, server or intermediate certificates")
      ->check(CLI::IsMember({"workload", "server", "intermediate"}));
  list->add_option("--status", o.status,
                   "active, revoked, valid (active and within validity now) or expired")
      ->check(CLI::IsMember({"active", "revoked", "valid", "expired"}));
  list->add_option("--issued-since", o.issued_since,
                   "Issued at or after TIME (RFC 3339, or a duration ago: 24h)");
  list->add_option("--issued-until", o.issued_until, "Issued before TIME (same forms)");
  list->add_option("--expiring-within", o.expiring_within,
                   "Only unexpired certificates whose not-after falls within DUR (e.g. 24h)");
  list->add_option("--at", o.at,
                   "Judge valid, expired, --expiring-within and durations ago as of TIME "
                   "(RFC 3339, or a duration ago); default now");
  list->add_option("--sort", o.sort, "issued_at, not_after or spiffe_id")
      ->check(CLI::IsMember({"issued_at", "not_after", "spiffe_id"}))
      ->capture_default_str();
  list->add_flag("--asc", o.ascending, "Ascending (default: descending)");
  list->add_option("--limit", o.limit, "At most N certificates (0: all)");
  list->add_option("--offset", o.offset, "Skip the first N matches");
  list->add_option("--page-token", o.page_token, "Continue where the previous page ended");
  AddOutputOption(list, o.list_output, {"table", "json"});
  context.OnRun(list, [&o, &context](Backend& backend) {
    return RunList(o, backend, context.clock.Now(), context.out, context.err);
  });

  CLI::App* show = certs->add_subcommand("show", "Show one certificate, with its PEM");
  show->add_option("serial", o.show_serial, "Serial in hex (5a3f09, 5A:3F:09, 0x5a3f09)")
      ->required();
  AddOutputOption(show, o.show_output, {"text", "json", "pem"});
  context.OnRun(show, [&o, &context](Backend& backend) {
    return RunShow(o, backend, context.clock.Now(), context.out);
  });

  CLI::App* revoke = certs->add_subcommand(
      "revoke",
      "Revoke one certificate, every certificate of an identity, or everything one CA "
      "certificate signed; the CRL is re-published and connected workloads are re-issued");
  revoke->add_option("serial", o.revoke_serial, "Serial in hex (5a3f09, 5A:3F:09, 0x5a3f09)");
  revoke->add_option("--spiffe-id", o.revoke_spiffe_id,
                     "Revoke every active certificate of this SPIFFE ID");
  revoke->add_option("--issuer", o.revoke_issuer,
                     "Revoke every active certificate this CA serial signed");
  revoke->add_option("--reason", o.reason, "Why, for the record");
  AddOutputOption(revoke, o.revoke_output, {"text", "json"});
  context.OnRun(revoke, [&o, &context](Backend& backend) {
    return RunRevoke(o, backend, context.clock.Now(), context.out);
  });
}

}  // namespace svidctl
