// Owning smart pointers for OpenSSL objects and the error-queue → absl::Status bridge.
// Every OpenSSL object lives in one of these; raw pointers only borrow.
#pragma once

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <memory>
#include <string_view>

#include "absl/status/status.h"

namespace svidd::crypto {

namespace internal {
template <typename T, void (*Free)(T*)>
struct SslDeleter {
  void operator()(T* p) const {
    if (p != nullptr) Free(p);
  }
};
inline void FreeX509Stack(STACK_OF(X509) * s) { sk_X509_pop_free(s, X509_free); }
inline void FreeGeneralNames(GENERAL_NAMES* n) { GENERAL_NAMES_free(n); }
inline void FreeOpensslString(char* s) { OPENSSL_free(s); }
inline void FreeBasicConstraints(BASIC_CONSTRAINTS* b) { BASIC_CONSTRAINTS_free(b); }
inline void FreeExtensionStack(STACK_OF(X509_EXTENSION) * s) {
  sk_X509_EXTENSION_pop_free(s, X509_EXTENSION_free);
}
inline void FreeExtendedKeyUsage(EXTENDED_KEY_USAGE* e) { EXTENDED_KEY_USAGE_free(e); }
}  // namespace internal

#define SVIDD_SSL_PTR(name, type, free_fn) \
  using name = std::unique_ptr<type, internal::SslDeleter<type, free_fn>>

SVIDD_SSL_PTR(X509Ptr, X509, X509_free);
SVIDD_SSL_PTR(X509ReqPtr, X509_REQ, X509_REQ_free);
SVIDD_SSL_PTR(X509CrlPtr, X509_CRL, X509_CRL_free);
SVIDD_SSL_PTR(X509RevokedPtr, X509_REVOKED, X509_REVOKED_free);
SVIDD_SSL_PTR(X509StorePtr, X509_STORE, X509_STORE_free);
SVIDD_SSL_PTR(X509StoreCtxPtr, X509_STORE_CTX, X509_STORE_CTX_free);
SVIDD_SSL_PTR(X509ExtensionPtr, X509_EXTENSION, X509_EXTENSION_free);
SVIDD_SSL_PTR(X509NamePtr, X509_NAME, X509_NAME_free);
SVIDD_SSL_PTR(X509StackPtr, STACK_OF(X509), internal::FreeX509Stack);
SVIDD_SSL_PTR(ExtensionStackPtr, STACK_OF(X509_EXTENSION), internal::FreeExtensionStack);
SVIDD_SSL_PTR(GeneralNamesPtr, GENERAL_NAMES, internal::FreeGeneralNames);
SVIDD_SSL_PTR(BasicConstraintsPtr, BASIC_CONSTRAINTS, internal::FreeBasicConstraints);
SVIDD_SSL_PTR(EvpPkeyPtr, EVP_PKEY, EVP_PKEY_free);
SVIDD_SSL_PTR(EvpPkeyCtxPtr, EVP_PKEY_CTX, EVP_PKEY_CTX_free);
SVIDD_SSL_PTR(EvpMdCtxPtr, EVP_MD_CTX, EVP_MD_CTX_free);
SVIDD_SSL_PTR(BioPtr, BIO, BIO_free_all);
SVIDD_SSL_PTR(BignumPtr, BIGNUM, BN_free);
SVIDD_SSL_PTR(Asn1IntegerPtr, ASN1_INTEGER, ASN1_INTEGER_free);
SVIDD_SSL_PTR(Asn1TimePtr, ASN1_TIME, ASN1_TIME_free);
SVIDD_SSL_PTR(Asn1EnumeratedPtr, ASN1_ENUMERATED, ASN1_ENUMERATED_free);
SVIDD_SSL_PTR(Asn1BitStringPtr, ASN1_BIT_STRING, ASN1_BIT_STRING_free);
SVIDD_SSL_PTR(AuthorityKeyIdPtr, AUTHORITY_KEYID, AUTHORITY_KEYID_free);
SVIDD_SSL_PTR(CrlDistPointsPtr, CRL_DIST_POINTS, CRL_DIST_POINTS_free);
SVIDD_SSL_PTR(DistPointPtr, DIST_POINT, DIST_POINT_free);
SVIDD_SSL_PTR(ExtendedKeyUsagePtr, EXTENDED_KEY_USAGE, internal::FreeExtendedKeyUsage);
SVIDD_SSL_PTR(EcdsaSigPtr, ECDSA_SIG, ECDSA_SIG_free);
SVIDD_SSL_PTR(OpensslStringPtr, char, internal::FreeOpensslString);

#undef SVIDD_SSL_PTR

// Builds a status with `code` whose message is `what` followed by every entry on OpenSSL's
// error queue (which it drains), e.g. "signing certificate: error:0680007B:asn1...".
absl::Status OpenSslError(absl::StatusCode code, std::string_view what);

// OpenSslError with code INTERNAL: OpenSSL refused input svidd built itself.
absl::Status OpenSslInternal(std::string_view what);

// `s`'s bytes as the unsigned char pointer OpenSSL's functions take.
inline const unsigned char* UnsignedBytes(std::string_view s) {
  return reinterpret_cast<const unsigned char*>(s.data());
}

// Drains OpenSSL's error queue after a failure that was deliberately ignored.
void ClearOpenSslErrors();

}  // namespace svidd::crypto
