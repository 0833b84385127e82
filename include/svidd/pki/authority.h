// The signing authority: an immutable snapshot of one CA (key, signer, chain, roots). The
// server holds the active one as shared_ptr<const Authority> and swaps it atomically; each
// signing call keeps its own reference, so rotation never blocks issuance.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "svidd/common/clock.h"
#include "svidd/crypto/keys.h"
#include "svidd/pki/ca_material.h"
#include "svidd/pki/leaf_profile.h"

namespace svidd::pki {

struct IssuedCertificate {
  std::string der;  // the certificate (ParseCertificateDer makes an X509 of it)
  std::string pem;
  std::string serial_hex;  // SerialHex form
  TimePoint not_before;
  TimePoint not_after;
  // SHA-256 (lowercase hex) of the certified SubjectPublicKeyInfo, and its KeyDescription
  // label: what the ledger records about the key.
  std::string public_key_sha256;
  std::string key_label;
};

namespace internal {
class LeafEncoder;
}

struct AuthorityOptions {
  // Where this CA's CRLs are published over HTTP, e.g. "http://svidd.svidd-system.svc:8080"
  // (no trailing '/'); "" for none. Leaves then name BASE + CrlPath(signer serial) as their
  // CRL distribution point.
  std::string crl_url_base;
};

class Authority {
 public:
  // Takes ownership; the material must already have passed ValidateCaMaterial.
  static absl::StatusOr<std::shared_ptr<const Authority>> Create(CaMaterial material,
                                                                 AuthorityOptions options = {});

  // Builds and signs a leaf per the X509-SVID profile: empty subject, exactly one URI SAN
  // (critical) plus any DNS names, CA:false, keyUsage critical digitalSignature
  // (+keyEncipherment for RSA keys), EKU serverAuth+clientAuth, SKI, AKI, and the
  // cRLDistributionPoints extension when crl_url() is set. The leaf certifies exactly the
  // bytes of `subject_key` (a CSR's key, verbatim).
  absl::StatusOr<IssuedCertificate> SignLeaf(const LeafProfile& profile,
                                             const crypto::PublicKeyInfo& subject_key) const;
  // The same for a key held locally (svidd's own serving and admin certificates).
  absl::StatusOr<IssuedCertificate> SignLeaf(const LeafProfile& profile,
                                             const EVP_PKEY* subject_key) const;

  // Verifies `leaf` (with `untrusted` extra certificates the peer sent) up to one of this
  // authority's roots at time `at`, for TLS client use. UNAUTHENTICATED with the reason.
  absl::Status VerifyClientCertificate(const X509* leaf, const std::vector<X509*>& untrusted,
                                       TimePoint at) const;

  // Signs a throwaway leaf for a fresh key and verifies it up to the roots at `now`. A new
  // CA is put to use only once this passes (FAILED_PRECONDITION with the reason otherwise).
  absl::Status SelfTest(TimePoint now) const;

  // Another reference to the same key and certificates (for writing the CA out, or for an
  // authority with another trust bundle).
  CaMaterial ShareMaterial() const;
  // The same signer with `roots` as its trust bundle (a root joins or leaves the bundle).
  absl::StatusOr<std::shared_ptr<const Authority>> WithRoots(
      const std::vector<const X509*>& roots) const;

  const X509* signing_cert() const { return material_.signing_cert.get(); }
  const EVP_PKEY* signing_key() const { return material_.signing_key.get(); }
  const std::vector<crypto::X509Ptr>& intermediates() const { return material_.intermediates; }
  const std::vector<crypto::X509Ptr>& roots() const { return material_.roots; }
  TimePoint not_after() const { return not_after_; }
  const std::string& signer_serial_hex() const { return signer_serial_hex_; }
  // The URL of this CA's CRL that its leaves carry; "" when CRLs are not published over HTTP.
  const std::string& crl_url() const { return crl_url_; }

  // PEM of the signer followed by any intermediates: one string per certificate, each
  // ending in "\n". Goes between the leaf and the root bundle in Istio's response.
  const std::vector<std::string>& chain_pem() const { return chain_pem_; }
  // All roots in one PEM string (Istio's last response element, root-cert.pem).
  const std::string& root_bundle_pem() const { return root_bundle_pem_; }

 private:
  explicit Authority(CaMaterial material) : material_(std::move(material)) {}
  CaMaterial material_;
  TimePoint not_after_;
  std::string signer_serial_hex_;
  std::string crl_url_;
  AuthorityOptions options_;
  std::shared_ptr<const internal::LeafEncoder> leaf_encoder_;
  std::vector<std::string> chain_pem_;
  std::string root_bundle_pem_;
};

}  // namespace svidd::pki
