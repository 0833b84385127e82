// Flag wiring for `svidctl ca ...`.
#include "svidctl/ca_commands.h"

namespace svidctl {

void AddCaCommands(CLI::App& app, CaOptions& o, CommandContext& context) {
  CLI::App* ca = app.add_subcommand("ca", "svidd's CAs: upstream for istiod, offline roots");
  ca->require_subcommand(1);
  ca->fallthrough();

  CLI::App* issue = ca->add_subcommand(
      "issue-intermediate",
      "Mint a signing CA under svidd's root in Istio's plug-in layout (istiod's cacerts, or "
      "another svidd's --ca-dir); recorded in the ledger");
  issue
      ->add_option("--out-dir", o.out_dir,
                   "Where to write ca-cert.pem, ca-key.pem, "
                   "root-cert.pem, cert-chain.pem")
      ->required();
  issue->add_option("--name", o.name, "Its common name")->required();
  issue->add_option("--ttl", o.ttl, "Lifetime (never past the root's)")->capture_default_str();
  issue->add_option("--key-type", o.key_type, "ec-p256, ec-p384, rsa-2048, rsa-3072, rsa-4096")
      ->capture_default_str();
  context.OnRunLocal(issue, [&o, &context] {
    CaOptions options = o;
    options.ledger = context.backend.ledger;
    return RunIssueIntermediate(context.backend.data_dir, options, context.clock, context.out);
  });

  CLI::App* csr = ca->add_subcommand(
      "csr", "Make a key and a CSR for svidd's own intermediate, for an offline root to sign");
  csr->add_option("--out-dir", o.out_dir,
                  "Where to write ca-key.pem and ca-csr.pem "
                  "(default <data-dir>/ca-pending)");
  csr->add_option("--name", o.name, "Its common name")->capture_default_str();
  csr->add_option("--key-type", o.key_type, "ec-p256, ec-p384, rsa-2048, ...")
      ->capture_default_str();
  csr->add_option("--trust-domain", o.trust_domain, "Default: the data dir's current CA's");
  context.OnRunLocal(csr,
                     [&o, &context] { return RunCaCsr(context.backend.data_dir, o, context.out); });

  CLI::App* import = ca->add_subcommand(
      "import",
      "Make the signed intermediate svidd's CA (validated first; a running svidd "
      "switches to it by itself)");
  import->add_option("--cert", o.cert, "The signed intermediate certificate (PEM)")->required();
  import->add_option("--root-cert", o.root_cert, "The root(s) it chains to (PEM)")->required();
  import->add_option("--chain", o.chain, "Certificates between it and the root, nearest first");
  import->add_option("--key", o.key, "Its key (default <data-dir>/ca-pending/ca-key.pem)");
  import->add_flag("--replace-roots", o.replace_roots,
                   "Trust only the new root(s); by default today's roots stay in the bundle");
  context.OnRunLocal(import, [&o, &context] {
    CaOptions options = o;
    options.ledger = context.backend.ledger;
    return RunCaImport(context.backend.data_dir, options, context.clock, context.out);
  });
  AddCaServerCommands(ca, o, context);
}

}  // namespace svidctl
