#include "svidd/crypto/signature.h"

#include <openssl/objects.h>

#include <vector>

namespace svidd::crypto {
namespace {

// OpenSSL's signing API is not const-correct; the key is only read.
EVP_PKEY* Borrow(const EVP_PKEY* key) { return const_cast<EVP_PKEY*>(key); }

}  // namespace

const EVP_MD* SignatureDigestFor(const EVP_PKEY* key) {
  switch (EVP_PKEY_get_base_id(key)) {
    case EVP_PKEY_ED25519:
    case EVP_PKEY_ED448:
      return nullptr;  // pure EdDSA: the algorithm fixes the hash
    case EVP_PKEY_EC: {
      const int bits = EVP_PKEY_get_bits(key);
      if (bits > 384) return EVP_sha512();
      return bits > 256 ? EVP_sha384() : EVP_sha256();
    }
    default:
      return EVP_sha256();
  }
}

absl::StatusOr<std::string> SignatureAlgorithmName(const EVP_PKEY* key) {
  if (key == nullptr) return absl::InvalidArgumentError("no key");
  const EVP_MD* md = SignatureDigestFor(key);
  // Pure EdDSA: the key's algorithm is the signature algorithm.
  int sig_nid = md == nullptr ? EVP_PKEY_get_base_id(key) : NID_undef;
  if (md != nullptr &&
      OBJ_find_sigid_by_algs(&sig_nid, EVP_MD_get_type(md), EVP_PKEY_get_base_id(key)) != 1) {
    ClearOpenSslErrors();
    return absl::InvalidArgumentError("the key's type has no known signature algorithm");
  }
  const char* name = OBJ_nid2ln(sig_nid);
  if (name == nullptr) return OpenSslError(absl::StatusCode::kInternal, "signature algorithm");
  return std::string(name);
}

absl::StatusOr<std::string> SignMessage(const EVP_PKEY* key, std::string_view message) {
  EvpMdCtxPtr ctx(EVP_MD_CTX_new());
  if (ctx == nullptr ||
      EVP_DigestSignInit(ctx.get(), nullptr, SignatureDigestFor(key), nullptr, Borrow(key)) != 1) {
    return OpenSslError(absl::StatusCode::kInternal, "setting up signing");
  }
  size_t size = 0;
  if (EVP_DigestSign(ctx.get(), nullptr, &size, UnsignedBytes(message), message.size()) != 1) {
    return OpenSslError(absl::StatusCode::kInternal, "signature size");
  }
  std::vector<unsigned char> signature(size);
  if (EVP_DigestSign(ctx.get(), signature.data(), &size, UnsignedBytes(message), message.size()) !=
      1) {
    return OpenSslError(absl::StatusCode::kInternal, "signing");
  }
  return std::string(reinterpret_cast<const char*>(signature.data()), size);
}

absl::Status VerifyMessageSignature(const EVP_PKEY* key, std::string_view message,
                                    std::string_view signature) {
  EvpMdCtxPtr ctx(EVP_MD_CTX_new());
  if (ctx == nullptr || EVP_DigestVerifyInit(ctx.get(), nullptr, SignatureDigestFor(key), nullptr,
                                             Borrow(key)) != 1) {
    return OpenSslError(absl::StatusCode::kInternal, "setting up signature verification");
  }
  if (EVP_DigestVerify(ctx.get(), UnsignedBytes(signature), signature.size(),
                       UnsignedBytes(message), message.size()) != 1) {
    ClearOpenSslErrors();  // a bad signature is an answer, not an internal failure
    return absl::UnauthenticatedError("signature does not verify");
  }
  return absl::OkStatus();
}

}  // namespace svidd::crypto
