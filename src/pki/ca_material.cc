// Validating, loading and writing CA material in Istio's plug-in layout.
#include "svidd/pki/ca_material.h"

#include <openssl/x509v3.h>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "pki/chain_verifier.h"
#include "svidd/common/atomic_file.h"
#include "svidd/common/status_macros.h"
#include "svidd/common/time_format.h"
#include "svidd/crypto/pem.h"
#include "svidd/crypto/x509_fields.h"

namespace svidd::pki {
namespace {

constexpr char kCertFile[] = "ca-cert.pem";
constexpr char kKeyFile[] = "ca-key.pem";
constexpr char kRootFile[] = "root-cert.pem";
constexpr char kChainFile[] = "cert-chain.pem";

absl::Status Refuse(const std::string& file, const std::string& problem) {
  return absl::FailedPreconditionError(absl::StrCat(file, ": ", problem));
}

bool SameCertificate(const X509* a, const X509* b) { return X509_cmp(a, b) == 0; }

bool IsOneOf(const X509* cert, const std::vector<crypto::X509Ptr>& certs) {
  for (const crypto::X509Ptr& c : certs) {
    if (SameCertificate(cert, c.get())) return true;
  }
  return false;
}

absl::Status CheckSignerIsCa(const X509* signer) {
  X509* cert = const_cast<X509*>(signer);  // OpenSSL caches parsed extensions in the object
  if (!crypto::IsCaCertificate(signer)) {
    return Refuse(kCertFile, "signing certificate is not a CA (basicConstraints cA is not true)");
  }
  if ((X509_get_extension_flags(cert) & EXFLAG_KUSAGE) == 0 ||
      (X509_get_key_usage(cert) & KU_KEY_CERT_SIGN) == 0) {
    return Refuse(kCertFile, "signing certificate lacks keyUsage keyCertSign");
  }
  return absl::OkStatus();
}

absl::Status CheckSignerValidity(const X509* signer, TimePoint now) {
  if (now < crypto::NotBefore(signer)) {
    return Refuse(kCertFile, absl::StrCat("signing certificate is not valid before ",
                                          FormatRfc3339(crypto::NotBefore(signer))));
  }
  if (now >= crypto::NotAfter(signer)) {
    return Refuse(kCertFile, absl::StrCat("signing certificate expired at ",
                                          FormatRfc3339(crypto::NotAfter(signer))));
  }
  return absl::OkStatus();
}

absl::Status CheckChain(const CaMaterial& ca, TimePoint now) {
  internal::ChainCheck check;
  check.leaf = ca.signing_cert.get();
  for (const crypto::X509Ptr& cert : ca.intermediates) check.untrusted.push_back(cert.get());
  check.roots = &ca.roots;
  check.at = now;
  return internal::VerifyChain(check, absl::StatusCode::kFailedPrecondition,
                               absl::StrCat(kCertFile, ": does not verify to a root in ", kRootFile,
                                            " (with ", kChainFile, ")"));
}

}  // namespace

absl::Status ValidateCaMaterial(const CaMaterial& ca, TimePoint now) {
  if (ca.signing_cert == nullptr) return Refuse(kCertFile, "no signing certificate");
  if (ca.signing_key == nullptr) return Refuse(kKeyFile, "no private key");
  if (ca.roots.empty()) return Refuse(kRootFile, "no root certificates");
  SVIDD_RETURN_IF_ERROR(CheckSignerIsCa(ca.signing_cert.get()));
  if (!crypto::KeyMatchesCertificate(ca.signing_key.get(), ca.signing_cert.get())) {
    crypto::ClearOpenSslErrors();
    return Refuse(kKeyFile,
                  absl::StrCat("private key does not match the certificate in ", kCertFile));
  }
  SVIDD_RETURN_IF_ERROR(CheckSignerValidity(ca.signing_cert.get(), now));
  return CheckChain(ca, now);
}

namespace {

// The file's content; "" for an absent optional file. Required files must exist and hold
// something besides whitespace.
absl::StatusOr<std::string> ReadCaFile(const std::filesystem::path& dir, const char* name,
                                       bool required) {
  absl::StatusOr<std::string> content = ReadFileToString(dir / name);
  if (absl::IsNotFound(content.status())) {
    if (required) return Refuse(name, absl::StrCat("missing in ", dir.string()));
    return std::string();
  }
  if (!content.ok()) return Refuse(name, std::string(content.status().message()));
  if (absl::StripAsciiWhitespace(*content).empty()) {
    if (required) return Refuse(name, "empty");
    return std::string();
  }
  return content;
}

absl::StatusOr<std::vector<crypto::X509Ptr>> ParseCaCertificates(const char* name,
                                                                 const std::string& pem) {
  absl::StatusOr<std::vector<crypto::X509Ptr>> certs = crypto::ParseCertificatesPem(pem);
  if (!certs.ok()) {
    return Refuse(name, absl::StrCat("not PEM certificates: ", certs.status().message()));
  }
  return certs;
}

absl::StatusOr<crypto::X509Ptr> LoadSigner(const std::filesystem::path& dir) {
  absl::StatusOr<std::string> pem = ReadFileToString(dir / kCertFile);
  if (absl::IsNotFound(pem.status())) {
    return absl::NotFoundError(absl::StrCat("no ", kCertFile, " in ", dir.string()));
  }
  if (!pem.ok()) return Refuse(kCertFile, std::string(pem.status().message()));
  if (absl::StripAsciiWhitespace(*pem).empty()) return Refuse(kCertFile, "empty");
  SVIDD_ASSIGN_OR_RETURN(std::vector<crypto::X509Ptr> certs, ParseCaCertificates(kCertFile, *pem));
  if (certs.size() != 1) {
    return Refuse(kCertFile, absl::StrCat("holds ", certs.size(),
                                          " certificates; expected only the signing certificate"));
  }
  return std::move(certs.front());
}

absl::StatusOr<crypto::EvpPkeyPtr> LoadKey(const std::filesystem::path& dir) {
  SVIDD_ASSIGN_OR_RETURN(std::string pem, ReadCaFile(dir, kKeyFile, true));
  absl::StatusOr<crypto::EvpPkeyPtr> key = crypto::ParsePrivateKeyPem(pem);
  // The parser's message is left out on purpose: nothing derived from key bytes is reported.
  if (!key.ok()) return Refuse(kKeyFile, "not an unencrypted PEM private key");
  return key;
}

// cert-chain.pem runs from the signer up to a root; what lies strictly between them.
std::vector<crypto::X509Ptr> BetweenSignerAndRoots(std::vector<crypto::X509Ptr> chain,
                                                   const X509* signer,
                                                   const std::vector<crypto::X509Ptr>& roots) {
  std::vector<crypto::X509Ptr> between;
  for (crypto::X509Ptr& cert : chain) {
    if (SameCertificate(cert.get(), signer) || IsOneOf(cert.get(), roots) ||
        crypto::IsSelfSigned(cert.get())) {
      continue;
    }
    between.push_back(std::move(cert));
  }
  return between;
}

// Signer, intermediates and the root that issued the last of them; "" if the signer is a root.
absl::StatusOr<std::string> CertChainPem(const CaMaterial& ca) {
  if (IsOneOf(ca.signing_cert.get(), ca.roots)) return std::string();
  std::vector<const X509*> chain = {ca.signing_cert.get()};
  for (const crypto::X509Ptr& cert : ca.intermediates) chain.push_back(cert.get());
  X509* top = const_cast<X509*>(chain.back());
  for (const crypto::X509Ptr& root : ca.roots) {
    if (X509_check_issued(root.get(), top) == X509_V_OK) {
      chain.push_back(root.get());
      return crypto::CertificatesToPem(chain);
    }
  }
  crypto::ClearOpenSslErrors();
  return Refuse(kRootFile, "no root issued the top of the signing chain");
}

}  // namespace

absl::StatusOr<CaMaterial> ReadIstioCaCertificates(const std::filesystem::path& dir) {
  CaMaterial ca;
  SVIDD_ASSIGN_OR_RETURN(ca.signing_cert, LoadSigner(dir));
  SVIDD_ASSIGN_OR_RETURN(std::string roots_pem, ReadCaFile(dir, kRootFile, true));
  SVIDD_ASSIGN_OR_RETURN(ca.roots, ParseCaCertificates(kRootFile, roots_pem));
  SVIDD_ASSIGN_OR_RETURN(std::string chain_pem, ReadCaFile(dir, kChainFile, false));
  if (!chain_pem.empty()) {
    SVIDD_ASSIGN_OR_RETURN(std::vector<crypto::X509Ptr> chain,
                           ParseCaCertificates(kChainFile, chain_pem));
    ca.intermediates = BetweenSignerAndRoots(std::move(chain), ca.signing_cert.get(), ca.roots);
  }
  return ca;
}

absl::StatusOr<CaMaterial> LoadIstioCaDir(const std::filesystem::path& dir, TimePoint now) {
  SVIDD_ASSIGN_OR_RETURN(CaMaterial ca, ReadIstioCaCertificates(dir));
  SVIDD_ASSIGN_OR_RETURN(ca.signing_key, LoadKey(dir));
  SVIDD_RETURN_IF_ERROR(ValidateCaMaterial(ca, now));
  return ca;
}

absl::Status WriteIstioCaDir(const std::filesystem::path& dir, const CaMaterial& ca) {
  if (ca.signing_cert == nullptr || ca.signing_key == nullptr || ca.roots.empty()) {
    return absl::FailedPreconditionError("incomplete CA material; nothing written");
  }
  SVIDD_ASSIGN_OR_RETURN(std::string key_pem, crypto::PrivateKeyToPkcs8Pem(ca.signing_key.get()));
  SVIDD_ASSIGN_OR_RETURN(std::string cert_pem, crypto::CertificateToPem(ca.signing_cert.get()));
  std::vector<const X509*> roots;
  for (const crypto::X509Ptr& root : ca.roots) roots.push_back(root.get());
  SVIDD_ASSIGN_OR_RETURN(std::string roots_pem, crypto::CertificatesToPem(roots));
  SVIDD_ASSIGN_OR_RETURN(std::string chain_pem, CertChainPem(ca));

  SVIDD_RETURN_IF_ERROR(EnsureDirectory(dir, 0700));
  // ca-cert.pem goes last: until it exists the directory reads as "no CA" (NOT_FOUND).
  SVIDD_RETURN_IF_ERROR(WriteFileAtomically(dir / kKeyFile, key_pem, 0600));
  SVIDD_RETURN_IF_ERROR(WriteFileAtomically(dir / kRootFile, roots_pem, 0644));
  SVIDD_RETURN_IF_ERROR(WriteFileAtomically(dir / kChainFile, chain_pem, 0644));
  return WriteFileAtomically(dir / kCertFile, cert_pem, 0644);
}

absl::StatusOr<CaMaterial> LoadOrBootstrapCa(const std::filesystem::path& dir,
                                             const CaBootstrapOptions& options, TimePoint now) {
  absl::StatusOr<CaMaterial> loaded = LoadIstioCaDir(dir, now);
  if (loaded.ok() || !absl::IsNotFound(loaded.status())) return loaded;
  SVIDD_ASSIGN_OR_RETURN(CaMaterial ca, BootstrapCa(options, now));
  SVIDD_RETURN_IF_ERROR(WriteIstioCaDir(dir, ca));
  return ca;
}

}  // namespace svidd::pki
