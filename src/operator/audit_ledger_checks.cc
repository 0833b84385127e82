// What the ledger says about the fleet: identities that fell behind on renewal, and keys
// nobody should be trusting.
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "operator/audit_checks.h"
#include "svidd/common/status_macros.h"
#include "svidd/common/time_format.h"

namespace svidd::ops::internal {
namespace {

constexpr std::string_view kRsaPrefix = "RSA-";
constexpr std::string_view kEcPrefix = "EC-";

bool Renewable(const ledger::IdentitySummary& id) {
  return id.kind == ledger::CertKind::kWorkload &&
         id.current_status == ledger::CertStatus::kActive &&
         id.current_auth_method != ledger::kOperatorAuthMethod;
}

// Renewal overdue: the ledger's own definition (OverdueRenewalFilter), the one the server's
// svidd_certificates_expiring_without_successor gauge counts by.
AuditFinding OverdueFinding(const ledger::CertificateRecord& r, TimePoint now) {
  return AuditFinding{
      AuditSeverity::kWarning, "expiring-without-successor", r.spiffe_id,
      absl::StrCat("certificate ", r.serial_hex, " expires ", FormatRelative(r.not_after, now),
                   " and has no successor (renewal is overdue)")};
}

// An identity that renewed before and whose current certificate expired within the stale
// window: it stopped renewing.
std::optional<AuditFinding> StoppedFinding(const ledger::IdentitySummary& id, TimePoint now,
                                           const AuditPolicy& policy) {
  if (!Renewable(id)) return std::nullopt;
  const auto left = id.current_not_after - now;
  if (left > std::chrono::seconds(0)) return std::nullopt;
  if (id.certificates < 2 || -left > policy.stale_window) return std::nullopt;
  return AuditFinding{AuditSeverity::kWarning, "stopped-renewing", id.spiffe_id,
                      absl::StrCat("renewed ", id.certificates - 1, " times, then stopped: its ",
                                   "last certificate ", id.current_serial, " expired ",
                                   FormatRelative(id.current_not_after, now))};
}

absl::StatusOr<std::vector<std::string>> ExampleSerials(const ledger::Ledger& ledger,
                                                        ledger::CertificateFilter filter,
                                                        size_t max) {
  filter.limit = max;
  SVIDD_ASSIGN_OR_RETURN(std::vector<ledger::CertificateRecord> records,
                         ledger.ListCertificates(filter));
  std::vector<std::string> serials;
  for (const ledger::CertificateRecord& r : records) serials.push_back(r.serial_hex);
  return serials;
}

absl::StatusOr<AuditFinding> WeakKeyFinding(const ledger::Ledger& ledger,
                                            const ledger::GroupCount& group,
                                            const std::string& reason, TimePoint now,
                                            const AuditPolicy& policy) {
  ledger::CertificateFilter valid;
  valid.key_type = group.value;
  valid.status = ledger::CertStatus::kActive;
  valid.not_after_after = now;
  SVIDD_ASSIGN_OR_RETURN(int64_t in_use, ledger.CountCertificates(valid));
  if (in_use == 0) {
    return AuditFinding{AuditSeverity::kWarning, "weak-key", group.value,
                        absl::StrCat(group.count, " certificates in the ledger have ", reason, " (",
                                     group.value, "); none is still valid")};
  }
  SVIDD_ASSIGN_OR_RETURN(std::vector<std::string> examples,
                         ExampleSerials(ledger, valid, policy.max_examples));
  return AuditFinding{AuditSeverity::kCritical, "weak-key", group.value,
                      absl::StrCat(in_use, " valid certificates have ", reason, " (", group.value,
                                   "), e.g. ", absl::StrJoin(examples, ", "),
                                   "; revoke them and find out how they were issued")};
}

}  // namespace

std::optional<std::string> WeakKeyReason(std::string_view label) {
  if (label.substr(0, kRsaPrefix.size()) == kRsaPrefix) {
    int bits = 0;
    if (!absl::SimpleAtoi(std::string(label.substr(kRsaPrefix.size())), &bits))
      return "an unknown RSA key";
    if (bits < 2048) return "an RSA key shorter than 2048 bits";
    return std::nullopt;
  }
  if (label.substr(0, kEcPrefix.size()) == kEcPrefix) {
    std::string_view curve = label.substr(kEcPrefix.size());
    if (curve == "P256" || curve == "P384" || curve == "P521") return std::nullopt;
    return "an EC key on a curve svidd does not accept";
  }
  if (label == "ED25519") return std::nullopt;
  return "a key of unknown type";
}

absl::StatusOr<std::vector<AuditFinding>> CheckRenewals(const ledger::Ledger& ledger, TimePoint now,
                                                        const AuditPolicy& policy) {
  std::vector<AuditFinding> out;
  SVIDD_ASSIGN_OR_RETURN(
      std::vector<ledger::CertificateRecord> overdue,
      ledger.ListCertificates(ledger::OverdueRenewalFilter(now, policy.overdue_fraction)));
  for (const ledger::CertificateRecord& r : overdue) out.push_back(OverdueFinding(r, now));
  ledger::IdentityFilter filter;
  filter.kind = ledger::CertKind::kWorkload;
  filter.now = now;
  SVIDD_ASSIGN_OR_RETURN(std::vector<ledger::IdentitySummary> ids, ledger.ListIdentities(filter));
  for (const ledger::IdentitySummary& id : ids) {
    if (std::optional<AuditFinding> f = StoppedFinding(id, now, policy)) out.push_back(*f);
  }
  return out;
}

absl::StatusOr<std::vector<AuditFinding>> CheckWeakKeys(const ledger::Ledger& ledger, TimePoint now,
                                                        const AuditPolicy& policy) {
  SVIDD_ASSIGN_OR_RETURN(std::vector<ledger::GroupCount> key_types,
                         ledger.CountCertificatesBy(ledger::CertificateGroup::kKeyType, {}));
  std::vector<AuditFinding> out;
  for (const ledger::GroupCount& group : key_types) {
    std::optional<std::string> reason = WeakKeyReason(group.value);
    if (!reason.has_value()) continue;
    SVIDD_ASSIGN_OR_RETURN(AuditFinding f, WeakKeyFinding(ledger, group, *reason, now, policy));
    out.push_back(std::move(f));
  }
  return out;
}

}  // namespace svidd::ops::internal
