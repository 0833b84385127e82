// PEM and DER encoding of certificates, requests, keys and CRLs.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "svidd/crypto/ssl_ptr.h"

namespace svidd::crypto {

// All certificates in a PEM blob, in order. INVALID_ARGUMENT if there is none or any
// block fails to parse.
absl::StatusOr<std::vector<X509Ptr>> ParseCertificatesPem(std::string_view pem);
// Exactly one certificate.
absl::StatusOr<X509Ptr> ParseCertificatePem(std::string_view pem);
absl::StatusOr<X509Ptr> ParseCertificateDer(std::string_view der);
// A PKCS#10 request ("CERTIFICATE REQUEST" or "NEW CERTIFICATE REQUEST").
absl::StatusOr<X509ReqPtr> ParseCsrPem(std::string_view pem);
// The DER inside a PEM input holding exactly one request block (no parsing of the DER).
absl::StatusOr<std::string> CsrPemToDer(std::string_view pem);
// PKCS#8, traditional RSA or EC private key, unencrypted.
absl::StatusOr<EvpPkeyPtr> ParsePrivateKeyPem(std::string_view pem);

absl::StatusOr<std::string> CertificateToPem(const X509* cert);
absl::StatusOr<std::string> CertificateToDer(const X509* cert);
// The PEM block PEM_write_bio_X509 would write for a certificate's DER, without parsing it.
std::string CertificateDerToPem(std::string_view der);
absl::StatusOr<std::string> CsrToPem(const X509_REQ* csr);
absl::StatusOr<std::string> PrivateKeyToPkcs8Pem(const EVP_PKEY* key);
absl::StatusOr<std::string> PrivateKeyToPkcs8Der(const EVP_PKEY* key);
// SubjectPublicKeyInfo DER of a public (or private) key.
absl::StatusOr<std::string> PublicKeyToDer(const EVP_PKEY* key);

// Concatenated PEM of several certificates, each ending in "\n".
absl::StatusOr<std::string> CertificatesToPem(const std::vector<const X509*>& certs);

// Certificate revocation lists ("X509 CRL" PEM blocks). Parsing is as strict as for
// certificates: only CRL blocks, each DER body consumed completely.
absl::StatusOr<std::vector<X509CrlPtr>> ParseCrlsPem(std::string_view pem);
absl::StatusOr<X509CrlPtr> ParseCrlDer(std::string_view der);
absl::StatusOr<std::string> CrlToPem(const X509_CRL* crl);
absl::StatusOr<std::string> CrlToDer(const X509_CRL* crl);

// Another owning reference to the same certificate (X509_up_ref).
X509Ptr ShareCertificate(const X509* cert);

}  // namespace svidd::crypto
