#include "svidctl/certs_commands.h"

#include "absl/strings/str_cat.h"
#include "svidctl/command_args.h"
#include "svidctl/output_format.h"
#include "svidd/common/status_macros.h"
#include "svidd/common/time_format.h"
#include "svidd/operator/operator_input.h"

namespace svidctl {
namespace {

using svidd::ledger::CertificateFilter;
using svidd::ledger::CertificateRecord;

// --status: the ledger's own two states, or active narrowed by validity at `now`.
void ApplyStatus(const std::string& status, svidd::TimePoint now, CertificateFilter& f) {
  if (status.empty()) return;
  if (status == "revoked") {
    f.status = svidd::ledger::CertStatus::kRevoked;
    return;
  }
  f.status = svidd::ledger::CertStatus::kActive;
  if (status == "valid") {
    f.not_before_until = now;
    f.not_after_after = now;
  } else if (status == "expired") {
    f.not_after_before = now;
  }
}

std::string RevokedLine(const CertificateRecord& r, svidd::TimePoint now) {
  std::string line = absl::StrCat("revoked certificate ", r.serial_hex, " (", r.spiffe_id, ", ",
                                  svidd::ledger::CertKindName(r.kind), ", not after ",
                                  svidd::FormatRfc3339(r.not_after), ") at ",
                                  svidd::FormatRfc3339(r.revoked_at.value_or(now)));
  if (!r.revocation_reason.empty()) absl::StrAppend(&line, ": ", r.revocation_reason);
  return line + "\n";
}

}  // namespace

absl::StatusOr<CertificateFilter> BuildCertificateFilter(const CertsOptions& o,
                                                         svidd::TimePoint now) {
  CertificateFilter f;
  if (!o.spiffe_id.empty()) f.spiffe_id = o.spiffe_id;
  if (!o.spiffe_id_prefix.empty()) f.spiffe_id_prefix = o.spiffe_id_prefix;
  if (!o.istio_namespace.empty()) f.istio_namespace = o.istio_namespace;
  if (!o.serial.empty()) {
    SVIDD_ASSIGN_OR_RETURN(f.serial, svidd::ops::ParseOperatorSerial(o.serial));
  }
  if (!o.issuer.empty()) {
    SVIDD_ASSIGN_OR_RETURN(f.issuer_serial, svidd::ops::ParseOperatorSerial(o.issuer, "CA serial"));
  }
  if (!o.key_type.empty()) f.key_type = o.key_type;
  if (!o.kind.empty()) f.kind = svidd::ledger::ParseCertKind(o.kind);
  if (o.status == "expired" && !o.expiring_within.empty()) {
    return absl::InvalidArgumentError(
        "--status expired and --expiring-within exclude each other: one is past, one is ahead");
  }
  ApplyStatus(o.status, now, f);
  if (!o.issued_since.empty()) {
    SVIDD_ASSIGN_OR_RETURN(f.issued_since, ParseTimeArg("--issued-since", o.issued_since, now));
  }
  if (!o.issued_until.empty()) {
    SVIDD_ASSIGN_OR_RETURN(f.issued_until, ParseTimeArg("--issued-until", o.issued_until, now));
  }
  if (!o.expiring_within.empty()) {
    SVIDD_ASSIGN_OR_RETURN(std::chrono::seconds within,
                           ParsePositiveDuration("--expiring-within", o.expiring_within));
    f.not_after_after = now;
    f.not_after_before = now + within;
  }
  std::optional<svidd::ledger::CertificateSortField> sort =
      svidd::ledger::ParseCertificateSortField(o.sort);
  if (!sort) return absl::InvalidArgumentError(absl::StrCat("--sort: unknown field ", o.sort));
  f.sort = *sort;
  f.descending = !o.ascending;
  if (o.offset > 0 && !o.page_token.empty()) {
    return absl::InvalidArgumentError("--offset and --page-token exclude each other");
  }
  f.limit = o.limit;
  f.offset = o.offset;
  f.page_token = o.page_token;
  return f;
}

// JSON stays an array of records (what scripts have relied on since svidctl's first
// version); how many matched and where the next page starts go to stderr in both formats, so
// stdout is only the list.
// With --at, the filter and what is printed (status, relative times) are all judged as of
// that time: one "now" for the whole answer.
absl::Status RunList(const CertsOptions& o, Backend& backend, svidd::TimePoint now,
                     std::ostream& out, std::ostream& err) {
  svidd::TimePoint as_of = now;
  if (!o.at.empty()) {
    SVIDD_ASSIGN_OR_RETURN(as_of, ParseTimeArg("--at", o.at, now));
  }
  SVIDD_ASSIGN_OR_RETURN(CertificateFilter filter, BuildCertificateFilter(o, as_of));
  SVIDD_ASSIGN_OR_RETURN(svidd::ledger::CertificatePage page, backend.ListCertificates(filter));
  if (o.list_output == "json") {
    nlohmann::ordered_json array = nlohmann::ordered_json::array();
    for (const CertificateRecord& r : page.records) {
      array.push_back(RecordToJson(r, as_of, false));
    }
    out << array.dump(2) << "\n";
  } else {
    out << RecordsTable(page.records, as_of);
  }
  if (!page.next_page_token.empty()) {
    err << page.records.size() << " of " << page.total << " shown; next page: --page-token "
        << page.next_page_token << "\n";
  } else if (static_cast<int64_t>(page.records.size()) < page.total) {
    err << page.records.size() << " of " << page.total << " shown\n";
  }
  return absl::OkStatus();
}

absl::Status RunShow(const CertsOptions& o, Backend& backend, svidd::TimePoint now,
                     std::ostream& out) {
  SVIDD_ASSIGN_OR_RETURN(std::string serial, svidd::ops::ParseOperatorSerial(o.show_serial));
  SVIDD_ASSIGN_OR_RETURN(CertificateRecord record, backend.GetCertificate(serial));
  if (o.show_output == "pem") {
    out << record.certificate_pem;
  } else if (o.show_output == "json") {
    out << RecordToJson(record, now, true).dump(2) << "\n";
  } else {
    out << RecordText(record, now);
  }
  return absl::OkStatus();
}

absl::Status RunRevoke(const CertsOptions& o, Backend& backend, svidd::TimePoint now,
                       std::ostream& out) {
  svidd::ops::RevocationRequest request;
  int targets = 0;
  if (!o.revoke_serial.empty()) {
    ++targets;
    request.target = svidd::ops::RevocationRequest::Target::kSerial;
    SVIDD_ASSIGN_OR_RETURN(request.value, svidd::ops::ParseOperatorSerial(o.revoke_serial));
  }
  if (!o.revoke_spiffe_id.empty()) {
    ++targets;
    request.target = svidd::ops::RevocationRequest::Target::kSpiffeId;
    request.value = o.revoke_spiffe_id;
  }
  if (!o.revoke_issuer.empty()) {
    ++targets;
    request.target = svidd::ops::RevocationRequest::Target::kIssuer;
    SVIDD_ASSIGN_OR_RETURN(request.value,
                           svidd::ops::ParseOperatorSerial(o.revoke_issuer, "CA serial"));
  }
  if (targets != 1) {
    return absl::InvalidArgumentError(
        "name exactly one of: a SERIAL, --spiffe-id ID (all its certificates), or --issuer "
        "SERIAL (everything that CA certificate signed)");
  }
  request.reason = o.reason;
  SVIDD_ASSIGN_OR_RETURN(svidd::ops::RevocationResult result, backend.Revoke(request));
  if (o.revoke_output == "json") {
    nlohmann::ordered_json j;
    j["revoked"] = nlohmann::ordered_json::array();
    for (const CertificateRecord& r : result.revoked)
      j["revoked"].push_back(RecordToJson(r, now, false));
    out << j.dump(2) << "\n";
    return absl::OkStatus();
  }
  if (result.revoked.empty()) {
    out << "nothing revoked: every certificate of " << request.value << " was revoked already\n";
  }
  for (const CertificateRecord& r : result.revoked) out << RevokedLine(r, now);
  return absl::OkStatus();
}

}  // namespace svidctl
