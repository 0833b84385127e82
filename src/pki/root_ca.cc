// Loading and storing svidd's own root (root_ca.h). MakeRootCa and IssueIntermediate live
// in ca_bootstrap.cc with the rest of CA certificate building.
#include "svidd/pki/root_ca.h"

#include "absl/strings/str_cat.h"
#include "svidd/common/atomic_file.h"
#include "svidd/common/status_macros.h"
#include "svidd/crypto/keys.h"
#include "svidd/crypto/pem.h"
#include "svidd/crypto/x509_fields.h"

namespace svidd::pki {
namespace {

constexpr char kRootCertFile[] = "root-cert.pem";
constexpr char kRootKeyFile[] = "root-key.pem";

absl::Status Refuse(const std::filesystem::path& dir, const char* file, absl::string_view why) {
  return absl::FailedPreconditionError(absl::StrCat((dir / file).string(), ": ", why));
}

}  // namespace

absl::StatusOr<RootCa> LoadRootCaDir(const std::filesystem::path& dir) {
  absl::StatusOr<std::string> cert_pem = ReadFileToString(dir / kRootCertFile);
  if (absl::IsNotFound(cert_pem.status())) {
    return absl::NotFoundError(absl::StrCat("no ", kRootCertFile, " in ", dir.string()));
  }
  if (!cert_pem.ok()) return cert_pem.status();
  absl::StatusOr<crypto::X509Ptr> cert = crypto::ParseCertificatePem(*cert_pem);
  if (!cert.ok()) return Refuse(dir, kRootCertFile, cert.status().message());
  if (!crypto::IsCaCertificate(cert->get()) || !crypto::IsSelfSigned(cert->get())) {
    return Refuse(dir, kRootCertFile, "not a self-signed CA certificate");
  }
  SVIDD_ASSIGN_OR_RETURN(std::string key_pem, ReadFileToString(dir / kRootKeyFile));
  absl::StatusOr<crypto::EvpPkeyPtr> key = crypto::ParsePrivateKeyPem(key_pem);
  // Nothing derived from key bytes is reported.
  if (!key.ok()) return Refuse(dir, kRootKeyFile, "not an unencrypted PEM private key");
  if (!crypto::KeyMatchesCertificate(key->get(), cert->get())) {
    return Refuse(dir, kRootKeyFile, absl::StrCat("does not match ", kRootCertFile));
  }
  return RootCa{*std::move(cert), *std::move(key)};
}

absl::Status WriteRootCaDir(const std::filesystem::path& dir, const RootCa& root) {
  SVIDD_ASSIGN_OR_RETURN(std::string key_pem, crypto::PrivateKeyToPkcs8Pem(root.key.get()));
  SVIDD_ASSIGN_OR_RETURN(std::string cert_pem, crypto::CertificateToPem(root.cert.get()));
  SVIDD_RETURN_IF_ERROR(EnsureDirectory(dir, 0700));
  SVIDD_RETURN_IF_ERROR(WriteFileAtomically(dir / kRootKeyFile, key_pem, 0600));
  return WriteFileAtomically(dir / kRootCertFile, cert_pem, 0644);
}

}  // namespace svidd::pki
