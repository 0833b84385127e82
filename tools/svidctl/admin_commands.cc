#include "svidctl/admin_commands.h"

#include <filesystem>

#include "absl/strings/str_cat.h"
#include "nlohmann/json.hpp"
#include "svidctl/command_args.h"
#include "svidctl/data_dir_ledger.h"
#include "svidd/common/status_macros.h"
#include "svidd/common/time_format.h"
#include "svidd/issuance/admin_credential.h"
#include "svidd/pki/authority.h"
#include "svidd/pki/ca_material.h"

namespace svidctl {
namespace {

namespace fs = std::filesystem;

std::string Principal() { return absl::StrCat("svidctl admin issue (", LocalUser(), ")"); }

}  // namespace

absl::Status RunAdminIssue(const AdminOptions& o, const BackendOptions& where,
                           const svidd::Clock& clock, std::ostream& out) {
  SVIDD_ASSIGN_OR_RETURN(std::chrono::seconds ttl, ParsePositiveDuration("--ttl", o.ttl));
  const svidd::TimePoint now = clock.Now();
  absl::StatusOr<svidd::pki::CaMaterial> material =
      svidd::pki::LoadIstioCaDir(where.EffectiveCaDir(), now);
  if (!material.ok()) {
    return absl::Status(material.status().code(), absl::StrCat("the CA in ", where.EffectiveCaDir(),
                                                               ": ", material.status().message()));
  }
  SVIDD_ASSIGN_OR_RETURN(std::shared_ptr<const svidd::pki::Authority> authority,
                         svidd::pki::Authority::Create(*std::move(material)));
  // An admin credential is recorded like any certificate, in svidd's own ledger.
  SVIDD_ASSIGN_OR_RETURN(std::unique_ptr<svidd::ledger::Ledger> ledger,
                         OpenDataDirLedger(where.data_dir, LedgerAccess::kReadWrite, where.ledger));

  svidd::issuance::AdminCredentialRequest request{o.id, ttl, Principal()};
  SVIDD_ASSIGN_OR_RETURN(svidd::issuance::AdminCredential credential,
                         svidd::issuance::IssueAdminCredential(*authority, *ledger, request, now));
  SVIDD_RETURN_IF_ERROR(svidd::issuance::WriteAdminCredential(credential, o.out_dir));

  const fs::path dir = o.out_dir;
  const std::string chain = (dir / "cert-chain.pem").string(), key = (dir / "key.pem").string(),
                    root = (dir / "root-cert.pem").string();
  if (o.output == "json") {
    nlohmann::ordered_json j;
    j["serial"] = credential.record.serial_hex;
    j["spiffe_id"] = credential.record.spiffe_id;
    j["not_after"] = svidd::FormatRfc3339(credential.record.not_after);
    j["cert"] = chain;
    j["key"] = key;
    j["root_cert"] = root;
    out << j.dump(2) << "\n";
    return absl::OkStatus();
  }
  out << "issued admin credential " << credential.record.serial_hex << " for "
      << credential.record.spiffe_id << ", valid until "
      << svidd::FormatRfc3339(credential.record.not_after) << " ("
      << svidd::FormatRelative(credential.record.not_after, now) << ")\n"
      << "  " << chain << "\n  " << key << " (0600)\n  " << root << "\n"
      << "svidd accepts it when started with --admin-id " << credential.record.spiffe_id
      << "; then, e.g.:\n"
      << "  svidctl --server 127.0.0.1:15012 --cert " << chain << " --key " << key
      << " --root-cert " << root << " certs list\n";
  return absl::OkStatus();
}

void AddAdminCommands(CLI::App& app, AdminOptions& o, CommandContext& context) {
  CLI::App* admin = app.add_subcommand("admin", "Operators' own credentials");
  admin->require_subcommand(1);
  admin->fallthrough();
  CLI::App* issue = admin->add_subcommand(
      "issue",
      "Issue an admin client certificate from the data directory's CA (recorded in the "
      "ledger) and write cert-chain.pem, key.pem (0600) and root-cert.pem; list its ID in "
      "svidd's --admin-id");
  issue->add_option("--id", o.id, "Its SPIFFE ID, e.g. spiffe://cluster.local/admin/alice")
      ->required();
  issue->add_option("--out-dir", o.out_dir, "Where to write the files (created 0700)")->required();
  issue->add_option("--ttl", o.ttl, "Lifetime (never past the CA's)")->capture_default_str();
  AddOutputOption(issue, o.output, {"text", "json"});
  context.OnRunLocal(issue, [&o, &context] {
    return RunAdminIssue(o, context.backend, context.clock, context.out);
  });
}

}  // namespace svidctl
