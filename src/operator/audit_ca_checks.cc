// The CA's own health: how long its certificates have left, and who can read its keys.
#include <sys/stat.h>

#include <algorithm>
#include <system_error>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "operator/audit_checks.h"
#include "svidd/common/lifetime.h"
#include "svidd/common/time_format.h"

namespace svidd::ops::internal {
namespace {

std::string CaName(const CaCertificateInfo& cert) {
  return absl::StrCat(CaRoleName(cert.role), " ", cert.serial_hex,
                      cert.subject.empty() ? "" : absl::StrCat(" (", cert.subject, ")"));
}

AuditFinding CaFinding(AuditSeverity severity, const CaCertificateInfo& cert, std::string what) {
  return AuditFinding{severity, "ca-expiry", cert.serial_hex,
                      absl::StrCat(CaName(cert), " ", what)};
}

bool IsKeyFile(const std::filesystem::path& path) {
  const std::string name = path.filename().string();
  return absl::EndsWith(name, "key.pem") || absl::EndsWith(name, ".key");
}

std::optional<AuditFinding> CheckKeyFile(const std::filesystem::path& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) return std::nullopt;
  const unsigned mode = st.st_mode & 0777;
  if ((mode & 077) == 0) return std::nullopt;
  return AuditFinding{
      AuditSeverity::kCritical, "key-permissions", path.string(),
      absl::StrFormat("private key file %s has mode %04o: group or others can %s it; run chmod "
                      "600 %s",
                      path.filename().string(), mode, (mode & 044) != 0 ? "read" : "write",
                      path.string())};
}

}  // namespace

std::vector<AuditFinding> CheckCaLifetimes(const CaSnapshot& ca, TimePoint now,
                                           const AuditPolicy& policy) {
  std::vector<AuditFinding> out;
  for (const CaCertificateInfo& cert : ca.certificates) {
    const auto left = std::chrono::duration_cast<std::chrono::seconds>(cert.not_after - now);
    const auto life = std::chrono::duration_cast<std::chrono::seconds>(
        Lifetime::Of(cert.not_before, cert.not_after, cert.issued_at).length());
    const std::string when =
        absl::StrCat(FormatRfc3339(cert.not_after), " (", FormatRelative(cert.not_after, now), ")");
    if (left <= std::chrono::seconds(0)) {
      out.push_back(CaFinding(AuditSeverity::kCritical, cert, absl::StrCat("expired at ", when)));
    } else if (left < std::min(policy.ca_critical, life / 6)) {
      out.push_back(CaFinding(AuditSeverity::kCritical, cert, absl::StrCat("expires ", when)));
    } else if (left < std::min(policy.ca_warning, life / 3)) {
      out.push_back(CaFinding(AuditSeverity::kWarning, cert, absl::StrCat("expires ", when)));
    } else if (now < cert.not_before) {
      out.push_back(
          CaFinding(AuditSeverity::kWarning, cert,
                    absl::StrCat("is not valid before ", FormatRfc3339(cert.not_before))));
    }
  }
  return out;
}

std::vector<AuditFinding> CheckKeyFiles(const std::filesystem::path& dir) {
  std::error_code ec;
  if (!std::filesystem::is_directory(dir, ec)) {
    return {AuditFinding{AuditSeverity::kWarning, "key-permissions", dir.string(),
                         absl::StrCat("CA directory ", dir.string(),
                                      " cannot be read; its key files were not checked")}};
  }
  std::vector<AuditFinding> out;
  std::vector<std::filesystem::path> keys;
  for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
    if (IsKeyFile(entry.path())) keys.push_back(entry.path());
  }
  std::sort(keys.begin(), keys.end());
  if (std::find(keys.begin(), keys.end(), dir / "ca-key.pem") == keys.end()) {
    out.push_back(AuditFinding{AuditSeverity::kInfo, "key-permissions", dir.string(),
                               "no ca-key.pem in " + dir.string() + " (key kept elsewhere?)"});
  }
  for (const auto& key : keys) {
    if (std::optional<AuditFinding> finding = CheckKeyFile(key)) out.push_back(*finding);
  }
  return out;
}

std::optional<AuditFinding> CheckStateDirectory(const std::filesystem::path& dir) {
  struct stat st {};
  if (::stat(dir.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) return std::nullopt;
  const unsigned mode = st.st_mode & 07777;
  if ((mode & 022) == 0) return std::nullopt;
  return AuditFinding{
      AuditSeverity::kCritical, "directory-permissions", dir.string(),
      absl::StrFormat("directory %s has mode %04o: group or others can replace its keys or "
                      "ledger; run chmod 700 %s",
                      dir.string(), mode, dir.string())};
}

}  // namespace svidd::ops::internal
