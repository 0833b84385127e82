// The structure of a PKCS#10 request read by a strict DER walk (RFC 2986), with views into
// the caller's DER buffer. Nothing here decodes a key through OpenSSL: the key stays bytes
// until csr_signature checks it, and the leaf certifies the same bytes.
#pragma once

#include <string_view>
#include <vector>

#include "absl/status/statusor.h"

namespace svidd::pki::internal {

struct CsrAttribute {
  std::string_view type;    // OID content bytes
  std::string_view whole;   // the whole Attribute element, for messages
  std::string_view values;  // content of the SET OF values
};

struct RequestedExtension {
  std::string_view oid;  // OID content bytes
  bool critical = false;
  std::string_view value;  // the extnValue OCTET STRING's content
};

struct ParsedCsr {
  std::string_view signed_info;     // CertificationRequestInfo, as signed
  std::string_view subject;         // the whole Name (svidd ignores it)
  std::string_view spki;            // the whole SubjectPublicKeyInfo, copied into the leaf
  std::string_view key_algorithm;   // OID content bytes
  std::string_view key_parameters;  // the whole parameters element, empty when absent
  std::string_view key_bits;        // subjectPublicKey BIT STRING bytes
  std::vector<CsrAttribute> attributes;
  std::string_view signature_algorithm;   // OID content bytes
  std::string_view signature_parameters;  // whole element, empty when absent
  std::string_view signature;             // BIT STRING bytes
};

// INVALID_ARGUMENT "cannot parse certificate request: <why>" for anything that is not one
// DER CertificationRequest of version 1 with nothing after it.
absl::StatusOr<ParsedCsr> ParseCsrDer(std::string_view der);

// The extensions of the extensionRequest attribute's value (one Extensions SEQUENCE).
absl::StatusOr<std::vector<RequestedExtension>> ParseExtensionRequest(std::string_view values);

}  // namespace svidd::pki::internal
