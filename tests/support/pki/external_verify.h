// Second opinions on svidd's certificates from independent implementations (OpenSSL's CLI
// with -x509_strict, GnuTLS's certtool), and a whole test CA in one call.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "svidd/common/clock.h"
#include "svidd/crypto/keys.h"
#include "svidd/pki/authority.h"

namespace svidd::testing {

// Writes temp files and runs `openssl verify -x509_strict -purpose <purpose> -CAfile roots
// -untrusted chain leaf` (purpose "sslclient" or "sslserver"); OK or an error holding the
// tool's output. The tools check against the real current time.
absl::Status OpensslVerifyStrict(const std::string& leaf_pem,
                                 const std::vector<std::string>& chain_pems,
                                 const std::string& roots_pem, const std::string& purpose);

// `certtool --verify --load-ca-certificate roots --infile <leaf+chain>`; OK or error with
// output.
absl::Status CerttoolVerify(const std::string& leaf_pem, const std::vector<std::string>& chain_pems,
                            const std::string& roots_pem);

// `openssl crl -verify -CAfile issuer -in crl`: the CRL's signature checks out against
// `issuer_pem`. OK or an error holding the tool's output.
absl::Status OpensslCrlVerify(const std::string& crl_pem, const std::string& issuer_pem);

// OpensslVerifyStrict with `-crl_check -CRLfile crl` added: fails (with the tool's output,
// e.g. "certificate revoked") when `crl_pem` lists the leaf.
absl::Status OpensslVerifyWithCrl(const std::string& leaf_pem,
                                  const std::vector<std::string>& chain_pems,
                                  const std::string& roots_pem, const std::string& crl_pem);

// `certtool --verify-crl --load-ca-certificate issuer --infile crl`: GnuTLS's opinion.
absl::Status CerttoolVerifyCrl(const std::string& crl_pem, const std::string& issuer_pem);

// A whole test CA: BootstrapCa at `now`, wrapped in an Authority.
absl::StatusOr<std::shared_ptr<const pki::Authority>> MakeTestAuthority(
    TimePoint now, crypto::KeyType key_type = crypto::KeyType::kEcP256,
    const std::string& trust_domain = "cluster.local");

}  // namespace svidd::testing
