#include "ledger_gen/fleet_history.h"

#include <algorithm>

#include "absl/strings/str_format.h"

namespace svidd::ledger_gen {
namespace {

uint64_t Mix(uint64_t x) {  // splitmix64: a bijection, good enough for reproducible draws
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

// A uniform draw in [0, n) from (seed, a, b).
uint64_t Draw(uint64_t seed, uint64_t a, uint64_t b, uint64_t n) {
  return Mix(seed ^ Mix(a * 0x100000001b3ULL + b)) % std::max<uint64_t>(n, 1);
}

constexpr const char* kReasons[] = {"keyCompromise", "superseded", "cessationOfOperation",
                                    "affiliationChanged"};

}  // namespace

FleetHistory::FleetHistory(FleetHistoryOptions options) : options_(std::move(options)) {
  options_.identities = std::max(options_.identities, 1);
  options_.issuers = std::max(options_.issuers, 1);
  options_.namespaces = std::max(options_.namespaces, 1);
  // Late starters and early leavers are placed on this horizon (about the rounds needed).
  horizon_ = static_cast<int>(options_.rows / (0.9 * options_.identities)) + 2;
  int64_t emitted = 0;
  rounds_ = 0;
  while (emitted < options_.rows && rounds_ < 4 * horizon_ + 16) {
    for (int i = 0; i < options_.identities && emitted < options_.rows; ++i) {
      if (Alive(i, rounds_)) ++emitted;
    }
    ++rounds_;
  }
  start_ = options_.now - rounds_ * options_.renew_every;
}

// 85 % of workloads live throughout; 10 % appear later; 5 % go away before the end.
bool FleetHistory::Alive(int identity, int round) const {
  const uint64_t kind = Draw(options_.seed, identity, 1, 100);
  if (kind < 85) return true;
  const int at = static_cast<int>(Draw(options_.seed, identity, 2, horizon_));
  return kind < 95 ? round >= at : round < std::max(at, 1);
}

TimePoint FleetHistory::IssuerStart(int issuer) const {
  // Issuer k (0 newest) covers the k-th last equal share of the rounds.
  const int per_issuer = std::max(1, (rounds_ + options_.issuers - 1) / options_.issuers);
  const int first_round = std::max(0, rounds_ - (issuer + 1) * per_issuer);
  return start_ + first_round * options_.renew_every;
}

std::string FleetHistory::SpiffeIdOf(int identity) const {
  return absl::StrFormat("spiffe://%s/ns/ns-%d/sa/workload-%d", options_.trust_domain,
                         identity % options_.namespaces, identity);
}

std::string FleetHistory::PrincipalOf(int identity) const {
  return absl::StrFormat("system:serviceaccount:ns-%d:workload-%d", identity % options_.namespaces,
                         identity);
}

std::vector<HistoryRevocation> FleetHistory::Generate(
    const std::function<void(const HistoryRow&)>& emit) const {
  std::vector<std::string> last_serial(options_.identities);
  std::vector<HistoryRevocation> revocations;
  const int per_issuer = std::max(1, (rounds_ + options_.issuers - 1) / options_.issuers);
  const auto period = std::chrono::duration_cast<std::chrono::milliseconds>(options_.renew_every);
  HistoryRow row;
  for (int round = 0; round < rounds_ && row.index < options_.rows; ++round) {
    const int issuer = std::min(options_.issuers - 1, (rounds_ - 1 - round) / per_issuer);
    for (int i = 0; i < options_.identities && row.index < options_.rows; ++i) {
      if (!Alive(i, round)) continue;
      // Each workload renews at its own phase within the round, so issuance is spread out.
      const auto offset = std::chrono::milliseconds(Draw(options_.seed, i, 3, period.count()));
      row.identity = i;
      row.spiffe_id = SpiffeIdOf(i);
      row.principal = PrincipalOf(i);
      const uint64_t high =
          (Mix(options_.seed ^ (0xabcdefULL + row.index)) & 0x0fffffffffffffffULL) |
          0x1000000000000000ULL;  // first byte 0x10-0x1f: positive, no zero
      row.serial_hex = absl::StrFormat("%016x%016x", high, Mix(row.index + 1));
      row.supersedes_serial_hex = last_serial[i];
      row.issued_at = std::chrono::time_point_cast<TimePoint::duration>(
          start_ + round * options_.renew_every + offset);
      row.not_before = row.issued_at - std::chrono::minutes(2);
      row.not_after = row.issued_at + options_.lifetime;
      row.issuer = issuer;
      emit(row);
      if (Draw(options_.seed, row.index, 4, 100'000) <
          static_cast<uint64_t>(options_.revoked_per_100k)) {
        const auto room = std::chrono::duration_cast<std::chrono::milliseconds>(
            std::min<TimePoint::duration>(options_.lifetime, options_.now - row.issued_at));
        const auto after =
            std::chrono::milliseconds(Draw(options_.seed, row.index, 5, room.count()));
        revocations.push_back({row.serial_hex, row.issued_at + after,
                               kReasons[Draw(options_.seed, row.index, 6, 4)]});
      }
      last_serial[i] = row.serial_hex;
      ++row.index;
    }
  }
  std::sort(revocations.begin(), revocations.end(),
            [](const auto& a, const auto& b) { return a.at < b.at; });
  return revocations;
}

}  // namespace svidd::ledger_gen
