// `svidctl audit`: what should worry an operator, each finding with a severity. Critical
// findings make svidctl exit non-zero, so the audit can gate cron jobs and CI.
#pragma once

#include <chrono>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "svidd/common/clock.h"
#include "svidd/ledger/ledger.h"
#include "svidd/operator/ca_snapshot.h"

namespace svidd::ops {

enum class AuditSeverity { kInfo, kWarning, kCritical };
const char* AuditSeverityName(AuditSeverity severity);  // "info" / "warning" / "critical"

struct AuditFinding {
  AuditSeverity severity = AuditSeverity::kInfo;
  std::string check;    // stable id: "ca-expiry", "key-permissions", "weak-key", ...
  std::string subject;  // what it is about: a serial, a SPIFFE ID, a file
  std::string message;
};

struct AuditReport {
  TimePoint generated_at;
  std::vector<AuditFinding> findings;  // most severe first, then by check and subject
  int Count(AuditSeverity severity) const;
  bool HasCritical() const { return Count(AuditSeverity::kCritical) > 0; }
};

// Thresholds; decisions are pure functions of these, the inputs and `now`.
struct AuditPolicy {
  // A workload certificate with less than this share of its life left and no successor
  // (OverdueRenewalFilter, as svidd's gauge counts): istio-agent renews at half-life, so at
  // three quarters it is overdue. svidd's admin API uses --renewal-overdue-fraction.
  double overdue_fraction = 0.25;
  // An identity that had renewed before and whose last certificate expired at most this long
  // ago has stopped renewing; older ones are history, not news.
  std::chrono::seconds stale_window = std::chrono::hours(24 * 7);
  // A CA certificate is a warning with less than min(ca_warning, lifetime / 3) left, critical
  // with less than min(ca_critical, lifetime / 6) (when SPIRE activates the next CA).
  std::chrono::seconds ca_warning = std::chrono::hours(24 * 30);
  std::chrono::seconds ca_critical = std::chrono::hours(24 * 7);
  size_t max_examples = 5;  // serials named in one finding
};

// Verifies the ledger's hash chain and signed checkpoints; a critical finding where it breaks.
using LedgerIntegrityCheck = std::function<std::vector<AuditFinding>(TimePoint now)>;

// The check svidctl and svidd wire into their audits: the LedgerVerifier over the data
// directory's ledger.db and ledger-head.json, trusting <ca_dir>/root-cert.pem (and roots a
// root rotation retired). One critical finding naming the first broken row, warnings for
// what is not yet signed, or one info finding when intact.
// `ledger_uri`: svidd's PostgreSQL ledger instead of <data_dir>/ledger.db.
LedgerIntegrityCheck DefaultLedgerIntegrityCheck(const std::filesystem::path& data_dir,
                                                 const std::filesystem::path& ca_dir,
                                                 const std::string& ledger_uri = "");

struct AuditInputs {
  const ledger::Ledger& ledger;
  const CaSnapshot* ca;          // null if the CA could not be read (itself a finding)
  std::string ca_error;          // why, when `ca` is null
  std::filesystem::path ca_dir;  // where the signing key files are
  LedgerIntegrityCheck integrity;
  // Other directories holding svidd's private keys (its root, a prepared CA), each checked
  // with the directories directly in it (ca-retired/<serial>/); absent ones are skipped.
  std::vector<std::filesystem::path> other_key_dirs = {};
};

// The part of the audit svidd itself runs before it starts (ssh's StrictModes): every private
// key file (ca-key.pem, root and serving keys: *key.pem, *.key) in `ca_dir`, in
// `other_key_dirs` and in the directories directly in those, and the data and CA directories
// themselves. FAILED_PRECONDITION naming
// the first file or directory and its mode when a key is readable or writable by group or
// others, or a directory is writable by them; missing files and directories are skipped.
absl::Status CheckStartupPermissions(const std::filesystem::path& data_dir,
                                     const std::filesystem::path& ca_dir,
                                     const std::vector<std::filesystem::path>& other_key_dirs);

absl::StatusOr<AuditReport> RunAudit(const AuditInputs& inputs, TimePoint now,
                                     const AuditPolicy& policy = {});

}  // namespace svidd::ops
