// Encodes and signs an X509-SVID leaf directly in DER: a TBSCertificate assembled from the
// parts fixed per authority (issuer name, signature algorithm, AKI, CRL distribution point)
// and per leaf (serial, validity, the subject key's SubjectPublicKeyInfo bytes verbatim, SAN,
// SKI). The X509 API would push the subject key through OpenSSL 3.0's encoders and decoders,
// which cost ~10x the signature itself (docs/PERFORMANCE.md, "Hot path"); the content is the
// same as that API produced (tests/pki/leaf_encoder_test.cc compares them byte for byte).
#pragma once

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "svidd/crypto/keys.h"
#include "svidd/crypto/ssl_ptr.h"
#include "svidd/pki/leaf_profile.h"

namespace svidd::pki::internal {

class LeafEncoder {
 public:
  // `signer` and `signing_key` must outlive the encoder; `crl_url` "" for no CDP.
  static absl::StatusOr<std::unique_ptr<const LeafEncoder>> Create(const X509* signer,
                                                                   const EVP_PKEY* signing_key,
                                                                   const std::string& crl_url);

  // The TBSCertificate DER. Extensions, in this order: subjectAltName (critical; the URI,
  // then DNS names), basicConstraints (critical, CA:FALSE), keyUsage (critical,
  // digitalSignature, +keyEncipherment for RSA), extendedKeyUsage (serverAuth, clientAuth),
  // subjectKeyIdentifier (SHA-1 of the key bits), authorityKeyIdentifier, and the CDP if any.
  absl::StatusOr<std::string> EncodeTbs(const LeafProfile& profile,
                                        const crypto::PublicKeyInfo& subject_key) const;
  // The whole certificate DER: the TBS signed with the authority's key.
  absl::StatusOr<std::string> Sign(const std::string& tbs) const;

 private:
  LeafEncoder() = default;
  std::string issuer_;               // the signer's subject Name DER
  std::string signature_algorithm_;  // AlgorithmIdentifier DER
  std::string authority_key_id_;     // the whole Extension DER
  std::string crl_distribution_;     // the whole Extension DER, "" for none
  size_t max_signature_size_ = 0;
  crypto::EvpMdCtxPtr sign_template_;  // DigestSign initialised with the CA key; copied per call
};

}  // namespace svidd::pki::internal
