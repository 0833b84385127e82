// Lets the authenticator ask the ledger whether a client certificate was revoked. Reads the
// database on every call, so `svidctl certs revoke` (another process writing the same file)
// takes effect on the next renewal attempt, with no restart and no cache to go stale.
#pragma once

#include "svidd/auth/authenticator.h"
#include "svidd/ledger/ledger.h"

namespace svidd::issuance {

class LedgerRevocationChecker final : public auth::RevocationChecker {
 public:
  explicit LedgerRevocationChecker(const ledger::Ledger& ledger) : ledger_(ledger) {}
  absl::StatusOr<bool> IsRevoked(std::string_view serial_hex) const override {
    return ledger_.IsRevoked(serial_hex);
  }

 private:
  const ledger::Ledger& ledger_;
};

}  // namespace svidd::issuance
