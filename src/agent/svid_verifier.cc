#include "svidd/agent/svid_verifier.h"

#include "pki/chain_verifier.h"
#include "svidd/common/time_format.h"

namespace svidd::agent {

absl::Status VerifySvid(const X509Svid& svid, const std::vector<crypto::X509Ptr>& roots,
                        const spiffe::SpiffeId& expected, TimePoint now) {
  if (svid.id() != expected) {
    return absl::FailedPreconditionError("the certificate names " + svid.id().str() + ", not " +
                                         expected.str());
  }
  if (!svid.ValidAt(now)) {
    return absl::FailedPreconditionError("the certificate is valid from " +
                                         FormatRfc3339(svid.not_before()) + " to " +
                                         FormatRfc3339(svid.not_after()) + ", not now");
  }
  pki::internal::ChainCheck check;
  check.leaf = svid.leaf();
  for (size_t i = 1; i < svid.chain().size(); ++i) check.untrusted.push_back(svid.chain()[i].get());
  check.roots = &roots;
  check.at = now;
  check.purpose = X509_PURPOSE_SSL_CLIENT;
  return pki::internal::VerifyChain(check, absl::StatusCode::kFailedPrecondition,
                                    "the certificate chain does not verify");
}

}  // namespace svidd::agent
