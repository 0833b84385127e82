#include "svidd/pki/crl_builder.h"

#include <openssl/x509v3.h>

#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "pki/cert_builder.h"
#include "svidd/common/status_macros.h"
#include "svidd/common/time_format.h"
#include "svidd/crypto/keys.h"
#include "svidd/crypto/pem.h"
#include "svidd/crypto/x509_fields.h"

namespace svidd::pki {
namespace {

absl::StatusOr<crypto::Asn1IntegerPtr> SerialFromHex(const std::string& hex) {
  if (hex.empty() || hex.find_first_not_of("0123456789abcdef") != std::string::npos) {
    return absl::InvalidArgumentError(
        absl::StrCat("revoked serial \"", hex, "\" is not in lowercase hex form"));
  }
  BIGNUM* raw = nullptr;
  if (BN_hex2bn(&raw, hex.c_str()) == 0) return crypto::OpenSslInternal("revoked serial");
  crypto::BignumPtr bn(raw);
  crypto::Asn1IntegerPtr serial(BN_to_ASN1_INTEGER(bn.get(), nullptr));
  if (serial == nullptr) return crypto::OpenSslInternal("revoked serial");
  return serial;
}

absl::StatusOr<crypto::Asn1TimePtr> AsnTime(TimePoint t) {
  crypto::Asn1TimePtr out(ASN1_TIME_set(nullptr, std::chrono::system_clock::to_time_t(t)));
  if (out == nullptr) return crypto::OpenSslInternal("CRL time");
  return out;
}

absl::Status CheckIssuer(const X509* issuer, const EVP_PKEY* key) {
  if (issuer == nullptr || key == nullptr) {
    return absl::InvalidArgumentError("a CRL needs the issuer's certificate and key");
  }
  X509* cert = const_cast<X509*>(issuer);  // OpenSSL caches parsed extensions in the object
  if ((X509_get_extension_flags(cert) & EXFLAG_KUSAGE) != 0 &&
      (X509_get_key_usage(cert) & KU_CRL_SIGN) == 0) {
    return absl::FailedPreconditionError(absl::StrCat(
        "CA certificate ", crypto::SerialHex(issuer), " (", crypto::SubjectString(issuer),
        ") has a keyUsage without cRLSign, so relying parties would refuse its CRL"));
  }
  if (!crypto::KeyMatchesCertificate(key, issuer)) {
    return absl::FailedPreconditionError("CRL signing key does not match the CA certificate");
  }
  return absl::OkStatus();
}

absl::Status AddEntry(X509_CRL* crl, const RevokedCertificate& entry) {
  SVIDD_ASSIGN_OR_RETURN(crypto::Asn1IntegerPtr serial, SerialFromHex(entry.serial_hex));
  SVIDD_ASSIGN_OR_RETURN(crypto::Asn1TimePtr date, AsnTime(entry.revoked_at));
  crypto::X509RevokedPtr revoked(X509_REVOKED_new());
  if (revoked == nullptr || X509_REVOKED_set_serialNumber(revoked.get(), serial.get()) != 1 ||
      X509_REVOKED_set_revocationDate(revoked.get(), date.get()) != 1) {
    return crypto::OpenSslInternal("CRL entry");
  }
  if (entry.reason.has_value()) {
    crypto::Asn1EnumeratedPtr code(ASN1_ENUMERATED_new());
    if (code == nullptr || ASN1_ENUMERATED_set(code.get(), static_cast<long>(*entry.reason)) != 1 ||
        X509_REVOKED_add1_ext_i2d(revoked.get(), NID_crl_reason, code.get(), 0,
                                  X509V3_ADD_DEFAULT) != 1) {
      return crypto::OpenSslInternal("CRL entry reasonCode");
    }
  }
  if (X509_CRL_add0_revoked(crl, revoked.get()) != 1) return crypto::OpenSslInternal("CRL entry");
  revoked.release();  // now owned by `crl`
  return absl::OkStatus();
}

absl::Status SetHeader(X509_CRL* crl, const X509* issuer, TimePoint this_update,
                       TimePoint next_update) {
  SVIDD_ASSIGN_OR_RETURN(crypto::Asn1TimePtr last, AsnTime(this_update));
  SVIDD_ASSIGN_OR_RETURN(crypto::Asn1TimePtr next, AsnTime(next_update));
  if (X509_CRL_set_version(crl, X509_CRL_VERSION_2) != 1 ||
      X509_CRL_set_issuer_name(crl, X509_get_subject_name(issuer)) != 1 ||
      X509_CRL_set1_lastUpdate(crl, last.get()) != 1 ||
      X509_CRL_set1_nextUpdate(crl, next.get()) != 1) {
    return crypto::OpenSslInternal("CRL header");
  }
  return absl::OkStatus();
}

absl::Status AddCrlExtensions(X509_CRL* crl, const X509* issuer, uint64_t number) {
  SVIDD_ASSIGN_OR_RETURN(crypto::AuthorityKeyIdPtr akid, internal::MakeAuthorityKeyId(issuer));
  if (X509_CRL_add1_ext_i2d(crl, NID_authority_key_identifier, akid.get(), 0, X509V3_ADD_DEFAULT) !=
      1) {
    return crypto::OpenSslInternal("CRL authorityKeyIdentifier");
  }
  crypto::Asn1IntegerPtr value(ASN1_INTEGER_new());
  if (value == nullptr || ASN1_INTEGER_set_uint64(value.get(), number) != 1 ||
      X509_CRL_add1_ext_i2d(crl, NID_crl_number, value.get(), 0, X509V3_ADD_DEFAULT) != 1) {
    return crypto::OpenSslInternal("CRL number");
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<Crl> BuildCrl(const X509* issuer, const EVP_PKEY* issuer_key, const CrlSpec& spec) {
  SVIDD_RETURN_IF_ERROR(CheckIssuer(issuer, issuer_key));
  if (spec.validity.count() <= 0)
    return absl::InvalidArgumentError("CRL validity must be positive");
  Crl out;
  out.this_update = WholeSeconds(spec.this_update);
  out.next_update = out.this_update + spec.validity;
  crypto::X509CrlPtr crl(X509_CRL_new());
  if (crl == nullptr) return crypto::OpenSslInternal("new CRL");
  SVIDD_RETURN_IF_ERROR(SetHeader(crl.get(), issuer, out.this_update, out.next_update));
  for (const RevokedCertificate& entry : spec.revoked) {
    SVIDD_RETURN_IF_ERROR(AddEntry(crl.get(), entry));
  }
  SVIDD_RETURN_IF_ERROR(AddCrlExtensions(crl.get(), issuer, spec.number));
  if (X509_CRL_sort(crl.get()) != 1) return crypto::OpenSslInternal("sorting CRL entries");
  SVIDD_RETURN_IF_ERROR(internal::SignCrl(crl.get(), const_cast<EVP_PKEY*>(issuer_key)));
  SVIDD_ASSIGN_OR_RETURN(out.der, crypto::CrlToDer(crl.get()));
  SVIDD_ASSIGN_OR_RETURN(out.pem, crypto::CrlToPem(crl.get()));
  out.crl = std::move(crl);
  out.issuer_serial_hex = crypto::SerialHex(issuer);
  out.number = spec.number;
  out.revoked = spec.revoked;
  return out;
}

std::string CrlPath(std::string_view issuer_serial_hex) {
  return absl::StrCat("/crl/", std::string(issuer_serial_hex), ".crl");
}

absl::Status ValidateCrlUrlBase(std::string_view base_view) {
  const std::string base(base_view);
  auto bad = [&](const char* why) {
    return absl::InvalidArgumentError(
        absl::StrCat("CRL URL \"", absl::CHexEscape(base), "\" ", why));
  };
  size_t host = 0;
  if (absl::StartsWith(base, "http://")) {
    host = 7;
  } else if (absl::StartsWith(base, "https://")) {
    host = 8;
  } else {
    return bad("must start with http:// or https://");
  }
  if (base.size() == host || base[host] == '/') return bad("has no host");
  for (char c : base) {
    if (c <= ' ' || c > '~') return bad("may only hold printable ASCII without spaces");
  }
  if (base.find_first_of("?#") != std::string::npos) return bad("may not hold '?' or '#'");
  if (base.back() == '/') return bad("must not end in '/'");
  return absl::OkStatus();
}

std::optional<uint64_t> CrlNumber(const X509_CRL* crl) {
  if (crl == nullptr) return std::nullopt;
  crypto::Asn1IntegerPtr value(
      static_cast<ASN1_INTEGER*>(X509_CRL_get_ext_d2i(crl, NID_crl_number, nullptr, nullptr)));
  uint64_t number = 0;
  if (value == nullptr || ASN1_INTEGER_get_uint64(&number, value.get()) != 1) {
    crypto::ClearOpenSslErrors();
    return std::nullopt;
  }
  return number;
}

}  // namespace svidd::pki
