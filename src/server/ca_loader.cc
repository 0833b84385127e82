#include "server/ca_loader.h"

#include "spdlog/spdlog.h"
#include "svidd/common/status_macros.h"
#include "svidd/common/time_format.h"
#include "svidd/crypto/keys.h"
#include "svidd/crypto/pem.h"
#include "svidd/crypto/x509_fields.h"

namespace svidd {
namespace {

absl::Status Prefixed(const std::string& prefix, const absl::Status& status) {
  return absl::Status(status.code(), prefix + std::string(status.message()));
}

// The self-made intermediate is a certificate svidd issued, so it goes in the ledger too.
absl::StatusOr<CertificateRecord> IntermediateRecord(const CaMaterial& ca,
                                                     const std::string& trust_domain,
                                                     TimePoint now) {
  const X509* cert = ca.signing_cert.get();
  const X509* root = ca.roots.front().get();
  CertificateRecord record;
  record.serial_hex = SerialHex(cert);
  record.spiffe_id = "spiffe://" + trust_domain;
  record.kind = CertKind::kIntermediate;
  record.issued_at = now;
  record.not_before = NotBefore(cert);
  record.not_after = NotAfter(cert);
  record.issuer_serial_hex = SerialHex(root);
  record.issuer_subject = SubjectString(root);
  SVIDD_ASSIGN_OR_RETURN(record.public_key_sha256, PublicKeySha256Hex(ca.signing_key.get()));
  SVIDD_ASSIGN_OR_RETURN(KeyDescription key, DescribeKey(ca.signing_key.get()));
  record.key_type = key.Label();
  record.auth_method = "self";
  record.auth_principal = "svidd bootstrap";
  SVIDD_ASSIGN_OR_RETURN(record.certificate_pem, CertificateToPem(cert));
  return record;
}

absl::StatusOr<CaMaterial> BootstrapAndRecord(const ServerOptions& options, Ledger& ledger,
                                              TimePoint now) {
  CaBootstrapOptions bootstrap;
  bootstrap.trust_domain = options.trust_domain;
  bootstrap.key_type = options.ca_key_type;
  SVIDD_ASSIGN_OR_RETURN(CaMaterial ca, BootstrapCa(bootstrap, now));
  SVIDD_ASSIGN_OR_RETURN(CertificateRecord record,
                         IntermediateRecord(ca, options.trust_domain, now));
  SVIDD_RETURN_IF_ERROR(ledger.RecordIssuance(std::move(record)));
  SVIDD_RETURN_IF_ERROR(WriteIstioCaDir(options.EffectiveCaDir(), ca));
  spdlog::info("created a new root and intermediate CA ({}) in {}", KeyTypeName(options.ca_key_type),
               options.EffectiveCaDir().string());
  return ca;
}

}  // namespace

absl::StatusOr<std::shared_ptr<const Authority>> LoadServerAuthority(const ServerOptions& options,
                                                                     Ledger& ledger,
                                                                     TimePoint now) {
  const std::filesystem::path dir = options.EffectiveCaDir();
  auto loaded = LoadIstioCaDir(dir, now);
  if (!loaded.ok() && (!options.ca_dir.empty() || !absl::IsNotFound(loaded.status()))) {
    return Prefixed("CA in " + dir.string() + " is not usable: ", loaded.status());
  }
  CaMaterial material;
  if (loaded.ok()) {
    material = std::move(*loaded);
    spdlog::info("loaded CA from {}: signer {} valid until {}", dir.string(),
                 SerialHex(material.signing_cert.get()),
                 FormatRfc3339(NotAfter(material.signing_cert.get())));
  } else {
    SVIDD_ASSIGN_OR_RETURN(material, BootstrapAndRecord(options, ledger, now));
  }
  return Authority::Create(std::move(material), AuthorityOptions{options.crl_url});
}

}  // namespace svidd
