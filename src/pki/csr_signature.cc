// The legacy EC_KEY/RSA calls are used on purpose: in OpenSSL 3.0 they verify without the
// provider and decoder lookups (measured: EC_KEY_oct2key 0.75 µs against 139 µs for
// d2i_PUBKEY). They remain supported throughout 3.x.
#define OPENSSL_SUPPRESS_DEPRECATED

#include "pki/csr_signature.h"

#include <openssl/ec.h>
#include <openssl/ecdsa.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/rsa.h>

#include <memory>

#include "absl/strings/str_cat.h"
#include "pki/csr_extensions.h"
#include "pki/der.h"
#include "svidd/common/status_macros.h"

namespace svidd::pki::internal {
namespace {

using std::string_view_literals::operator""sv;

constexpr std::string_view kEcPublicKey = "\x2a\x86\x48\xce\x3d\x02\x01"sv;
constexpr std::string_view kP256 = "\x2a\x86\x48\xce\x3d\x03\x01\x07"sv;
constexpr std::string_view kP384 = "\x2b\x81\x04\x00\x22"sv;
constexpr std::string_view kRsaEncryption = "\x2a\x86\x48\x86\xf7\x0d\x01\x01\x01"sv;
constexpr std::string_view kEd25519 = "\x2b\x65\x70"sv;
constexpr std::string_view kDerNull = "\x05\x00"sv;

enum class SignatureKind { kEcdsa, kRsaPkcs1, kEd25519 };
// The signature algorithms svidd accepts (SHA-256/384/512 with ECDSA or RSA PKCS#1 v1.5, and
// Ed25519), and the collision-prone ones it refuses by name (`weak_digest` set).
struct SignatureAlgorithm {
  std::string_view oid;
  SignatureKind kind;
  const char* digest;  // OpenSSL digest name; null for Ed25519 and the weak ones
  int digest_nid;
  const char* weak_digest = nullptr;
};
constexpr SignatureAlgorithm kSignatureAlgorithms[] = {
    {"\x2a\x86\x48\xce\x3d\x04\x03\x02"sv, SignatureKind::kEcdsa, "SHA2-256", NID_sha256},
    {"\x2a\x86\x48\xce\x3d\x04\x03\x03"sv, SignatureKind::kEcdsa, "SHA2-384", NID_sha384},
    {"\x2a\x86\x48\xce\x3d\x04\x03\x04"sv, SignatureKind::kEcdsa, "SHA2-512", NID_sha512},
    {"\x2a\x86\x48\x86\xf7\x0d\x01\x01\x0b"sv, SignatureKind::kRsaPkcs1, "SHA2-256", NID_sha256},
    {"\x2a\x86\x48\x86\xf7\x0d\x01\x01\x0c"sv, SignatureKind::kRsaPkcs1, "SHA2-384", NID_sha384},
    {"\x2a\x86\x48\x86\xf7\x0d\x01\x01\x0d"sv, SignatureKind::kRsaPkcs1, "SHA2-512", NID_sha512},
    {kEd25519, SignatureKind::kEd25519, nullptr, NID_undef},
    {"\x2a\x86\x48\xce\x3d\x04\x01"sv, SignatureKind::kEcdsa, nullptr, NID_sha1, "SHA1"},
    {"\x2a\x86\x48\x86\xf7\x0d\x01\x01\x05"sv, SignatureKind::kRsaPkcs1, nullptr, NID_sha1, "SHA1"},
    {"\x2a\x86\x48\x86\xf7\x0d\x01\x01\x04"sv, SignatureKind::kRsaPkcs1, nullptr, NID_md5, "MD5"},
    {"\x2a\x86\x48\x86\xf7\x0d\x01\x01\x03"sv, SignatureKind::kRsaPkcs1, nullptr, NID_md4, "MD4"},
    {"\x2a\x86\x48\x86\xf7\x0d\x01\x01\x02"sv, SignatureKind::kRsaPkcs1, nullptr, NID_md2, "MD2"},
};

struct EcKeyFree {
  void operator()(EC_KEY* k) const { EC_KEY_free(k); }
};
struct RsaFree {
  void operator()(RSA* r) const { RSA_free(r); }
};
using EcKeyPtr = std::unique_ptr<EC_KEY, EcKeyFree>;
using RsaPtr = std::unique_ptr<RSA, RsaFree>;

absl::Status Unparsable(absl::string_view why) {
  crypto::ClearOpenSslErrors();
  return absl::InvalidArgumentError(absl::StrCat("public key cannot be parsed: ", why));
}

absl::Status DoesNotVerify(absl::string_view why) {
  crypto::ClearOpenSslErrors();
  return absl::InvalidArgumentError(absl::StrCat("signature does not verify", why));
}

// RSAPublicKey ::= SEQUENCE { modulus INTEGER, publicExponent INTEGER }, both positive.
struct RsaNumbers {
  std::string_view modulus, exponent;  // big-endian, leading zero byte removed
};
absl::StatusOr<RsaNumbers> ReadRsaKey(std::string_view bits) {
  der::Reader outer(bits);
  SVIDD_ASSIGN_OR_RETURN(der::Element seq, outer.Next(der::kSequence, "RSAPublicKey"));
  SVIDD_RETURN_IF_ERROR(outer.Finish("RSAPublicKey"));
  der::Reader fields(seq.content);
  RsaNumbers numbers;
  for (std::string_view* out : {&numbers.modulus, &numbers.exponent}) {
    SVIDD_ASSIGN_OR_RETURN(der::Element n, fields.Next(der::kInteger, "RSAPublicKey"));
    SVIDD_ASSIGN_OR_RETURN(bool negative, der::CheckInteger(n, "RSAPublicKey"));
    std::string_view value = n.content;
    if (value[0] == 0) value.remove_prefix(1);
    if (negative || value.empty()) {
      return absl::InvalidArgumentError("RSAPublicKey: modulus and exponent must be positive");
    }
    *out = value;
  }
  SVIDD_RETURN_IF_ERROR(fields.Finish("RSAPublicKey"));
  return numbers;
}

int BitLength(std::string_view big_endian) {
  auto top = static_cast<uint8_t>(big_endian[0]);
  int bits = 8 * static_cast<int>(big_endian.size() - 1);
  for (; top != 0; top >>= 1) ++bits;
  return bits;
}

// "P-521" for a NIST curve, else OpenSSL's short name ("secp256k1", "ED448"), else the
// dotted OID. Only on the way to a refusal.
std::string OidName(std::string_view oid) {
  ASN1_OBJECT* obj =
      ASN1_OBJECT_create(NID_undef, const_cast<unsigned char*>(crypto::UnsignedBytes(oid)),
                         static_cast<int>(oid.size()), nullptr, nullptr);
  const int nid = obj == nullptr ? NID_undef : OBJ_obj2nid(obj);
  ASN1_OBJECT_free(obj);
  crypto::ClearOpenSslErrors();
  const char* nist = nid == NID_undef ? nullptr : EC_curve_nid2nist(nid);
  if (nist != nullptr) return nist;
  const char* sn = nid == NID_undef ? nullptr : OBJ_nid2sn(nid);
  return sn != nullptr ? sn : der::OidText(oid);
}

// Digests fetched once for the process (an implicit fetch per call takes provider locks).
const EVP_MD* FetchedDigest(const char* name) {
  static const EVP_MD* const kSha256 = EVP_MD_fetch(nullptr, "SHA2-256", nullptr);
  static const EVP_MD* const kSha384 = EVP_MD_fetch(nullptr, "SHA2-384", nullptr);
  static const EVP_MD* const kSha512 = EVP_MD_fetch(nullptr, "SHA2-512", nullptr);
  const std::string_view n(name);
  if (n == "SHA2-256") return kSha256;
  if (n == "SHA2-384") return kSha384;
  return n == "SHA2-512" ? kSha512 : nullptr;
}

absl::StatusOr<std::string> Digest(const SignatureAlgorithm& alg, std::string_view data) {
  const EVP_MD* md = FetchedDigest(alg.digest);
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (md == nullptr || EVP_Digest(data.data(), data.size(), out, &len, md, nullptr) != 1) {
    return crypto::OpenSslError(absl::StatusCode::kInternal, "digest of the request");
  }
  return std::string(reinterpret_cast<const char*>(out), len);
}

// One EC_KEY per curve and thread, reused: EC_KEY_oct2key replaces its public point.
EC_KEY* ThreadEcKey(const std::string& curve) {
  thread_local EcKeyPtr p256(EC_KEY_new_by_curve_name(NID_X9_62_prime256v1));
  thread_local EcKeyPtr p384(EC_KEY_new_by_curve_name(NID_secp384r1));
  return curve == "P-256" ? p256.get() : p384.get();
}

absl::Status VerifyEcdsa(const ParsedCsr& csr, const crypto::KeyDescription& key,
                         const std::string& digest) {
  EC_KEY* ec = ThreadEcKey(key.curve);
  if (ec == nullptr) return crypto::OpenSslError(absl::StatusCode::kInternal, "EC key");
  if (EC_KEY_oct2key(ec, crypto::UnsignedBytes(csr.key_bits), csr.key_bits.size(), nullptr) != 1) {
    return Unparsable("the EC point is not on the curve or is malformed");
  }
  if (ECDSA_verify(0, crypto::UnsignedBytes(digest), static_cast<int>(digest.size()),
                   crypto::UnsignedBytes(csr.signature), static_cast<int>(csr.signature.size()),
                   ec) != 1) {
    return DoesNotVerify("");
  }
  return absl::OkStatus();
}

absl::Status VerifyRsa(const ParsedCsr& csr, int digest_nid, const std::string& digest) {
  SVIDD_ASSIGN_OR_RETURN(RsaNumbers numbers, ReadRsaKey(csr.key_bits));
  crypto::BignumPtr n(BN_bin2bn(crypto::UnsignedBytes(numbers.modulus),
                                static_cast<int>(numbers.modulus.size()), nullptr));
  crypto::BignumPtr e(BN_bin2bn(crypto::UnsignedBytes(numbers.exponent),
                                static_cast<int>(numbers.exponent.size()), nullptr));
  RsaPtr rsa(RSA_new());
  if (n == nullptr || e == nullptr || rsa == nullptr ||
      RSA_set0_key(rsa.get(), n.get(), e.get(), nullptr) != 1) {
    return crypto::OpenSslError(absl::StatusCode::kInternal, "RSA key");
  }
  n.release();  // owned by `rsa` from here
  e.release();
  if (RSA_verify(digest_nid, crypto::UnsignedBytes(digest),
                 static_cast<unsigned int>(digest.size()), crypto::UnsignedBytes(csr.signature),
                 static_cast<unsigned int>(csr.signature.size()), rsa.get()) != 1) {
    return DoesNotVerify("");
  }
  return absl::OkStatus();
}

absl::Status VerifyEd25519(const ParsedCsr& csr) {
  crypto::EvpPkeyPtr key(EVP_PKEY_new_raw_public_key(
      EVP_PKEY_ED25519, nullptr, crypto::UnsignedBytes(csr.key_bits), csr.key_bits.size()));
  if (key == nullptr) return Unparsable("bad Ed25519 key");
  crypto::EvpMdCtxPtr ctx(EVP_MD_CTX_new());
  if (ctx == nullptr ||
      EVP_DigestVerifyInit(ctx.get(), nullptr, nullptr, nullptr, key.get()) != 1) {
    return crypto::OpenSslError(absl::StatusCode::kInternal, "Ed25519 verification");
  }
  if (EVP_DigestVerify(ctx.get(), crypto::UnsignedBytes(csr.signature), csr.signature.size(),
                       crypto::UnsignedBytes(csr.signed_info), csr.signed_info.size()) != 1) {
    return DoesNotVerify("");
  }
  return absl::OkStatus();
}

bool KindFits(SignatureKind kind, crypto::KeyDescription::Algorithm key) {
  switch (kind) {
    case SignatureKind::kEcdsa:
      return key == crypto::KeyDescription::Algorithm::kEc;
    case SignatureKind::kRsaPkcs1:
      return key == crypto::KeyDescription::Algorithm::kRsa;
    case SignatureKind::kEd25519:
      return key == crypto::KeyDescription::Algorithm::kEd25519;
  }
  return false;
}

}  // namespace

absl::StatusOr<crypto::KeyDescription> DescribeCsrKey(const ParsedCsr& csr) {
  crypto::KeyDescription key;
  if (csr.key_algorithm == kEcPublicKey) {
    key.algorithm = crypto::KeyDescription::Algorithm::kEc;
    if (csr.key_parameters.empty() || static_cast<uint8_t>(csr.key_parameters[0]) != der::kOid) {
      // RFC 5480 wants namedCurve; a leaf with explicit parameters fails
      // openssl verify -x509_strict and Go's parser.
      return absl::InvalidArgumentError(
          "EC key has explicit curve parameters; only a named curve (P-256, P-384) is allowed");
    }
    der::Reader params(csr.key_parameters);
    SVIDD_ASSIGN_OR_RETURN(der::Element curve, params.Next(der::kOid, "EC curve"));
    if (curve.content == kP256) {
      key.curve = "P-256";
      key.bits = 256;
    } else if (curve.content == kP384) {
      key.curve = "P-384";
      key.bits = 384;
    } else {
      key.curve = OidName(curve.content);
    }
    return key;
  }
  if (csr.key_algorithm == kRsaEncryption) {
    if (csr.key_parameters != kDerNull) {
      return Unparsable("rsaEncryption parameters must be NULL");
    }
    absl::StatusOr<RsaNumbers> numbers = ReadRsaKey(csr.key_bits);
    if (!numbers.ok()) return Unparsable(numbers.status().message());
    key.algorithm = crypto::KeyDescription::Algorithm::kRsa;
    key.bits = BitLength(numbers->modulus);
    return key;
  }
  if (csr.key_algorithm == kEd25519) {
    if (!csr.key_parameters.empty()) return Unparsable("Ed25519 keys take no parameters");
    if (csr.key_bits.size() != 32) return Unparsable("an Ed25519 key is 32 bytes");
    key.algorithm = crypto::KeyDescription::Algorithm::kEd25519;
    key.bits = 253;  // what EVP_PKEY_get_bits reports
    return key;
  }
  const std::string name = OidName(csr.key_algorithm);
  return absl::InvalidArgumentError(absl::StrCat(
      "key algorithm ", name, " is not allowed; only RSA, EC P-256/P-384 and Ed25519"));
}

absl::Status VerifyCsrSignature(const ParsedCsr& csr, const crypto::KeyDescription& key) {
  const SignatureAlgorithm* alg = nullptr;
  for (const SignatureAlgorithm& candidate : kSignatureAlgorithms) {
    if (candidate.oid == csr.signature_algorithm) alg = &candidate;
  }
  if (alg == nullptr) {
    return absl::InvalidArgumentError(
        absl::StrCat("signature algorithm ", DescribeOid(csr.signature_algorithm),
                     " is not allowed; only SHA-256/384/512 with RSA or ECDSA, or Ed25519"));
  }
  if (alg->weak_digest != nullptr) {  // MD5 and SHA-1 are collision-prone
    return absl::InvalidArgumentError(absl::StrCat("signature digest ", alg->weak_digest,
                                                   " is too weak; sign with SHA-256 or stronger"));
  }
  if (!KindFits(alg->kind, key.algorithm)) {
    return DoesNotVerify(absl::StrCat(": signature algorithm ",
                                      DescribeOid(csr.signature_algorithm),
                                      " does not fit the request's key"));
  }
  // RFC 3279/4055/5758: ECDSA and Ed25519 take no parameters; RSA PKCS#1 takes NULL (absent
  // is accepted, as OpenSSL does).
  const bool params_ok =
      alg->kind == SignatureKind::kRsaPkcs1
          ? (csr.signature_parameters.empty() || csr.signature_parameters == kDerNull)
          : csr.signature_parameters.empty();
  if (!params_ok) return DoesNotVerify(": unexpected signature algorithm parameters");
  if (alg->kind == SignatureKind::kEd25519) return VerifyEd25519(csr);
  SVIDD_ASSIGN_OR_RETURN(std::string digest, Digest(*alg, csr.signed_info));
  if (alg->kind == SignatureKind::kEcdsa) return VerifyEcdsa(csr, key, digest);
  return VerifyRsa(csr, alg->digest_nid, digest);
}

}  // namespace svidd::pki::internal
