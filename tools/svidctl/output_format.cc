#include "svidctl/output_format.h"

#include <openssl/x509.h>

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "svidd/common/time_format.h"
#include "svidd/crypto/pem.h"
#include "svidd/crypto/ssl_ptr.h"

namespace svidctl {
namespace {

using svidd::FormatRfc3339;
using svidd::ledger::CertificateRecord;

std::string AuthColumn(const CertificateRecord& r) {
  if (r.auth_principal.empty()) return r.auth_method;
  return absl::StrCat(r.auth_method, " (", r.auth_principal, ")");
}

// OpenSSL's multi-line rendering, or a line saying why it is missing.
std::string PrintCertificate(const std::string& pem) {
  absl::StatusOr<svidd::crypto::X509Ptr> cert = svidd::crypto::ParseCertificatePem(pem);
  if (!cert.ok()) {
    return absl::StrCat("(stored certificate cannot be parsed: ", cert.status().message(), ")\n");
  }
  svidd::crypto::BioPtr bio(BIO_new(BIO_s_mem()));
  if (bio == nullptr || X509_print(bio.get(), cert->get()) != 1) {
    svidd::crypto::ClearOpenSslErrors();
    return "(OpenSSL could not print the certificate)\n";
  }
  char* data = nullptr;
  long size = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<size_t>(size));
}

bool Expired(const CertificateRecord& r, svidd::TimePoint now) { return r.not_after <= now; }

}  // namespace

std::string DisplayStatus(const CertificateRecord& r, svidd::TimePoint now) {
  if (r.status == svidd::ledger::CertStatus::kActive && Expired(r, now)) return "expired";
  return svidd::ledger::CertStatusName(r.status);
}

nlohmann::ordered_json RecordToJson(const CertificateRecord& r, svidd::TimePoint now,
                                    bool with_pem) {
  nlohmann::ordered_json j;
  j["serial"] = r.serial_hex;
  j["spiffe_id"] = r.spiffe_id;
  j["kind"] = svidd::ledger::CertKindName(r.kind);
  j["status"] = svidd::ledger::CertStatusName(r.status);
  j["expired"] = Expired(r, now);
  j["issued_at"] = FormatRfc3339(r.issued_at);
  j["not_before"] = FormatRfc3339(r.not_before);
  j["not_after"] = FormatRfc3339(r.not_after);
  j["key_type"] = r.key_type;
  j["public_key_sha256"] = r.public_key_sha256;
  j["auth_method"] = r.auth_method;
  j["auth_principal"] = r.auth_principal;
  j["issuer_serial"] = r.issuer_serial_hex;
  j["issuer_subject"] = r.issuer_subject;
  if (r.status == svidd::ledger::CertStatus::kRevoked) {
    j["revoked_at"] = r.revoked_at.has_value()
                          ? nlohmann::ordered_json(FormatRfc3339(*r.revoked_at))
                          : nlohmann::ordered_json(nullptr);
    j["revocation_reason"] = r.revocation_reason;
  }
  if (with_pem) j["certificate_pem"] = r.certificate_pem;
  return j;
}

std::string FormatTable(const std::vector<std::vector<std::string>>& rows) {
  std::vector<size_t> widths;
  for (const auto& row : rows) {
    if (widths.size() < row.size()) widths.resize(row.size(), 0);
    for (size_t i = 0; i < row.size(); ++i) widths[i] = std::max(widths[i], row[i].size());
  }
  std::string out;
  for (const auto& row : rows) {
    std::string line;
    for (size_t i = 0; i < row.size(); ++i) {
      absl::StrAppend(&line, row[i]);
      if (i + 1 < row.size()) line.append(widths[i] - row[i].size() + 2, ' ');
    }
    absl::StrAppend(&out, line, "\n");
  }
  return out;
}

std::string RecordsTable(const std::vector<CertificateRecord>& records, svidd::TimePoint now) {
  std::vector<std::vector<std::string>> rows = {
      {"SERIAL", "SPIFFE ID", "KIND", "STATUS", "NOT AFTER", "AUTH"}};
  for (const CertificateRecord& r : records) {
    rows.push_back({r.serial_hex, r.spiffe_id, svidd::ledger::CertKindName(r.kind),
                    DisplayStatus(r, now), svidd::FormatRelative(r.not_after, now), AuthColumn(r)});
  }
  return FormatTable(rows);
}

std::string RecordText(const CertificateRecord& r, svidd::TimePoint now) {
  std::vector<std::vector<std::string>> rows = {
      {"Serial:", r.serial_hex},
      {"SPIFFE ID:", r.spiffe_id},
      {"Kind:", svidd::ledger::CertKindName(r.kind)},
      {"Status:", DisplayStatus(r, now)},
      {"Issued at:", FormatRfc3339(r.issued_at)},
      {"Not before:", FormatRfc3339(r.not_before)},
      {"Not after:", absl::StrCat(FormatRfc3339(r.not_after), " (",
                                  svidd::FormatRelative(r.not_after, now), ")")},
      {"Key type:", r.key_type},
      {"Public key SHA-256:", r.public_key_sha256},
      {"Authenticated by:", AuthColumn(r)},
      {"Issuer serial:", r.issuer_serial_hex},
      {"Issuer subject:", r.issuer_subject}};
  if (r.status == svidd::ledger::CertStatus::kRevoked) {
    rows.push_back({"Revoked at:", r.revoked_at ? FormatRfc3339(*r.revoked_at) : "(unknown)"});
    rows.push_back({"Revocation reason:", r.revocation_reason});
  }
  return absl::StrCat(FormatTable(rows), "\n", PrintCertificate(r.certificate_pem));
}

}  // namespace svidctl
