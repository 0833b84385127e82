// CaManager's self-managed steps: each writes its files first and the state that points at
// them last, so Open() can finish a step a crash cut short.
#include "absl/strings/str_cat.h"
#include "spdlog/spdlog.h"
#include "svidd/ca/ca_manager.h"
#include "svidd/common/atomic_file.h"
#include "svidd/common/status_macros.h"
#include "svidd/common/time_format.h"
#include "svidd/crypto/pem.h"
#include "svidd/crypto/x509_fields.h"

namespace svidd::ca {
namespace {

// Leaves are backdated by this much; a retired signer is kept a little past its last leaf.
constexpr auto kLeafSlack = std::chrono::minutes(5);

std::vector<const X509*> Borrow(const std::vector<crypto::X509Ptr>& certs) {
  std::vector<const X509*> out;
  for (const crypto::X509Ptr& c : certs) out.push_back(c.get());
  return out;
}

}  // namespace

// When everything under the root `root_serial` will have expired: the intermediates it
// signed bound their leaves. Never earlier than `now`.
absl::StatusOr<TimePoint> CaManager::DependentsExpire(const std::string& root_serial,
                                                      TimePoint now) const {
  ledger::CertificateFilter under_root;
  under_root.issuer_serial = root_serial;
  SVIDD_ASSIGN_OR_RETURN(std::vector<ledger::CertificateRecord> signed_by_root,
                         ledger_.ListCertificates(under_root));
  TimePoint last = now;
  for (const ledger::CertificateRecord& r : signed_by_root) last = std::max(last, r.not_after);
  return last;
}

Lifetime CaManager::LifetimeOf(const X509* cert) const {
  absl::StatusOr<ledger::CertificateRecord> record =
      ledger_.GetCertificate(crypto::SerialHex(cert));
  return Lifetime::Of(crypto::NotBefore(cert), crypto::NotAfter(cert),
                      record.ok() ? std::optional<TimePoint>(record->issued_at) : std::nullopt);
}

absl::StatusOr<bool> CaManager::TickSelfManaged(TimePoint now) {
  bool changed = false;
  pki::RootState root_state{state_.root_phase,
                            LifetimeOf(root_->cert.get()).start(),
                            crypto::NotAfter(root_->cert.get()),
                            state_.rotation_requested,
                            state_.published_at,
                            state_.old_root_dependents_expire};
  pki::RootPlan root_plan = PlanRoot(root_state, now, options_.max_leaf_ttl);
  if (root_plan.publish_new_root) SVIDD_RETURN_IF_ERROR(PublishNewRoot(now));
  if (root_plan.switch_signing) SVIDD_RETURN_IF_ERROR(SwitchToNewRoot(now));
  if (root_plan.drop_old_root) SVIDD_RETURN_IF_ERROR(DropOldRoot());
  changed = root_plan.publish_new_root || root_plan.switch_signing || root_plan.drop_old_root;

  pki::IntermediatePlan plan = pki::PlanIntermediate(
      {LifetimeOf(active_->signing_cert()).start(), active_->not_after(), next_ != nullptr}, now);
  if (plan.prepare) SVIDD_RETURN_IF_ERROR(PrepareNext(now, metrics::IssuanceApi::kInternal));
  if (plan.activate) SVIDD_RETURN_IF_ERROR(ActivateNext(now));
  changed = changed || plan.prepare || plan.activate;
  return PruneRetired(now) || changed;
}

absl::Status CaManager::RequestRootRotation() {
  {
    MutexLock lock(&steps_mu_);
    if (mode_ != CaMode::kSelfManaged) {
      return absl::FailedPreconditionError(
          absl::StrCat("svidd does not hold this CA's root key (", CaModeName(mode_),
                       " CA): rotate the root where it is kept, then update ", ca_dir().string()));
    }
    if (state_.root_phase != pki::RootPhase::kSteady) {
      return absl::FailedPreconditionError(absl::StrCat(
          "a root rotation is already under way (phase ", RootPhaseName(state_.root_phase), ")"));
    }
    state_.rotation_requested = true;
    SVIDD_RETURN_IF_ERROR(SaveState());
  }
  return Tick().status();
}

absl::Status CaManager::RotateIntermediateNow() {
  {
    MutexLock lock(&steps_mu_);
    if (mode_ != CaMode::kSelfManaged) {
      return absl::FailedPreconditionError(
          absl::StrCat("svidd does not hold this CA's root key (", CaModeName(mode_),
                       " CA): it cannot mint a new intermediate itself"));
    }
    const TimePoint now = clock_.Now();
    // Only the admin API asks for this (svidctl ca rotate-intermediate).
    absl::Status done =
        next_ == nullptr ? PrepareNext(now, metrics::IssuanceApi::kAdmin) : absl::OkStatus();
    if (done.ok()) done = ActivateNext(now);
    Publish();
    SVIDD_RETURN_IF_ERROR(done);
  }
  Notify();
  return absl::OkStatus();
}

// Phase 1 of a root rotation: the new root joins the bundle; nothing is signed under it yet.
absl::Status CaManager::PublishNewRoot(TimePoint now) {
  pki::CaBootstrapOptions options;
  options.trust_domain = options_.trust_domain;
  options.key_type = options_.key_type;
  options.root_ttl = options_.root_ttl;
  SVIDD_ASSIGN_OR_RETURN(pki::RootCa root, MakeRootCa(options, now));
  SVIDD_RETURN_IF_ERROR(WriteRootCaDir(data_dir().root_next(), root));
  state_.root_phase = pki::RootPhase::kPublished;
  state_.rotation_requested = false;
  state_.published_at = now;
  SVIDD_RETURN_IF_ERROR(SaveState());
  std::vector<const X509*> bundle = Borrow(active_->roots());
  bundle.push_back(root.cert.get());
  new_root_ = std::move(root);
  SVIDD_RETURN_IF_ERROR(SetBundle(bundle));
  spdlog::warn("root rotation: published new root {} beside {}; signing moves to it after {}",
               crypto::SerialHex(new_root_->cert.get()), crypto::SerialHex(root_->cert.get()),
               FormatRfc3339(now + options_.max_leaf_ttl));
  return absl::OkStatus();
}

// Phase 2: an intermediate under the new root signs from now on. The old root stays in the
// bundle until everything under it has expired.
absl::Status CaManager::SwitchToNewRoot(TimePoint now) {
  // On the root rotation's schedule, even when an operator started the rotation.
  SVIDD_ASSIGN_OR_RETURN(auto intermediate,
                         MintIntermediate(*new_root_, now, metrics::IssuanceApi::kInternal));
  const std::string old_serial = crypto::SerialHex(root_->cert.get());
  SVIDD_ASSIGN_OR_RETURN(TimePoint dependents_expire, DependentsExpire(old_serial, now));
  if (next_ != nullptr) {  // prepared under the old root: never to be used
    next_.reset();
    SVIDD_RETURN_IF_ERROR(RemoveTree(data_dir().ca_next()));
  }
  next_ = std::move(intermediate);
  SVIDD_RETURN_IF_ERROR(WriteIstioCaDir(data_dir().ca_next(), next_->ShareMaterial()));
  SVIDD_RETURN_IF_ERROR(ActivateNext(now));
  SVIDD_RETURN_IF_ERROR(WriteRootCaDir(data_dir().own_root(), *new_root_));
  root_ = std::move(new_root_);
  new_root_.reset();
  state_.root_phase = pki::RootPhase::kSwitched;
  state_.old_root_serial = old_serial;
  state_.old_root_dependents_expire = dependents_expire;
  SVIDD_RETURN_IF_ERROR(SaveState());
  RemoveLeftover(data_dir().root_next());
  spdlog::warn(
      "root rotation: signing under new root {}; old root {} stays in the bundle "
      "until {}",
      crypto::SerialHex(root_->cert.get()), old_serial, FormatRfc3339(dependents_expire));
  return absl::OkStatus();
}

// Phase 3: nothing under the old root is valid any more; it leaves the bundle.
absl::Status CaManager::DropOldRoot() {
  std::vector<const X509*> bundle;
  std::string dropped_pem;
  for (const crypto::X509Ptr& r : active_->roots()) {
    if (crypto::SerialHex(r.get()) != state_.old_root_serial) {
      bundle.push_back(r.get());
    } else {
      SVIDD_ASSIGN_OR_RETURN(dropped_pem, crypto::CertificateToPem(r.get()));
    }
  }
  // Kept (certificate only) so ledger checkpoints signed under it still verify.
  auto retired = ReadFileToString(data_dir().retired_roots());
  std::string all = retired.ok() ? *retired : "";
  if (all.find(dropped_pem) == std::string::npos) all += dropped_pem;
  SVIDD_RETURN_IF_ERROR(WriteFileAtomically(data_dir().retired_roots(), all, 0644));
  SVIDD_RETURN_IF_ERROR(SetBundle(bundle));
  spdlog::warn("root rotation: dropped old root {} from the bundle", state_.old_root_serial);
  state_.root_phase = pki::RootPhase::kSteady;
  state_.old_root_serial.clear();
  return SaveState();
}

absl::Status CaManager::PrepareNext(TimePoint now, metrics::IssuanceApi requested_by) {
  SVIDD_ASSIGN_OR_RETURN(next_, MintIntermediate(*root_, now, requested_by));
  SVIDD_RETURN_IF_ERROR(WriteIstioCaDir(data_dir().ca_next(), next_->ShareMaterial()));
  spdlog::info("prepared the next intermediate {} (valid until {}); it signs from {}",
               next_->signer_serial_hex(), FormatRfc3339(next_->not_after()),
               FormatRfc3339(pki::ActivateNextAt(LifetimeOf(active_->signing_cert()).start(),
                                                 active_->not_after())));
  return absl::OkStatus();
}

// The prepared intermediate signs from now on; the old one is kept (for its CRL) until its
// last leaf has expired.
absl::Status CaManager::ActivateNext(TimePoint now) {
  SVIDD_RETURN_IF_ERROR(next_->SelfTest(now));
  const std::string old_serial = active_->signer_serial_hex();
  SVIDD_RETURN_IF_ERROR(
      WriteIstioCaDir(data_dir().ca_retired() / old_serial, active_->ShareMaterial()));
  state_.retired.push_back({old_serial, now + options_.max_leaf_ttl + kLeafSlack});
  SVIDD_RETURN_IF_ERROR(SaveState());
  retired_.insert(retired_.begin(), active_);
  active_ = std::move(next_);
  next_.reset();
  SVIDD_RETURN_IF_ERROR(WriteActive());
  RemoveLeftover(data_dir().ca_next());
  spdlog::warn("activated intermediate {} (valid until {}); {} retired",
               active_->signer_serial_hex(), FormatRfc3339(active_->not_after()), old_serial);
  return absl::OkStatus();
}

bool CaManager::PruneRetired(TimePoint now) {
  bool pruned = false;
  std::erase_if(state_.retired, [&](const RetiredSigner& r) {
    steps_mu_.AssertHeld();  // called under it, as PruneRetired is
    if (now < r.keep_until) return false;
    RemoveLeftover(data_dir().ca_retired() / r.serial_hex);
    std::erase_if(retired_, [&](const auto& a) { return a->signer_serial_hex() == r.serial_hex; });
    pruned = true;
    return true;
  });
  if (pruned) {
    if (absl::Status s = SaveState(); !s.ok()) spdlog::error("saving CA state: {}", s.ToString());
  }
  return pruned;
}

// The published bundle changes: the active and prepared CAs carry it (it is the last element
// of every Istio response and root-cert.pem in their directories).
absl::Status CaManager::SetBundle(std::vector<const X509*> roots) {
  SVIDD_ASSIGN_OR_RETURN(active_, active_->WithRoots(roots));
  SVIDD_RETURN_IF_ERROR(WriteActive());
  if (next_ != nullptr) {
    SVIDD_ASSIGN_OR_RETURN(next_, next_->WithRoots(roots));
    SVIDD_RETURN_IF_ERROR(WriteIstioCaDir(data_dir().ca_next(), next_->ShareMaterial()));
  }
  return absl::OkStatus();
}

}  // namespace svidd::ca
