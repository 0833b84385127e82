// Which CA signs, and how that changes over time. Decisions come from the pure schedule in
// svidd/pki/ca_rotation_policy.h; this class carries them out and keeps the files in step.
//
// Modes
//   self-managed  svidd's own root (<data-dir>/root, key included) and intermediate: the
//                 intermediate is prepared at half-life (<data-dir>/ca-next), self-tested,
//                 recorded, and activated with a sixth of its life left; the root rotates on
//                 request or at half-life (new root published first, signing switched after
//                 `max leaf lifetime`, old root dropped once everything under it expired).
//   operator      --ca-dir: the directory is watched; new files are validated, self-tested
//                 and applied without a restart; svidd never writes there.
//   imported      <data-dir>/ca without svidd's root key (an intermediate signed by an
//                 offline root, or a data dir from before roots were kept): watched like an
//                 operator CA.
// Crash safety: every step writes its new files before the state that points at them, and
// Open() completes a step that was cut short (a half-written ca/ is finished from ca-next/,
// a root switch from root-next/).
// Locking: the steps (Open, Tick, the operator actions) run one at a time under steps_mu_,
// which they hold across their slow work (key generation, files, ledger writes). Readers
// (active(), signers(), Status()) never take it: each step ends by publishing an immutable
// snapshot that they load atomically, so signing, CRLs and status calls never wait for a
// key to be generated or a file to be written.
// Filesystem errors (a directory svidd may not write, say) come back as statuses or, for
// clean-up after a step already took effect, are logged: never an exception on the
// maintenance thread.
#pragma once

#include <atomic>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "svidd/ca/ca_dir_watcher.h"
#include "svidd/ca/ca_state.h"
#include "svidd/common/clock.h"
#include "svidd/common/data_dir.h"
#include "svidd/common/lifetime.h"
#include "svidd/common/mutex.h"
#include "svidd/ledger/ledger.h"
#include "svidd/metrics/server_metrics.h"
#include "svidd/pki/authority.h"
#include "svidd/pki/root_ca.h"

namespace svidd::ca {

struct CaManagerOptions {
  std::filesystem::path data_dir;
  std::filesystem::path operator_ca_dir;  // --ca-dir; empty for svidd's own CA
  std::string trust_domain = "cluster.local";
  crypto::KeyType key_type = crypto::KeyType::kEcP256;
  std::chrono::seconds ca_ttl = std::chrono::hours(24 * 30);
  std::chrono::seconds root_ttl = std::chrono::hours(24 * 3650);
  std::chrono::seconds max_leaf_ttl = std::chrono::hours(24);
  std::string crl_url_base;  // --crl-url: every CA's leaves name their CRL under it
};

enum class CaMode { kSelfManaged, kOperator, kImported };
const char* CaModeName(CaMode mode);  // "self-managed" / "operator" / "imported"

struct CaStatus {
  CaMode mode;
  std::shared_ptr<const pki::Authority> active;
  std::shared_ptr<const pki::Authority> next;  // prepared, not yet signing
  std::optional<TimePoint> next_prepare_at;    // self-managed only
  std::optional<TimePoint> next_activate_at;
  pki::RootPhase root_phase = pki::RootPhase::kSteady;
  std::vector<std::string> root_serials;  // the published bundle
};

// Filesystem steps with their errors as statuses: std::filesystem's throwing overloads would
// end the process from the maintenance thread.
absl::StatusOr<bool> PathExists(const std::filesystem::path& path);
absl::Status RemoveTree(const std::filesystem::path& path);
// RemoveTree for the clean-up after a step has taken effect: a failure is logged (the path
// and why), not returned, since the step itself succeeded.
void RemoveLeftover(const std::filesystem::path& path);

class CaManager {
 public:
  // Every intermediate svidd mints is counted in `metrics` once recorded.
  static absl::StatusOr<std::unique_ptr<CaManager>> Open(CaManagerOptions options,
                                                         ledger::Ledger& ledger, const Clock& clock,
                                                         metrics::ServerMetrics& metrics);

  std::shared_ptr<const pki::Authority> active() const;
  // Signers whose leaves may still be valid: the active one first, then retired ones.
  std::vector<std::shared_ptr<const pki::Authority>> signers() const;
  CaStatus Status() const;
  std::filesystem::path ca_dir() const;

  // One pass of the schedule (self-managed) or of the directory watch. OK(true) if the
  // active CA or the bundle changed; the listener has then been called.
  absl::StatusOr<bool> Tick();
  // Operator actions (self-managed only; FAILED_PRECONDITION saying why otherwise).
  absl::Status RequestRootRotation();
  absl::Status RotateIntermediateNow();

  // Called after every change, outside the manager's lock.
  void SetListener(std::function<void()> listener);
  ~CaManager();

