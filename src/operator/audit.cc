#include "svidd/operator/audit.h"

#include <algorithm>
#include <filesystem>
#include <tuple>
#include <vector>

#include "absl/strings/str_cat.h"
#include "operator/audit_checks.h"
#include "svidd/common/status_macros.h"
#include "svidd/ledger/ledger_event.h"
#include "svidd/ledger/ledger_verifier.h"

namespace svidd::ops {
namespace {

using internal::CheckCaLifetimes;
using internal::CheckKeyFiles;
using internal::CheckRenewals;
using internal::CheckStateDirectory;
using internal::CheckWeakKeys;

void Append(std::vector<AuditFinding>& to, std::vector<AuditFinding> from) {
  to.insert(to.end(), std::make_move_iterator(from.begin()), std::make_move_iterator(from.end()));
}

void SortFindings(std::vector<AuditFinding>& findings) {
  std::stable_sort(findings.begin(), findings.end(),
                   [](const AuditFinding& a, const AuditFinding& b) {
                     return std::make_tuple(-static_cast<int>(a.severity), a.check, a.subject) <
                            std::make_tuple(-static_cast<int>(b.severity), b.check, b.subject);
                   });
}

std::vector<AuditFinding> CheckCa(const AuditInputs& in, TimePoint now, const AuditPolicy& policy) {
  if (in.ca != nullptr) {
    CaSnapshot ca = *in.ca;
    for (CaCertificateInfo& cert : ca.certificates) {
      absl::StatusOr<ledger::CertificateRecord> record = in.ledger.GetCertificate(cert.serial_hex);
      if (record.ok()) cert.issued_at = record->issued_at;
    }
    return CheckCaLifetimes(ca, now, policy);
  }
  return {AuditFinding{AuditSeverity::kCritical, "ca-expiry", in.ca_dir.string(),
                       "the CA cannot be read: " + in.ca_error}};
}

// `dir` and the directories directly in it, for a key-directory check: ca-retired/ keeps
// each retired intermediate, key and all, in a directory of its own (ca-retired/<serial>/).
std::vector<std::filesystem::path> KeyDirsAt(const std::filesystem::path& dir) {
  std::vector<std::filesystem::path> dirs{dir};
  std::error_code ec;
  for (std::filesystem::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    std::error_code entry_ec;
    if (it->is_directory(entry_ec) && !it->is_symlink(entry_ec)) dirs.push_back(it->path());
  }
  std::sort(dirs.begin() + 1, dirs.end());
  return dirs;
}

}  // namespace

const char* AuditSeverityName(AuditSeverity severity) {
  switch (severity) {
    case AuditSeverity::kInfo:
      return "info";
    case AuditSeverity::kWarning:
      return "warning";
    case AuditSeverity::kCritical:
      return "critical";
  }
  return "unknown";
}

int AuditReport::Count(AuditSeverity severity) const {
  return static_cast<int>(
      std::count_if(findings.begin(), findings.end(),
                    [severity](const AuditFinding& f) { return f.severity == severity; }));
}

LedgerIntegrityCheck DefaultLedgerIntegrityCheck(const std::filesystem::path& data_dir,
                                                 const std::filesystem::path& ca_dir,
                                                 const std::string& ledger_uri) {
  ledger::LedgerVerifierOptions options =
      ledger::LedgerVerifierOptions::ForLedger(data_dir, ca_dir, ledger_uri);
  return [options](TimePoint) -> std::vector<AuditFinding> {
    auto verifier = ledger::LedgerVerifier::Create(options);
    auto report = verifier.ok() ? verifier->Verify() : verifier.status();
    if (!report.ok()) {
      return {{AuditSeverity::kCritical, "ledger-integrity", "ledger",
               absl::StrCat("the ledger could not be verified: ", report.status().message())}};
    }
    std::vector<AuditFinding> out;
    if (report->first_break.has_value()) {
      const ledger::LedgerBreak& b = *report->first_break;
      out.push_back({AuditSeverity::kCritical, "ledger-integrity",
                     absl::StrCat(b.where, " row ", b.row),
                     absl::StrCat(BreakKindName(b.kind), ": ", b.detail,
                                  " (svidctl ledger verify shows the details)")});
      return out;
    }
    for (const ledger::LedgerWarning& w : report->warnings) {
      out.push_back({AuditSeverity::kInfo, "ledger-integrity", WarningKindName(w.kind), w.detail});
    }
    out.push_back(
        {AuditSeverity::kInfo, "ledger-integrity", "ledger",
         absl::StrCat("hash chain and signed checkpoints intact (", report->events, " events)")});
    return out;
  };
}

absl::Status CheckStartupPermissions(const std::filesystem::path& data_dir,
                                     const std::filesystem::path& ca_dir,
                                     const std::vector<std::filesystem::path>& other_key_dirs) {
  std::vector<AuditFinding> findings;
  for (const auto& dir : {data_dir, ca_dir}) {
    if (std::optional<AuditFinding> f = CheckStateDirectory(dir)) findings.push_back(*f);
  }
  std::vector<std::filesystem::path> key_dirs = {ca_dir};
  for (const auto& other : other_key_dirs) {
    for (auto& dir : KeyDirsAt(other)) key_dirs.push_back(std::move(dir));
  }
  for (const auto& dir : key_dirs) {
    std::error_code ec;
    if (!std::filesystem::is_directory(dir, ec)) continue;
    Append(findings, CheckKeyFiles(dir));
  }
  for (const AuditFinding& f : findings) {
    if (f.severity == AuditSeverity::kCritical) {
      return absl::FailedPreconditionError(
          absl::StrCat("refusing to start: ", f.message, " (svidctl audit reports the same)"));
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<AuditReport> RunAudit(const AuditInputs& in, TimePoint now,
                                     const AuditPolicy& policy) {
  AuditReport report;
  report.generated_at = now;
  Append(report.findings, CheckCa(in, now, policy));
  Append(report.findings, CheckKeyFiles(in.ca_dir));
  if (std::optional<AuditFinding> f = CheckStateDirectory(in.ca_dir)) report.findings.push_back(*f);
  for (const auto& other : in.other_key_dirs) {
    std::error_code ec;
    if (!std::filesystem::is_directory(other, ec)) continue;
    for (const auto& dir : KeyDirsAt(other)) {
      for (AuditFinding& f : CheckKeyFiles(dir)) {
        if (f.severity != AuditSeverity::kInfo) report.findings.push_back(std::move(f));
      }
    }
  }
  SVIDD_ASSIGN_OR_RETURN(std::vector<AuditFinding> renewals, CheckRenewals(in.ledger, now, policy));
  Append(report.findings, std::move(renewals));
  SVIDD_ASSIGN_OR_RETURN(std::vector<AuditFinding> weak, CheckWeakKeys(in.ledger, now, policy));
  Append(report.findings, std::move(weak));
  if (in.integrity) Append(report.findings, in.integrity(now));
  SortFindings(report.findings);
  return report;
}

}  // namespace svidd::ops
