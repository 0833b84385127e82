#include "svidd/crypto/keys.h"

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/x509.h>

#include <array>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "svidd/common/status_macros.h"
#include "svidd/crypto/digest.h"
#include "svidd/crypto/pem.h"

namespace svidd::crypto {
namespace {

struct KeyTypeEntry {
  KeyType type;
  const char* name;
};
constexpr std::array<KeyTypeEntry, 6> kKeyTypes = {{
    {KeyType::kEcP256, "ec-p256"},
    {KeyType::kEcP384, "ec-p384"},
    {KeyType::kRsa2048, "rsa-2048"},
    {KeyType::kRsa3072, "rsa-3072"},
    {KeyType::kRsa4096, "rsa-4096"},
    {KeyType::kEd25519, "ed25519"},
}};

EVP_PKEY* Keygen(KeyType type) {
  switch (type) {
    case KeyType::kEcP256:
      return EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256");
    case KeyType::kEcP384:
      return EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-384");
    case KeyType::kRsa2048:
      return EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", static_cast<size_t>(2048));
    case KeyType::kRsa3072:
      return EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", static_cast<size_t>(3072));
    case KeyType::kRsa4096:
      return EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", static_cast<size_t>(4096));
    case KeyType::kEd25519:
      return EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519");
  }
  return nullptr;
}

// "P-256" for NIST curves, else OpenSSL's short name ("secp256k1").
absl::StatusOr<std::string> EcCurveName(const EVP_PKEY* key) {
  char group[80] = {0};
  size_t len = 0;
  if (EVP_PKEY_get_utf8_string_param(key, OSSL_PKEY_PARAM_GROUP_NAME, group, sizeof(group), &len) !=
      1) {
    return OpenSslError(absl::StatusCode::kInvalidArgument,
                        "EC key without a named curve (explicit parameters are not supported)");
  }
  int nid = OBJ_sn2nid(group);
  if (nid == NID_undef) nid = OBJ_ln2nid(group);
  const char* nist = nid == NID_undef ? nullptr : EC_curve_nid2nist(nid);
  return std::string(nist != nullptr ? nist : group);
}

}  // namespace

absl::StatusOr<KeyType> ParseKeyType(std::string_view name) {
  for (const KeyTypeEntry& entry : kKeyTypes) {
    if (name == entry.name) return entry.type;
  }
  return absl::InvalidArgumentError(
      absl::StrCat("unknown key type '", std::string(name),
                   "'; expected ec-p256, ec-p384, rsa-2048, rsa-3072, rsa-4096 or ed25519"));
}

std::string KeyTypeName(KeyType type) {
  for (const KeyTypeEntry& entry : kKeyTypes) {
    if (entry.type == type) return entry.name;
  }
  return "unknown";
}

absl::StatusOr<EvpPkeyPtr> GenerateKey(KeyType type) {
  EvpPkeyPtr key(Keygen(type));
  if (key == nullptr) {
    return OpenSslError(absl::StatusCode::kInternal,
                        absl::StrCat("generating ", KeyTypeName(type), " key"));
  }
  return key;
}

std::string KeyDescription::Label() const {
  switch (algorithm) {
    case Algorithm::kRsa:
      return absl::StrCat("RSA-", bits);
    case Algorithm::kEc:
      return absl::StrCat("EC-", absl::StrReplaceAll(curve, {{"-", ""}}));
    case Algorithm::kEd25519:
      return "ED25519";
    case Algorithm::kOther:
      break;
  }
  return "OTHER";
}

absl::StatusOr<KeyDescription> DescribeKey(const EVP_PKEY* key) {
  if (key == nullptr) return absl::InvalidArgumentError("key is null");
  KeyDescription description;
  description.bits = EVP_PKEY_get_bits(key);
  switch (EVP_PKEY_get_base_id(key)) {
    case EVP_PKEY_RSA:
      description.algorithm = KeyDescription::Algorithm::kRsa;
      break;
    case EVP_PKEY_EC: {
      description.algorithm = KeyDescription::Algorithm::kEc;
      SVIDD_ASSIGN_OR_RETURN(description.curve, EcCurveName(key));
      break;
    }
    case EVP_PKEY_ED25519:
      description.algorithm = KeyDescription::Algorithm::kEd25519;
      break;
    default:
      description.algorithm = KeyDescription::Algorithm::kOther;
      break;
  }
  return description;
}

absl::StatusOr<std::string> PublicKeySha256Hex(const EVP_PKEY* key) {
  SVIDD_ASSIGN_OR_RETURN(std::string spki, PublicKeyToDer(key));
  return Sha256Hex(spki);
}

absl::StatusOr<std::string> PublicKeyInfo::Sha256Hex() const {
  return svidd::crypto::Sha256Hex(der);
}

absl::StatusOr<PublicKeyInfo> PublicKeyInfoOf(const EVP_PKEY* key) {
  PublicKeyInfo info;
  SVIDD_ASSIGN_OR_RETURN(info.key, DescribeKey(key));
  SVIDD_ASSIGN_OR_RETURN(info.der, PublicKeyToDer(key));
  return info;
}

bool KeyMatchesCertificate(const EVP_PKEY* key, const X509* cert) {
  if (key == nullptr || cert == nullptr) return false;
  const EVP_PKEY* cert_key = X509_get0_pubkey(cert);
  // EVP_PKEY_eq compares the public components only: 1 equal, 0 different, <0 incomparable.
  bool match = cert_key != nullptr && EVP_PKEY_eq(key, cert_key) == 1;
  ClearOpenSslErrors();
  return match;
}

}  // namespace svidd::crypto