 private:
  CaManager(CaManagerOptions options, ledger::Ledger& ledger, const Clock& clock,
            metrics::ServerMetrics& metrics);
  absl::Status Load() ABSL_EXCLUSIVE_LOCKS_REQUIRED(steps_mu_);
  absl::Status Bootstrap(TimePoint now) ABSL_EXCLUSIVE_LOCKS_REQUIRED(steps_mu_);
  absl::Status LoadRoots(TimePoint now) ABSL_EXCLUSIVE_LOCKS_REQUIRED(steps_mu_);
  absl::Status LoadNextAndRetired(TimePoint now) ABSL_EXCLUSIVE_LOCKS_REQUIRED(steps_mu_);
  absl::StatusOr<bool> TickSelfManaged(TimePoint now) ABSL_EXCLUSIVE_LOCKS_REQUIRED(steps_mu_);
  absl::StatusOr<bool> TickWatched(TimePoint now) ABSL_EXCLUSIVE_LOCKS_REQUIRED(steps_mu_);
  absl::Status PublishNewRoot(TimePoint now) ABSL_EXCLUSIVE_LOCKS_REQUIRED(steps_mu_);
  absl::Status SwitchToNewRoot(TimePoint now) ABSL_EXCLUSIVE_LOCKS_REQUIRED(steps_mu_);
  absl::StatusOr<TimePoint> DependentsExpire(const std::string& root_serial, TimePoint now) const;
  absl::Status DropOldRoot() ABSL_EXCLUSIVE_LOCKS_REQUIRED(steps_mu_);
  absl::Status PrepareNext(TimePoint now, metrics::IssuanceApi requested_by)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(steps_mu_);
  absl::Status ActivateNext(TimePoint now) ABSL_EXCLUSIVE_LOCKS_REQUIRED(steps_mu_);
  bool PruneRetired(TimePoint now) ABSL_EXCLUSIVE_LOCKS_REQUIRED(steps_mu_);
  absl::StatusOr<std::shared_ptr<const pki::Authority>> MintIntermediate(
      const pki::RootCa& root, TimePoint now, metrics::IssuanceApi requested_by)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(steps_mu_);
  absl::Status SetBundle(std::vector<const X509*> roots) ABSL_EXCLUSIVE_LOCKS_REQUIRED(steps_mu_);
  absl::Status SaveState() ABSL_EXCLUSIVE_LOCKS_REQUIRED(steps_mu_);
  // ca/ from active_, not mistaken for an outside change
  absl::Status WriteActive() ABSL_EXCLUSIVE_LOCKS_REQUIRED(steps_mu_);
  bool AdoptOutsideChange(TimePoint now) ABSL_EXCLUSIVE_LOCKS_REQUIRED(steps_mu_);
  std::shared_ptr<const pki::Authority> PollOutsideChange(TimePoint now)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(steps_mu_);
  void Notify();
  // Where a CA certificate's life counts from: its issuance time from the ledger when svidd
  // made it, else its NotBefore (an operator's root; svidd backdates only by minutes).
  Lifetime LifetimeOf(const X509* cert) const;

  pki::AuthorityOptions AuthorityOptionsFor() const { return {options_.crl_url_base}; }
  DataDir data_dir() const { return DataDir(options_.data_dir, options_.operator_ca_dir); }

  const CaManagerOptions options_;
  ledger::Ledger& ledger_;
  const Clock& clock_;
  metrics::ServerMetrics& metrics_;

  // What readers see; replaced whole by Publish() at the end of every step.
  struct Published {
    CaStatus status;
    std::vector<std::shared_ptr<const pki::Authority>> signers;  // active first, then retired
  };
  // The snapshot of the current state (reads the ledger for lifetimes: call it before
  // Notify(), under steps_mu_).
  void Publish() ABSL_EXCLUSIVE_LOCKS_REQUIRED(steps_mu_);

  mutable Mutex steps_mu_;
  CaMode mode_ ABSL_GUARDED_BY(steps_mu_) = CaMode::kSelfManaged;
  CaState state_ ABSL_GUARDED_BY(steps_mu_);
  std::optional<pki::RootCa> root_ ABSL_GUARDED_BY(steps_mu_);      // signs intermediates
  std::optional<pki::RootCa> new_root_ ABSL_GUARDED_BY(steps_mu_);  // kPublished
  std::shared_ptr<const pki::Authority> active_ ABSL_GUARDED_BY(steps_mu_);
  std::shared_ptr<const pki::Authority> next_ ABSL_GUARDED_BY(steps_mu_);
  std::vector<std::shared_ptr<const pki::Authority>> retired_ ABSL_GUARDED_BY(steps_mu_);
  // ca_dir(), changed by someone else
  std::unique_ptr<CaDirWatcher> watcher_ ABSL_GUARDED_BY(steps_mu_);
  bool outside_change_pending_ ABSL_GUARDED_BY(steps_mu_) = false;  // changed, not yet usable
  std::string outside_change_error_ ABSL_GUARDED_BY(steps_mu_);     // why, as last logged

  std::atomic<std::shared_ptr<const Published>> published_;

  Mutex listener_mu_;
  std::function<void()> listener_ ABSL_GUARDED_BY(listener_mu_);
};

}  // namespace svidd::ca
