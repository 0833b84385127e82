#include "svidctl/ca_commands.h"

#include <filesystem>

#include "absl/strings/str_cat.h"
#include "svidctl/command_args.h"
#include "svidctl/data_dir_ledger.h"
#include "svidd/common/atomic_file.h"
#include "svidd/common/data_dir.h"
#include "svidd/common/status_macros.h"
#include "svidd/common/time_format.h"
#include "svidd/crypto/keys.h"
#include "svidd/crypto/pem.h"
#include "svidd/crypto/x509_fields.h"
#include "svidd/issuance/record_builder.h"
#include "svidd/pki/ca_csr.h"
#include "svidd/pki/root_ca.h"
#include "svidd/spiffe/spiffe_id.h"

namespace svidctl {
namespace {

namespace fs = std::filesystem;

absl::StatusOr<std::string> ReadNamed(const std::string& flag, const std::string& path) {
  if (path.empty()) return absl::InvalidArgumentError(absl::StrCat("--", flag, " is required"));
  auto text = svidd::ReadFileToString(path);
  if (!text.ok())
    return absl::Status(text.status().code(),
                        absl::StrCat("--", flag, ": ", text.status().message()));
  return text;
}

// The trust domain svidd's current CA is for: its signer's URI SAN spiffe://<td>.
absl::StatusOr<std::string> TrustDomainOf(const X509* cert) {
  for (const std::string& uri : svidd::crypto::UriSans(cert)) {
    auto id = svidd::spiffe::SpiffeId::Parse(uri);
    if (id.ok()) return id->trust_domain();
  }
  return absl::FailedPreconditionError("the CA certificate names no SPIFFE trust domain");
}

absl::Status Record(const std::string& data_dir, const std::string& ledger_uri,
                    const svidd::pki::CaMaterial& ca, const X509* issuer,
                    const std::string& principal, svidd::TimePoint now) {
  SVIDD_ASSIGN_OR_RETURN(std::string td, TrustDomainOf(ca.signing_cert.get()));
  SVIDD_ASSIGN_OR_RETURN(
      svidd::ledger::CertificateRecord record,
      svidd::issuance::BuildCaCertificateRecord(ca, issuer, "spiffe://" + td, principal, now));
  SVIDD_ASSIGN_OR_RETURN(auto ledger,
                         OpenDataDirLedger(data_dir, LedgerAccess::kReadWrite, ledger_uri));
  return ledger->RecordIssuance(std::move(record));
}

// The roots in `pem` plus `more`, each once (by serial).
std::vector<svidd::crypto::X509Ptr> UnionOfRoots(std::vector<svidd::crypto::X509Ptr> roots,
                                                 std::vector<svidd::crypto::X509Ptr> more) {
  for (svidd::crypto::X509Ptr& r : more) {
    bool seen = false;
    for (const svidd::crypto::X509Ptr& have : roots)
      seen = seen || svidd::crypto::SerialHex(have.get()) == svidd::crypto::SerialHex(r.get());
    if (!seen) roots.push_back(std::move(r));
  }
  return roots;
}

}  // namespace

absl::Status RunIssueIntermediate(const std::string& data_dir, const CaOptions& o,
                                  const svidd::Clock& clock, std::ostream& out) {
  if (o.out_dir.empty()) return absl::InvalidArgumentError("--out-dir is required");
  auto root = svidd::pki::LoadRootCaDir(svidd::DataDir(data_dir).own_root());
  if (absl::IsNotFound(root.status())) {
    return absl::FailedPreconditionError(absl::StrCat(
        "no root key in ", svidd::DataDir(data_dir).own_root().string(),
        ": this svidd's CA was supplied from outside (--ca-dir or ca import), so its root lives "
        "elsewhere; mint the intermediate there"));
  }
  if (!root.ok()) return root.status();
  SVIDD_ASSIGN_OR_RETURN(std::chrono::seconds ttl, svidd::ParseDuration(o.ttl));
  SVIDD_ASSIGN_OR_RETURN(svidd::crypto::KeyType key_type, svidd::crypto::ParseKeyType(o.key_type));
  SVIDD_ASSIGN_OR_RETURN(std::string td, TrustDomainOf(root->cert.get()));
  SVIDD_ASSIGN_OR_RETURN(
      std::string bundle_pem,
      svidd::ReadFileToString(svidd::DataDir(data_dir).own_ca() / "root-cert.pem"));
  SVIDD_ASSIGN_OR_RETURN(std::vector<svidd::crypto::X509Ptr> bundle,
                         svidd::crypto::ParseCertificatesPem(bundle_pem));
  std::vector<const X509*> roots;
  for (const svidd::crypto::X509Ptr& r : bundle) roots.push_back(r.get());
  const svidd::TimePoint now = clock.Now();
  svidd::pki::IntermediateSpec spec{td, key_type, ttl, o.name};
  SVIDD_ASSIGN_OR_RETURN(svidd::pki::CaMaterial ca,
                         svidd::pki::IssueIntermediate(*root, spec, roots, now));
  // On record before anyone can use it.
  SVIDD_RETURN_IF_ERROR(Record(data_dir, o.ledger, ca, root->cert.get(),
                               absl::StrCat("svidctl ca issue-intermediate (", LocalUser(), ")"),
                               now));
  SVIDD_RETURN_IF_ERROR(svidd::pki::WriteIstioCaDir(o.out_dir, ca));
  out << "issued intermediate " << svidd::crypto::SerialHex(ca.signing_cert.get()) << " \""
      << o.name << "\" valid until "
      << svidd::FormatRfc3339(svidd::crypto::NotAfter(ca.signing_cert.get()))
      << "\nwrote ca-cert.pem, ca-key.pem (0600), root-cert.pem, cert-chain.pem to " << o.out_dir
      << "\n";
  return absl::OkStatus();
}

absl::Status RunCaCsr(const std::string& data_dir, const CaOptions& o, std::ostream& out) {
  std::string td = o.trust_domain;
  if (td.empty()) {
    auto signer = svidd::ReadFileToString(svidd::DataDir(data_dir).own_ca() / "ca-cert.pem");
    if (!signer.ok()) {
      return absl::FailedPreconditionError(
          "no CA in the data dir to take the trust domain from; pass --trust-domain");
    }
    SVIDD_ASSIGN_OR_RETURN(svidd::crypto::X509Ptr cert,
                           svidd::crypto::ParseCertificatePem(*signer));
    SVIDD_ASSIGN_OR_RETURN(td, TrustDomainOf(cert.get()));
  }
  SVIDD_ASSIGN_OR_RETURN(svidd::crypto::KeyType key_type, svidd::crypto::ParseKeyType(o.key_type));
  SVIDD_ASSIGN_OR_RETURN(svidd::crypto::EvpPkeyPtr key, svidd::crypto::GenerateKey(key_type));
  SVIDD_ASSIGN_OR_RETURN(std::string csr, svidd::pki::MakeIntermediateCsr(key.get(), td, o.name));
  SVIDD_ASSIGN_OR_RETURN(std::string key_pem, svidd::crypto::PrivateKeyToPkcs8Pem(key.get()));
  const fs::path dir =
      o.out_dir.empty() ? svidd::DataDir(data_dir).ca_pending() : fs::path(o.out_dir);
  SVIDD_RETURN_IF_ERROR(svidd::EnsureDirectory(dir, 0700));
  SVIDD_RETURN_IF_ERROR(svidd::WriteFileAtomically(dir / "ca-key.pem", key_pem, 0600));
  SVIDD_RETURN_IF_ERROR(svidd::WriteFileAtomically(dir / "ca-csr.pem", csr, 0644));
  out << "wrote " << (dir / "ca-csr.pem").string() << " (have your root sign it as a CA with "
      << "pathlen 0) and its key " << (dir / "ca-key.pem").string() << " (0600)\nthen: svidctl ca "
      << "import --cert SIGNED.pem --root-cert ROOT.pem [--chain CHAIN.pem]\n";
  return absl::OkStatus();
}

absl::Status RunCaImport(const std::string& data_dir, const CaOptions& o, const svidd::Clock& clock,
                         std::ostream& out) {
  SVIDD_ASSIGN_OR_RETURN(std::string cert_pem, ReadNamed("cert", o.cert));
  SVIDD_ASSIGN_OR_RETURN(std::string root_pem, ReadNamed("root-cert", o.root_cert));
  const std::string key_path =
      o.key.empty() ? (svidd::DataDir(data_dir).ca_pending() / "ca-key.pem").string() : o.key;
  SVIDD_ASSIGN_OR_RETURN(std::string key_pem, ReadNamed("key", key_path));
  svidd::pki::CaMaterial ca;
  SVIDD_ASSIGN_OR_RETURN(ca.signing_cert, svidd::crypto::ParseCertificatePem(cert_pem));
  auto key = svidd::crypto::ParsePrivateKeyPem(key_pem);
  if (!key.ok())
    return absl::InvalidArgumentError(absl::StrCat(key_path, " is not a PEM private key"));
  ca.signing_key = *std::move(key);
  if (!o.chain.empty()) {
    SVIDD_ASSIGN_OR_RETURN(std::string chain_pem, ReadNamed("chain", o.chain));
    SVIDD_ASSIGN_OR_RETURN(ca.intermediates, svidd::crypto::ParseCertificatesPem(chain_pem));
  }
  SVIDD_ASSIGN_OR_RETURN(std::vector<svidd::crypto::X509Ptr> new_roots,
                         svidd::crypto::ParseCertificatesPem(root_pem));
  // Unless told otherwise, the roots workloads trust today stay trusted, so nothing issued
  // under them stops verifying.
  std::vector<svidd::crypto::X509Ptr> current;
  if (!o.replace_roots) {
    auto bundle = svidd::ReadFileToString(svidd::DataDir(data_dir).own_ca() / "root-cert.pem");
    if (bundle.ok()) {
      SVIDD_ASSIGN_OR_RETURN(current, svidd::crypto::ParseCertificatesPem(*bundle));
    }
  }
  const X509* issuer =
      !ca.intermediates.empty() ? ca.intermediates.front().get() : new_roots.front().get();
  svidd::crypto::X509Ptr issuer_ref = svidd::crypto::ShareCertificate(issuer);
  ca.roots = UnionOfRoots(std::move(current), std::move(new_roots));
  const svidd::TimePoint now = clock.Now();
  if (absl::Status valid = svidd::pki::ValidateCaMaterial(ca, now); !valid.ok()) {
    return absl::FailedPreconditionError(absl::StrCat("not imported: ", valid.message()));
  }
  SVIDD_RETURN_IF_ERROR(Record(data_dir, o.ledger, ca, issuer_ref.get(),
                               absl::StrCat("svidctl ca import (", LocalUser(), ")"), now));
  SVIDD_RETURN_IF_ERROR(svidd::pki::WriteIstioCaDir(svidd::DataDir(data_dir).own_ca(), ca));
  fs::remove_all(svidd::DataDir(data_dir).ca_pending());
  out << "imported intermediate " << svidd::crypto::SerialHex(ca.signing_cert.get())
      << " valid until " << svidd::FormatRfc3339(svidd::crypto::NotAfter(ca.signing_cert.get()))
      << " into " << svidd::DataDir(data_dir).own_ca().string() << " with " << ca.roots.size()
      << " root(s); a running svidd switches to it within a second\n";
  return absl::OkStatus();
}

}  // namespace svidctl
