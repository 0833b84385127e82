#include "svidctl/certs_commands.h"

#include "absl/strings/str_cat.h"
#include "svidctl/output_format.h"
#include "svidd/common/status_macros.h"
#include "svidd/common/time_format.h"
#include "svidd/crypto/x509_fields.h"
#include "svidd/ledger/sqlite_ledger.h"

namespace svidctl {
namespace {

using svidd::CertificateFilter;
using svidd::CertificateRecord;

absl::StatusOr<std::unique_ptr<svidd::Ledger>> OpenLedger(const std::string& data_dir,
                                                          bool read_only) {
  svidd::SqliteLedgerOptions options;
  options.read_only = read_only;
  return svidd::OpenSqliteLedger(LedgerPath(data_dir), options);
}

absl::StatusOr<CertificateFilter> BuildFilter(const CertsOptions& o, svidd::TimePoint now) {
  CertificateFilter filter;
  if (!o.spiffe_id.empty()) filter.spiffe_id = o.spiffe_id;
  filter.limit = o.limit;
  if (o.status == "active") filter.status = svidd::CertStatus::kActive;
  if (o.status == "revoked") filter.status = svidd::CertStatus::kRevoked;
  if (!o.expiring_within.empty()) {
    absl::StatusOr<std::chrono::seconds> within = svidd::ParseDuration(o.expiring_within);
    if (!within.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat("--expiring-within: ", within.status().message()));
    }
    if (*within <= std::chrono::seconds(0)) {
      return absl::InvalidArgumentError(absl::StrCat("--expiring-within must be positive, got \"",
                                                     o.expiring_within, "\""));
    }
    filter.not_after_after = now;
    filter.not_after_before = now + *within;
  }
  return filter;
}

absl::StatusOr<std::string> NormalizedSerial(const std::string& text) {
  absl::StatusOr<std::string> serial = svidd::NormalizeSerialHex(text);
  if (!serial.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("\"", text, "\" is not a certificate serial (expected hex such as 5a3f09 "
                                 "or 5A:3F:09): ", serial.status().message()));
  }
  return serial;
}

}  // namespace

std::filesystem::path LedgerPath(const std::string& data_dir) {
  return std::filesystem::path(data_dir) / "ledger.db";
}

absl::Status RunList(const CertsOptions& options, const svidd::Clock& clock, std::ostream& out) {
  const svidd::TimePoint now = clock.Now();
  SVIDD_ASSIGN_OR_RETURN(CertificateFilter filter, BuildFilter(options, now));
  SVIDD_ASSIGN_OR_RETURN(std::unique_ptr<svidd::Ledger> ledger,
                         OpenLedger(options.data_dir, /*read_only=*/true));
  SVIDD_ASSIGN_OR_RETURN(std::vector<CertificateRecord> records,
                         ledger->ListCertificates(filter));
  if (options.list_output == "json") {
    nlohmann::ordered_json array = nlohmann::ordered_json::array();
    for (const CertificateRecord& r : records) array.push_back(RecordToJson(r, false));
    out << array.dump(2) << "\n";
  } else {
    out << RecordsTable(records, now);
  }
  return absl::OkStatus();
}

absl::Status RunShow(const CertsOptions& options, const svidd::Clock& clock, std::ostream& out) {
  SVIDD_ASSIGN_OR_RETURN(std::string serial, NormalizedSerial(options.serial));
  SVIDD_ASSIGN_OR_RETURN(std::unique_ptr<svidd::Ledger> ledger,
                         OpenLedger(options.data_dir, /*read_only=*/true));
  SVIDD_ASSIGN_OR_RETURN(CertificateRecord record, ledger->GetCertificate(serial));
  if (options.show_output == "pem") {
    out << record.certificate_pem;
  } else if (options.show_output == "json") {
    out << RecordToJson(record, true).dump(2) << "\n";
  } else {
    out << RecordText(record, clock.Now());
  }
  return absl::OkStatus();
}

// The read-only open first refuses a schema this svidctl does not match exactly, so a
// newer svidctl never migrates the ledger underneath a running older svidd.
absl::Status RunRevoke(const CertsOptions& options, const svidd::Clock& clock,
                       std::ostream& out) {
  SVIDD_ASSIGN_OR_RETURN(std::string serial, NormalizedSerial(options.serial));
  SVIDD_RETURN_IF_ERROR(OpenLedger(options.data_dir, /*read_only=*/true).status());
  SVIDD_ASSIGN_OR_RETURN(std::unique_ptr<svidd::Ledger> ledger,
                         OpenLedger(options.data_dir, /*read_only=*/false));
  const svidd::TimePoint now = clock.Now();
  SVIDD_RETURN_IF_ERROR(ledger->RevokeCertificate(serial, options.reason, now));
  SVIDD_ASSIGN_OR_RETURN(CertificateRecord record, ledger->GetCertificate(serial));
  out << "revoked certificate " << record.serial_hex << " (" << record.spiffe_id << ", "
      << svidd::CertKindName(record.kind) << ", not after "
      << svidd::FormatRfc3339(record.not_after) << ") at " << svidd::FormatRfc3339(now);
  if (!options.reason.empty()) out << ": " << options.reason;
  out << "\n";
  return absl::OkStatus();
}

}  // namespace svidctl
