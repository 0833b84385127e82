// Building blocks shared by the CA bootstrap and the CRL builder (and the leaf encoder's
// per-authority template): the mechanics of putting serials, validity, names and extensions
// into an X509 (or X509_CRL) and signing it. No policy here. Leaves are not built with these:
// see leaf_encoder.h.
#pragma once

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "svidd/common/clock.h"
#include "svidd/crypto/ssl_ptr.h"

namespace svidd::pki::internal {

// A new, empty X509v3 certificate.
absl::StatusOr<crypto::X509Ptr> NewCertificate();

// `serial` is big-endian unsigned bytes (RandomSerial()).
absl::Status SetSerial(X509* cert, const std::string& serial);
// Whole seconds; the fractional part is dropped.
absl::Status SetValidity(X509* cert, TimePoint not_before, TimePoint not_after);
// O=<organization>, CN=<common_name>.
absl::StatusOr<crypto::X509NamePtr> MakeName(const std::string& organization,
                                             const std::string& common_name);
// Certifies `key` (only the public half is used). OpenSSL's API is not const-correct; the
// key is only up-referenced.
absl::Status SetPublicKey(X509* cert, const EVP_PKEY* key);

// An extension from OpenSSL's config syntax, e.g. (NID_key_usage, "critical,keyCertSign").
// Values are fixed strings from our code, never caller input.
absl::Status AddConfExtension(X509* cert, int nid, const char* value);
// subjectAltName with `uris` and `dns_names`, in that order.
absl::Status AddSubjectAltName(X509* cert, const std::vector<std::string>& uris,
                               const std::vector<std::string>& dns_names, bool critical);
// subjectKeyIdentifier: SHA-1 of the certified public key (RFC 5280 method 1).
absl::Status AddSubjectKeyId(X509* cert);
// authorityKeyIdentifier keyid = the issuer's subjectKeyIdentifier, or its key hash if the
// issuer has none. `issuer` may be `cert` itself (self-signed).
absl::Status AddAuthorityKeyId(X509* cert, const X509* issuer);
// The keyid-only authorityKeyIdentifier value for objects signed by `issuer`;
// `under_construction` when `issuer` is still being built (its SKI is not parsed yet).
absl::StatusOr<crypto::AuthorityKeyIdPtr> MakeAuthorityKeyId(const X509* issuer,
                                                             bool under_construction = false);
// The value of a cRLDistributionPoints extension with one distribution point whose fullName
// is the URI `url`.
absl::StatusOr<crypto::CrlDistPointsPtr> MakeCrlDistributionPoints(const std::string& url);

// Signs with SHA-256 (RSA, EC P-256), SHA-384 (EC P-384), SHA-512 (larger EC) or no
// separate digest (Ed25519/Ed448).
absl::Status SignCertificate(X509* cert, EVP_PKEY* key);
// The same digest choice for a CRL.
absl::Status SignCrl(X509_CRL* crl, EVP_PKEY* key);

}  // namespace svidd::pki::internal
