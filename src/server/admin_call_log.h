// The admin API's audit trail: one audit line (audit_log.h) and one admin_audit row in the
// ledger for every call, allowed or refused.
#pragma once

#include "absl/status/status.h"
#include "server/audit_log.h"
#include "svidd/ledger/ledger.h"

namespace svidd::server {

class AdminCallLog {
 public:
  AdminCallLog(ledger::Ledger& ledger, AuditLog& audit) : ledger_(ledger), audit_(audit) {}

  // Logs `call`, which ended with `status`, then appends it to the ledger; the ledger's error
  // if that failed (an error line says so too).
  absl::Status Record(const ledger::AdminCallRecord& call, const absl::Status& status);

 private:
  ledger::Ledger& ledger_;
  AuditLog& audit_;
};

}  // namespace svidd::server
