// The leaf builder svidd used before the DER encoder (pki/leaf_encoder.h), kept as the test
// oracle: the X509 API's idea of the same X509-SVID, to compare the encoder with byte for byte.
#pragma once

#include <string>

#include "absl/status/statusor.h"
#include "svidd/crypto/ssl_ptr.h"
#include "svidd/pki/leaf_profile.h"

namespace svidd::testing {

// Serial, validity, issuer = signer's subject, X509_set_pubkey(subject_key), the extensions
// by X509V3_EXT_nconf_nid / X509_add1_ext_i2d in the encoder's order, then X509_sign.
absl::StatusOr<crypto::X509Ptr> BuildLeafWithX509Api(const pki::LeafProfile& profile,
                                                     const EVP_PKEY* subject_key,
                                                     const X509* signer,
                                                     const EVP_PKEY* signing_key,
                                                     const std::string& crl_url);

// The TBSCertificate DER of `cert`.
std::string TbsDer(const X509* cert);

}  // namespace svidd::testing
