#include "svidd/pki/ca_csr.h"

#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "pki/cert_builder.h"
#include "svidd/common/status_macros.h"
#include "svidd/crypto/pem.h"
#include "svidd/crypto/signature.h"
#include "svidd/spiffe/spiffe_id.h"

namespace svidd::pki {
namespace {

absl::Status Fail(const char* what) {
  return crypto::OpenSslError(absl::StatusCode::kInternal, what);
}

// Values are fixed strings or a validated SPIFFE ID (which holds no ','), never free text.
absl::Status Push(STACK_OF(X509_EXTENSION) * extensions, int nid, const std::string& value) {
  crypto::X509ExtensionPtr ext(X509V3_EXT_conf_nid(nullptr, nullptr, nid, value.c_str()));
  if (ext == nullptr || sk_X509_EXTENSION_push(extensions, ext.get()) <= 0) {
    return Fail("CSR extension");
  }
  ext.release();  // owned by the stack
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<std::string> MakeIntermediateCsr(EVP_PKEY* key, const std::string& trust_domain,
                                                const std::string& common_name) {
  if (key == nullptr) return absl::InvalidArgumentError("no key to make a request for");
  if (common_name.empty()) return absl::InvalidArgumentError("an intermediate needs a name");
  SVIDD_ASSIGN_OR_RETURN(spiffe::SpiffeId td, spiffe::SpiffeId::ForTrustDomain(trust_domain));
  SVIDD_ASSIGN_OR_RETURN(crypto::X509NamePtr name, internal::MakeName(trust_domain, common_name));
  crypto::X509ReqPtr req(X509_REQ_new());
  if (req == nullptr || X509_REQ_set_version(req.get(), X509_REQ_VERSION_1) != 1 ||
      X509_REQ_set_subject_name(req.get(), name.get()) != 1 ||
      X509_REQ_set_pubkey(req.get(), key) != 1) {
    return Fail("certificate request");
  }
  crypto::ExtensionStackPtr extensions(sk_X509_EXTENSION_new_null());
  if (extensions == nullptr) return Fail("extension stack");
  SVIDD_RETURN_IF_ERROR(
      Push(extensions.get(), NID_basic_constraints, "critical,CA:TRUE,pathlen:0"));
  SVIDD_RETURN_IF_ERROR(Push(extensions.get(), NID_key_usage, "critical,keyCertSign,cRLSign"));
  SVIDD_RETURN_IF_ERROR(Push(extensions.get(), NID_subject_alt_name, "URI:" + td.str()));
  if (X509_REQ_add_extensions(req.get(), extensions.get()) != 1) return Fail("CSR extensions");
  if (X509_REQ_sign(req.get(), key, crypto::SignatureDigestFor(key)) <= 0)
    return Fail("signing the CSR");
  return crypto::CsrToPem(req.get());
}

}  // namespace svidd::pki
