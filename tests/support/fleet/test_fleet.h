// A realistic ledger for operator tests: a mesh seen at `now`, with identities that renew on
// schedule, one whose renewal is overdue, one that stopped renewing, long-gone ones, a
// compromised one with every certificate revoked, a one-off job, a weak RSA-1024 key that
// slipped in, svidd's own serving certificates and an operator's admin credential.
#pragma once

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "svidd/ledger/ledger.h"
#include "svidd/pki/authority.h"

namespace svidd::testing {

struct TestFleet {
  std::vector<ledger::CertificateRecord> records;  // as recorded, in issuance order
  int workers = 0;                                 // how many batch/worker-N identities
  std::string web;          // 4 certificates, renewed every 12h, current valid 23h
  std::string api;          // 3 certificates, healthy
  std::string expiring;     // current has 4h of 24h left and no successor
  std::string stopped;      // renewed twice, last expired 2h ago
  std::string ancient;      // renewed once, expired ~29 days ago: history, not news
  std::string compromised;  // both certificates revoked an hour ago
  std::string once;         // one certificate, expired 6h ago
  std::string weak;         // RSA-1024, valid
  std::string server;       // svidd's own serving identity (kind server)
  std::string admin;        // operator credential (auth "svidctl"), 1h left
  std::string compromised_reason = "key compromise";

  std::vector<std::string> SerialsOf(const std::string& spiffe_id) const;  // oldest first
};

// Records the fleet in `ledger` (certificates signed by `authority`, which must have been
// valid since now - 31 days).
absl::StatusOr<TestFleet> BuildTestFleet(ledger::Ledger& ledger, const pki::Authority& authority,
                                         TimePoint now,
                                         const std::string& trust_domain = "cluster.local",
                                         int workers = 10);

}  // namespace svidd::testing
