#include "pki/csr_der.h"

#include "absl/strings/str_cat.h"
#include "pki/der.h"
#include "svidd/common/status_macros.h"

namespace svidd::pki::internal {
namespace {

using der::Element;
using der::Reader;

// A Name: SEQUENCE OF SET OF SEQUENCE { type OID, value ANY }. Checked for shape only.
absl::Status CheckName(std::string_view content) {
  Reader rdns(content);
  while (!rdns.empty()) {
    SVIDD_ASSIGN_OR_RETURN(Element rdn, rdns.Next(der::kSet, "subject"));
    Reader atvs(rdn.content);
    if (atvs.empty()) return absl::InvalidArgumentError("subject: empty RDN");
    while (!atvs.empty()) {
      SVIDD_ASSIGN_OR_RETURN(Element atv, atvs.Next(der::kSequence, "subject attribute"));
      Reader fields(atv.content);
      SVIDD_RETURN_IF_ERROR(fields.Next(der::kOid, "subject attribute type").status());
      SVIDD_RETURN_IF_ERROR(fields.NextAny("subject attribute value").status());
      SVIDD_RETURN_IF_ERROR(fields.Finish("subject attribute"));
    }
  }
  return absl::OkStatus();
}

// AlgorithmIdentifier ::= SEQUENCE { algorithm OID, parameters ANY OPTIONAL }.
absl::Status ReadAlgorithm(Reader& reader, const char* what, std::string_view* oid,
                           std::string_view* parameters) {
  SVIDD_ASSIGN_OR_RETURN(Element seq, reader.Next(der::kSequence, what));
  Reader fields(seq.content);
  SVIDD_ASSIGN_OR_RETURN(Element id, fields.Next(der::kOid, what));
  if (id.content.empty()) return absl::InvalidArgumentError(absl::StrCat(what, ": empty OID"));
  *oid = id.content;
  *parameters = {};
  if (!fields.empty()) {
    SVIDD_ASSIGN_OR_RETURN(Element params, fields.NextAny(what));
    *parameters = params.whole;
  }
  return fields.Finish(what);
}

absl::Status ReadAttributes(std::string_view content, std::vector<CsrAttribute>* out) {
  Reader attributes(content);
  while (!attributes.empty()) {
    SVIDD_ASSIGN_OR_RETURN(Element attr, attributes.Next(der::kSequence, "attribute"));
    Reader fields(attr.content);
    SVIDD_ASSIGN_OR_RETURN(Element type, fields.Next(der::kOid, "attribute type"));
    SVIDD_ASSIGN_OR_RETURN(Element values, fields.Next(der::kSet, "attribute values"));
    SVIDD_RETURN_IF_ERROR(fields.Finish("attribute"));
    out->push_back({type.content, attr.whole, values.content});
  }
  return absl::OkStatus();
}

absl::StatusOr<ParsedCsr> Parse(std::string_view input) {
  ParsedCsr csr;
  Reader outer(input);
  SVIDD_ASSIGN_OR_RETURN(Element request, outer.Next(der::kSequence, "CertificationRequest"));
  SVIDD_RETURN_IF_ERROR(outer.Finish("CertificationRequest"));
  Reader body(request.content);
  SVIDD_ASSIGN_OR_RETURN(Element info, body.Next(der::kSequence, "CertificationRequestInfo"));
  csr.signed_info = info.whole;
  SVIDD_RETURN_IF_ERROR(ReadAlgorithm(body, "signatureAlgorithm", &csr.signature_algorithm,
                                      &csr.signature_parameters));
  SVIDD_ASSIGN_OR_RETURN(Element signature, body.Next(der::kBitString, "signature"));
  SVIDD_ASSIGN_OR_RETURN(csr.signature, der::WholeBytes(signature, "signature"));
  SVIDD_RETURN_IF_ERROR(body.Finish("CertificationRequest"));

  Reader fields(info.content);
  SVIDD_ASSIGN_OR_RETURN(Element version, fields.Next(der::kInteger, "version"));
  if (version.content != std::string_view("\0", 1)) {
    return absl::InvalidArgumentError("version: only version 1 (0) requests exist");
  }
  SVIDD_ASSIGN_OR_RETURN(Element subject, fields.Next(der::kSequence, "subject"));
  SVIDD_RETURN_IF_ERROR(CheckName(subject.content));
  csr.subject = subject.whole;
  SVIDD_ASSIGN_OR_RETURN(Element spki, fields.Next(der::kSequence, "subjectPKInfo"));
  csr.spki = spki.whole;
  Reader key(spki.content);
  SVIDD_RETURN_IF_ERROR(
      ReadAlgorithm(key, "subjectPKInfo algorithm", &csr.key_algorithm, &csr.key_parameters));
  SVIDD_ASSIGN_OR_RETURN(Element bits, key.Next(der::kBitString, "subjectPublicKey"));
  SVIDD_ASSIGN_OR_RETURN(csr.key_bits, der::WholeBytes(bits, "subjectPublicKey"));
  SVIDD_RETURN_IF_ERROR(key.Finish("subjectPKInfo"));
  // attributes [0] IMPLICIT SET OF Attribute: required by RFC 2986, but OpenSSL and others
  // accept its absence, and so do we.
  if (!fields.empty()) {
    SVIDD_ASSIGN_OR_RETURN(Element attrs,
                           fields.Next(der::kContext0 | der::kConstructed, "attributes"));
    SVIDD_RETURN_IF_ERROR(ReadAttributes(attrs.content, &csr.attributes));
  }
  SVIDD_RETURN_IF_ERROR(fields.Finish("CertificationRequestInfo"));
  return csr;
}

}  // namespace

absl::StatusOr<ParsedCsr> ParseCsrDer(std::string_view der) {
  absl::StatusOr<ParsedCsr> csr = Parse(der);
  if (!csr.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("cannot parse certificate request: ", csr.status().message()));
  }
  return csr;
}

absl::StatusOr<std::vector<RequestedExtension>> ParseExtensionRequest(std::string_view values) {
  Reader set(values);
  SVIDD_ASSIGN_OR_RETURN(Element extensions, set.Next(der::kSequence, "extensionRequest"));
  SVIDD_RETURN_IF_ERROR(set.Finish("extensionRequest (one value)"));
  std::vector<RequestedExtension> out;
  Reader list(extensions.content);
  while (!list.empty()) {
    SVIDD_ASSIGN_OR_RETURN(Element ext, list.Next(der::kSequence, "extension"));
    Reader fields(ext.content);
    RequestedExtension parsed;
    SVIDD_ASSIGN_OR_RETURN(Element oid, fields.Next(der::kOid, "extension id"));
    parsed.oid = oid.content;
    if (fields.PeekTag() == der::kBoolean) {
      SVIDD_ASSIGN_OR_RETURN(Element critical, fields.NextAny("extension critical"));
      SVIDD_ASSIGN_OR_RETURN(parsed.critical, der::BooleanValue(critical, "extension critical"));
    }
    SVIDD_ASSIGN_OR_RETURN(Element value, fields.Next(der::kOctetString, "extension value"));
    parsed.value = value.content;
    SVIDD_RETURN_IF_ERROR(fields.Finish("extension"));
    out.push_back(parsed);
  }
  return out;
}

}  // namespace svidd::pki::internal
