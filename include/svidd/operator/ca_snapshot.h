// What an operator is shown of a CA: each certificate of the signing chain and the trust
// bundle, without the key. Read from the running server's authority or, for svidctl's local
// look, straight from an Istio CA directory without validating it, so that an expired or
// broken CA can still be inspected and audited.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "svidd/common/clock.h"
#include "svidd/pki/authority.h"

namespace svidd::ops {

enum class CaRole { kSigner, kIntermediate, kRoot };
const char* CaRoleName(CaRole role);  // "signer" / "intermediate" / "root"

struct CaCertificateInfo {
  CaRole role = CaRole::kSigner;
  std::string subject;
  std::string serial_hex;
  TimePoint not_before;
  TimePoint not_after;
  std::string key_type;  // KeyDescription::Label()
  // When svidd issued it, from the ledger (the audit fills it in); unknown for a root or an
  // operator's CA. Its life counts from here rather than from the backdated not_before.
  std::optional<TimePoint> issued_at;
};

struct CaSnapshot {
  std::string trust_domain;  // from the signer's spiffe://<td> URI SAN; "" if it has none
  std::vector<CaCertificateInfo> certificates;  // signer, intermediates, then roots
  std::string roots_pem;                        // root-cert.pem
};

// The authority's signer, intermediates and roots.
absl::StatusOr<CaSnapshot> CaSnapshotFromAuthority(const pki::Authority& authority);

// ca-cert.pem, cert-chain.pem (what lies between signer and roots) and root-cert.pem of `dir`;
// ca-key.pem is never opened. NOT_FOUND if there is no ca-cert.pem.
absl::StatusOr<CaSnapshot> ReadCaSnapshot(const std::filesystem::path& dir);

// The roots an operator distributes, with the bundle's sequence number.
struct TrustBundleRoots {
  std::string trust_domain;
  std::string roots_pem;
  // INTEGRATION POINT (rotation / crl-bundle): the SPIFFE bundle sequence. Until the bundle
  // publisher keeps its own counter this is the newest root's notBefore in Unix seconds,
  // which grows whenever a root is added (the only change svidd makes to its bundle today).
  uint64_t sequence = 0;
};
TrustBundleRoots TrustBundleOf(const CaSnapshot& ca);

// The running CA manager's schedule as an operator is shown it (svidctl ca status, the admin
// API's GetCaStatus): only the server has one; svidctl gets it over the admin API.
struct CaManagerStatus {
  std::string mode;                          // "self-managed", "operator", "imported"
  std::string root_phase;                    // "steady", "published", "switched"
  CaCertificateInfo active;                  // the signer
  std::optional<CaCertificateInfo> next;     // prepared, not yet signing
  std::optional<TimePoint> next_prepare_at;  // self-managed only
  std::optional<TimePoint> next_activate_at;
  std::vector<CaCertificateInfo> roots;  // the published bundle
};

}  // namespace svidd::ops
