// The history of a made-up but realistic mesh, as the ledger would have recorded it: many
// workload identities across namespaces, each renewing at half-life (a chain of certificates,
// each superseding the one before), some starting late or going away early, a few
// certificates revoked, and the signing CA rotating so that several issuers appear. A pure
// function of its options and seed, emitted in issuance order; the rows end at `now`.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "svidd/common/clock.h"

namespace svidd::ledger_gen {

struct FleetHistoryOptions {
  int64_t rows = 1'000'000;
  int identities = 20'000;
  int namespaces = 200;
  int issuers = 3;  // issuer 0 signs the newest rows, issuer issuers-1 the oldest
  std::chrono::seconds lifetime = std::chrono::hours(24);
  std::chrono::seconds renew_every = std::chrono::hours(12);
  int revoked_per_100k = 200;  // 0.2 %
  std::string trust_domain = "cluster.local";
  TimePoint now;
  uint64_t seed = 1;
};

struct HistoryRow {
  int64_t index = 0;  // 0-based, issuance order
  int identity = 0;
  std::string spiffe_id;
  std::string principal;              // the token's subject, system:serviceaccount:<ns>:<sa>
  std::string serial_hex;             // unique, 16 bytes, SerialHex form
  std::string supersedes_serial_hex;  // the identity's previous certificate, "" for its first
  TimePoint issued_at, not_before, not_after;
  int issuer = 0;
};

struct HistoryRevocation {
  std::string serial_hex;
  TimePoint at;
  std::string reason;
};

class FleetHistory {
 public:
  explicit FleetHistory(FleetHistoryOptions options);

  // Calls `emit` for every row in issuance order; returns the revocations to apply after them
  // (each at a time between its certificate's issuance and `now`).
  std::vector<HistoryRevocation> Generate(const std::function<void(const HistoryRow&)>& emit) const;

  // When the oldest row was issued; issuer k's rows lie in [IssuerStart(k), IssuerStart(k-1)).
  TimePoint Start() const { return start_; }
  TimePoint IssuerStart(int issuer) const;
  std::string SpiffeIdOf(int identity) const;
  std::string PrincipalOf(int identity) const;
  int rounds() const { return rounds_; }

 private:
  bool Alive(int identity, int round) const;
  FleetHistoryOptions options_;
  int horizon_ = 0;
  int rounds_ = 0;  // renewal rounds the rows span
  TimePoint start_;
};

}  // namespace svidd::ledger_gen
