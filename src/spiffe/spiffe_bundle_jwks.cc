#include "spiffe/spiffe_bundle_jwks.h"

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "nlohmann/json.hpp"
#include "spiffe/jwk_public_key.h"
#include "svidd/common/status_macros.h"
#include "svidd/crypto/pem.h"

namespace svidd::spiffe::internal {
namespace {

// Ordered both ways: output keeps the members in the order the format lists them, and parsed
// members compare directly with the ones a certificate implies.
using json = nlohmann::ordered_json;
using ordered_json = nlohmann::ordered_json;

constexpr char kX509SvidUse[] = "x509-svid";

absl::Status Invalid(const std::string& where, std::string_view what) {
  return absl::InvalidArgumentError(absl::StrCat(where, ": ", std::string(what)));
}

absl::StatusOr<ordered_json> RootJwk(const X509* root) {
  SVIDD_ASSIGN_OR_RETURN(ordered_json members, PublicJwkMembers(X509_get0_pubkey(root)));
  SVIDD_ASSIGN_OR_RETURN(std::string der, crypto::CertificateToDer(root));
  ordered_json jwk = {{"use", kX509SvidUse}};
  jwk.update(members);
  jwk["x5c"] = ordered_json::array({absl::Base64Escape(der)});  // standard base64 (RFC 7517)
  return jwk;
}

// The one certificate of an x509-svid key's "x5c", which must be canonical padded base64.
absl::StatusOr<crypto::X509Ptr> X5cCertificate(const json& jwk, const std::string& where) {
  auto x5c = jwk.find("x5c");
  if (x5c == jwk.end() || !x5c->is_array() || x5c->size() != 1 || !(*x5c)[0].is_string()) {
    return Invalid(where, "an x509-svid key needs \"x5c\" with exactly one certificate");
  }
  const std::string text = (*x5c)[0].get<std::string>();
  std::string der;
  if (!absl::Base64Unescape(text, &der) || absl::Base64Escape(der) != text) {
    return Invalid(where, "\"x5c\" is not canonical base64");
  }
  auto cert = crypto::ParseCertificateDer(der);
  if (!cert.ok()) return Invalid(where, std::string(cert.status().message()));
  return *std::move(cert);
}

// Every public-key member the certificate's key implies must be in the JWK, equal.
absl::Status CheckKeyMembers(const json& jwk, const X509* cert, const std::string& where) {
  auto members = PublicJwkMembers(X509_get0_pubkey(cert));
  if (!members.ok()) return Invalid(where, std::string(members.status().message()));
  for (const auto& [name, value] : members->items()) {
    auto it = jwk.find(name);
    if (it == jwk.end() || *it != value) {
      return Invalid(where, absl::StrCat("\"", name,
                                         "\" is missing or does not match the key of "
                                         "the certificate in \"x5c\""));
    }
  }
  return absl::OkStatus();
}

// A root, or nullptr for a key of another use.
absl::StatusOr<crypto::X509Ptr> ParseKey(const json& jwk, size_t index) {
  const std::string where = absl::StrCat("SPIFFE bundle key #", index);
  if (!jwk.is_object()) return Invalid(where, "not a JSON object");
  auto use = jwk.find("use");
  if (use == jwk.end() || !use->is_string()) return Invalid(where, "\"use\" is missing");
  if (use->get<std::string>() != kX509SvidUse) return crypto::X509Ptr();  // e.g. jwt-svid
  SVIDD_ASSIGN_OR_RETURN(crypto::X509Ptr cert, X5cCertificate(jwk, where));
  SVIDD_RETURN_IF_ERROR(CheckKeyMembers(jwk, cert.get(), where));
  return cert;
}

// A non-negative integer member, 0 if absent.
absl::StatusOr<uint64_t> Counter(const json& document, const char* name) {
  auto it = document.find(name);
  if (it == document.end()) return 0;
  if (!it->is_number_unsigned()) {
    return absl::InvalidArgumentError(
        absl::StrCat("SPIFFE bundle \"", name, "\" is not a non-negative integer"));
  }
  return it->get<uint64_t>();
}

absl::StatusOr<SpiffeJwks> ParseDocument(const json& document) {
  if (!document.is_object()) return absl::InvalidArgumentError("SPIFFE bundle is not an object");
  auto keys = document.find("keys");
  if (keys == document.end() || !keys->is_array()) {
    return absl::InvalidArgumentError("SPIFFE bundle has no \"keys\" array");
  }
  SpiffeJwks out;
  for (size_t i = 0; i < keys->size(); ++i) {
    SVIDD_ASSIGN_OR_RETURN(crypto::X509Ptr root, ParseKey((*keys)[i], i));
    if (root != nullptr) out.roots.push_back(std::move(root));
  }
  SVIDD_ASSIGN_OR_RETURN(out.sequence, Counter(document, "spiffe_sequence"));
  SVIDD_ASSIGN_OR_RETURN(uint64_t hint, Counter(document, "spiffe_refresh_hint"));
  out.refresh_hint = std::chrono::seconds(static_cast<int64_t>(hint));
  return out;
}

}  // namespace

absl::StatusOr<std::string> RenderSpiffeJwks(const std::vector<crypto::X509Ptr>& roots,
                                             uint64_t sequence, std::chrono::seconds refresh_hint) {
  ordered_json keys = ordered_json::array();
  for (const crypto::X509Ptr& root : roots) {
    SVIDD_ASSIGN_OR_RETURN(ordered_json jwk, RootJwk(root.get()));
    keys.push_back(std::move(jwk));
  }
  ordered_json document = {{"keys", std::move(keys)},
                           {"spiffe_sequence", sequence},
                           {"spiffe_refresh_hint", refresh_hint.count()}};
  return document.dump(2) + "\n";  // ASCII only: base64 and fixed names
}

absl::StatusOr<SpiffeJwks> ParseSpiffeJwks(std::string_view text) {
  json document = json::parse(text.begin(), text.end(), nullptr, /*allow_exceptions=*/false);
  if (document.is_discarded()) return absl::InvalidArgumentError("SPIFFE bundle is not JSON");
  try {
    return ParseDocument(document);
  } catch (const json::exception& e) {  // not expected: every access is type-checked first
    return absl::InvalidArgumentError(absl::StrCat("SPIFFE bundle: ", e.what()));
  }
}

}  // namespace svidd::spiffe::internal
