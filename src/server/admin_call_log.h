// The admin API's audit trail: one spdlog line at info and one admin_audit row in the ledger
// for every call, allowed or refused.
#pragma once

#include "absl/status/status.h"
#include "svidd/ledger/ledger.h"

namespace svidd {

class AdminCallLog {
 public:
  explicit AdminCallLog(Ledger& ledger) : ledger_(ledger) {}

  // Logs `call`, then appends it to the ledger; the ledger's error if that failed (the log
  // line says so too).
  absl::Status Record(const AdminCallRecord& call);

 private:
  Ledger& ledger_;
};

}  // namespace svidd
