// svidd's own TLS certificate: issued to itself from its CA (so it chains to the mesh root
// clients already trust), recorded in the ledger like any other, written to
// <data-dir>/serving/ where gRPC's file watcher picks it up, and renewed at half its life or
// when the CA changes. The watcher reads one file, chain-and-key.pem (0600): gRPC 1.51's
// FileWatcherCertificateProvider reads the key and the chain as two files and checks only
// their modification times (whole seconds), never that they match, so a key and a chain in
// two files could be served as a mismatched pair for up to a second after a renewal, and
// every handshake failed meanwhile ("Invalid private key"). One file replaced by rename is
// read whole, old or new. cert-chain.pem (0644) holds the chain alone, for people to read.
#pragma once

#include <chrono>
#include <filesystem>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "svidd/common/clock.h"
#include "svidd/ledger/ledger.h"
#include "svidd/metrics/server_metrics.h"
#include "svidd/pki/authority.h"

namespace svidd::ca {

struct ServingIdentityOptions {
  std::filesystem::path dir;
  std::string trust_domain;
  std::vector<std::string> server_names;
  std::chrono::seconds ttl = std::chrono::hours(24);
};

class ServingIdentity {
 public:
  // Each certificate issued is counted in `metrics` (kind server, api internal).
  ServingIdentity(ServingIdentityOptions options, ledger::Ledger& ledger, const Clock& clock,
                  metrics::ServerMetrics& metrics);

  // Keeps the certificate on disk if it was issued by `authority`'s signer, names the
  // configured servers and is before half-life (of its life from issuance, as the ledger
  // recorded it: see svidd/common/lifetime.h); otherwise issues, records and writes a new one.
  absl::Status EnsureFresh(const pki::Authority& authority);

  std::filesystem::path chain_path() const { return options_.dir / "cert-chain.pem"; }
  // The chain followed by the private key, 0600: what gRPC serves (both paths of its watcher).
  std::filesystem::path credential_path() const { return options_.dir / "chain-and-key.pem"; }

 private:
  bool CurrentIsUsable(const pki::Authority& authority) const;
  absl::Status Issue(const pki::Authority& authority);

  ServingIdentityOptions options_;
  ledger::Ledger& ledger_;
  const Clock& clock_;
  metrics::ServerMetrics& metrics_;
};

}  // namespace svidd::ca
