#include "svidd/agent/csr_maker.h"

#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "svidd/common/status_macros.h"
#include "svidd/crypto/keys.h"
#include "svidd/crypto/pem.h"

namespace svidd::agent {
namespace {

absl::Status Fail(const char* what) {
  return crypto::OpenSslError(absl::StatusCode::kInternal, what);
}

// O="" as an empty PrintableString: passing the type directly skips OpenSSL's minimum
// lengths, which would refuse an empty O.
absl::Status SetEmptyOrganization(X509_REQ* req) {
  crypto::X509NamePtr name(X509_NAME_new());
  if (name == nullptr) return Fail("X509_NAME_new");
  static const unsigned char kEmpty[] = "";
  if (X509_NAME_add_entry_by_txt(name.get(), "O", V_ASN1_PRINTABLESTRING, kEmpty, 0, -1, 0) != 1) {
    return Fail("X509_NAME_add_entry_by_txt(O)");
  }
  if (X509_REQ_set_subject_name(req, name.get()) != 1) return Fail("X509_REQ_set_subject_name");
  return absl::OkStatus();
}

// A SPIFFE ID holds no ',' (SpiffeId::Parse allows none), so OpenSSL's config syntax carries
// it unambiguously.
absl::Status AddUriSan(X509_REQ* req, const spiffe::SpiffeId& id) {
  const std::string conf = "critical,URI:" + id.str();
  crypto::X509ExtensionPtr san(
      X509V3_EXT_conf_nid(nullptr, nullptr, NID_subject_alt_name, conf.c_str()));
  if (san == nullptr) return Fail("subjectAltName extension");
  crypto::ExtensionStackPtr extensions(sk_X509_EXTENSION_new_null());
  if (extensions == nullptr) return Fail("sk_X509_EXTENSION_new_null");
  if (sk_X509_EXTENSION_push(extensions.get(), san.get()) <= 0) {
    return Fail("sk_X509_EXTENSION_push");
  }
  san.release();  // owned by the stack now
  if (X509_REQ_add_extensions(req, extensions.get()) != 1) return Fail("X509_REQ_add_extensions");
  return absl::OkStatus();
}

const EVP_MD* DigestFor(const EVP_PKEY* key) {
  auto description = crypto::DescribeKey(key);
  if (description.ok() && description->algorithm == crypto::KeyDescription::Algorithm::kEc &&
      description->bits == 384) {
    return EVP_sha384();
  }
  return EVP_sha256();
}

}  // namespace

absl::StatusOr<std::string> MakeIstioCsr(const spiffe::SpiffeId& id, EVP_PKEY* key) {
  if (key == nullptr) return absl::InvalidArgumentError("no key to make a request for");
  crypto::X509ReqPtr req(X509_REQ_new());
  if (req == nullptr) return Fail("X509_REQ_new");
  if (X509_REQ_set_version(req.get(), X509_REQ_VERSION_1) != 1) {
    return Fail("X509_REQ_set_version");
  }
  SVIDD_RETURN_IF_ERROR(SetEmptyOrganization(req.get()));
  if (X509_REQ_set_pubkey(req.get(), key) != 1) return Fail("X509_REQ_set_pubkey");
  SVIDD_RETURN_IF_ERROR(AddUriSan(req.get(), id));
  if (X509_REQ_sign(req.get(), key, DigestFor(key)) <= 0) return Fail("X509_REQ_sign");
  return crypto::CsrToPem(req.get());
}

}  // namespace svidd::agent
