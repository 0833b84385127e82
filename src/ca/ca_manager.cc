// CaManager: opening (bootstrap, recovery, mode), the directory watch for CAs svidd does not
// manage, and what it tells the rest of the server. The self-managed rotation steps are in
// ca_manager_rotation.cc.
#include "svidd/ca/ca_manager.h"

#include "absl/strings/str_cat.h"
#include "spdlog/spdlog.h"
#include "svidd/common/status_macros.h"
#include "svidd/common/time_format.h"
#include "svidd/crypto/pem.h"
#include "svidd/crypto/x509_fields.h"
#include "svidd/issuance/record_builder.h"
#include "svidd/spiffe/spiffe_id.h"

namespace svidd::ca {
namespace {

absl::Status Prefixed(const std::string& prefix, const absl::Status& status) {
  return absl::Status(status.code(), prefix + std::string(status.message()));
}

}  // namespace

absl::StatusOr<bool> PathExists(const std::filesystem::path& path) {
  std::error_code ec;
  const bool exists = std::filesystem::exists(path, ec);
  if (ec) {
    return absl::UnavailableError(
        absl::StrCat("cannot look at ", path.string(), ": ", ec.message()));
  }
  return exists;
}

absl::Status RemoveTree(const std::filesystem::path& path) {
  std::error_code ec;
  std::filesystem::remove_all(path, ec);
  if (ec) {
    return absl::UnavailableError(
        absl::StrCat("cannot remove ", path.string(), ": ", ec.message()));
  }
  return absl::OkStatus();
}

void RemoveLeftover(const std::filesystem::path& path) {
  if (absl::Status removed = RemoveTree(path); !removed.ok()) {
    spdlog::error("{} (a leftover of a finished CA step; remove it by hand)",
                  std::string(removed.message()));
  }
}

namespace {

bool SignedBy(const X509* cert, const X509* issuer) {
  EVP_PKEY* key = X509_get0_pubkey(issuer);
  bool ok = key != nullptr && X509_verify(const_cast<X509*>(cert), key) == 1;
  crypto::ClearOpenSslErrors();
  return ok;
}

absl::StatusOr<std::shared_ptr<const pki::Authority>> TestedAuthority(
    pki::CaMaterial material, TimePoint now, const pki::AuthorityOptions& options) {
  SVIDD_ASSIGN_OR_RETURN(auto authority, pki::Authority::Create(std::move(material), options));
  SVIDD_RETURN_IF_ERROR(authority->SelfTest(now));
  return authority;
}

}  // namespace

const char* CaModeName(CaMode mode) {
  switch (mode) {
    case CaMode::kSelfManaged:
      return "self-managed";
    case CaMode::kOperator:
      return "operator";
    case CaMode::kImported:
      return "imported";
  }
  return "unknown";
}

CaManager::CaManager(CaManagerOptions options, ledger::Ledger& ledger, const Clock& clock,
                     metrics::ServerMetrics& metrics)
    : options_(std::move(options)), ledger_(ledger), clock_(clock), metrics_(metrics) {}

absl::StatusOr<std::unique_ptr<CaManager>> CaManager::Open(CaManagerOptions options,
                                                           ledger::Ledger& ledger,
                                                           const Clock& clock,
                                                           metrics::ServerMetrics& metrics) {
  std::unique_ptr<CaManager> manager(new CaManager(std::move(options), ledger, clock, metrics));
  MutexLock lock(&manager->steps_mu_);
  SVIDD_RETURN_IF_ERROR(manager->Load());
  manager->Publish();
  return manager;
}

std::filesystem::path CaManager::ca_dir() const { return data_dir().ca(); }

absl::Status CaManager::Load() {
  const TimePoint now = clock_.Now();
  if (!options_.operator_ca_dir.empty()) {
    mode_ = CaMode::kOperator;
    auto loaded = pki::LoadIstioCaDir(ca_dir(), now);
    if (!loaded.ok()) {
      return Prefixed("CA in " + ca_dir().string() + " is not usable: ", loaded.status());
    }
    SVIDD_ASSIGN_OR_RETURN(active_,
                           TestedAuthority(*std::move(loaded), now, AuthorityOptionsFor()));
    watcher_ = std::make_unique<CaDirWatcher>(ca_dir());
    spdlog::info("using the operator's CA in {}: signer {} valid until {}; watching for changes",
                 ca_dir().string(), active_->signer_serial_hex(),
                 FormatRfc3339(active_->not_after()));
    return absl::OkStatus();
  }
  SVIDD_ASSIGN_OR_RETURN(state_, ReadCaState(data_dir().ca_state()));
  auto loaded = pki::LoadIstioCaDir(ca_dir(), now);
  if (absl::IsNotFound(loaded.status())) {
    SVIDD_ASSIGN_OR_RETURN(bool next_exists, PathExists(data_dir().ca_next()));
    if (!next_exists) return Bootstrap(now);
  }
  if (!loaded.ok()) {
    // An activation cut short leaves ca/ half-written; ca-next/ still holds the whole CA.
    auto next = pki::LoadIstioCaDir(data_dir().ca_next(), now);
    if (!next.ok()) {
      return Prefixed("CA in " + ca_dir().string() + " is not usable: ", loaded.status());
    }
    spdlog::warn("finishing an interrupted CA activation from {}", data_dir().ca_next().string());
    SVIDD_RETURN_IF_ERROR(WriteIstioCaDir(ca_dir(), *next));
    SVIDD_RETURN_IF_ERROR(RemoveTree(data_dir().ca_next()));
    loaded = std::move(next);
  }
  SVIDD_ASSIGN_OR_RETURN(active_, TestedAuthority(*std::move(loaded), now, AuthorityOptionsFor()));
  spdlog::info("loaded CA from {}: signer {} valid until {}", ca_dir().string(),
               active_->signer_serial_hex(), FormatRfc3339(active_->not_after()));
  SVIDD_RETURN_IF_ERROR(LoadRoots(now));
  SVIDD_RETURN_IF_ERROR(LoadNextAndRetired(now));
  if (watcher_ == nullptr) watcher_ = std::make_unique<CaDirWatcher>(ca_dir());
  return absl::OkStatus();
}

absl::Status CaManager::Bootstrap(TimePoint now) {
  pki::CaBootstrapOptions root_options;
  root_options.trust_domain = options_.trust_domain;
  root_options.key_type = options_.key_type;
  root_options.root_ttl = options_.root_ttl;
  SVIDD_ASSIGN_OR_RETURN(pki::RootCa root, MakeRootCa(root_options, now));
  SVIDD_RETURN_IF_ERROR(WriteRootCaDir(data_dir().own_root(), root));
  root_ = std::move(root);
  SVIDD_ASSIGN_OR_RETURN(active_, MintIntermediate(*root_, now, metrics::IssuanceApi::kInternal));
  SVIDD_RETURN_IF_ERROR(WriteActive());
  SVIDD_RETURN_IF_ERROR(SaveState());
  mode_ = CaMode::kSelfManaged;
  spdlog::info("created a new root and intermediate CA ({}) in {}", KeyTypeName(options_.key_type),
               ca_dir().string());
  return absl::OkStatus();
}

// Self-managed only if svidd holds the key of the root that signed the active intermediate
// (or, mid root switch, of the new root that did).
absl::Status CaManager::LoadRoots(TimePoint now) {
  auto root = pki::LoadRootCaDir(data_dir().own_root());
  std::optional<pki::RootCa> next_root;
  if (auto r = pki::LoadRootCaDir(data_dir().root_next()); r.ok()) next_root = std::move(*r);
  const X509* signer = active_->signing_cert();
  if (next_root.has_value() && SignedBy(signer, next_root->cert.get())) {
    // A switch to the new root was cut short after ca/ was written: finish it.
    spdlog::warn("finishing an interrupted root switch from {}", data_dir().root_next().string());
    // The old root stays in the bundle exactly as long as the uninterrupted switch keeps it.
    if (root.ok()) {
      state_.old_root_serial = crypto::SerialHex(root->cert.get());
      SVIDD_ASSIGN_OR_RETURN(state_.old_root_dependents_expire,
                             DependentsExpire(state_.old_root_serial, now));
    } else {
      state_.old_root_dependents_expire = now;  // its certificate is gone: nothing to keep
    }
    SVIDD_RETURN_IF_ERROR(WriteRootCaDir(data_dir().own_root(), *next_root));
    root = std::move(*next_root);
    next_root.reset();
    state_.root_phase = pki::RootPhase::kSwitched;
    SVIDD_RETURN_IF_ERROR(SaveState());
    SVIDD_RETURN_IF_ERROR(RemoveTree(data_dir().root_next()));
  }
  if (!root.ok() || !SignedBy(signer, root->cert.get())) {
    mode_ = CaMode::kImported;
    watcher_ = std::make_unique<CaDirWatcher>(ca_dir());
    spdlog::warn(
        "svidd does not hold the key of the root that signed {}: it will not rotate "
        "this intermediate itself; replace it (svidctl ca csr / ca import) before {}",
        active_->signer_serial_hex(), FormatRfc3339(active_->not_after()));
    return absl::OkStatus();
  }
  mode_ = CaMode::kSelfManaged;
  root_ = *std::move(root);
  if (state_.root_phase == pki::RootPhase::kPublished) {
    if (!next_root.has_value()) {
      spdlog::error("root rotation was published but {} is gone; starting it over",
                    data_dir().root_next().string());
      state_.root_phase = pki::RootPhase::kSteady;
      state_.rotation_requested = true;
      return SaveState();
    }
    new_root_ = std::move(next_root);
  }
  return absl::OkStatus();
}

absl::Status CaManager::LoadNextAndRetired(TimePoint now) {
  if (mode_ != CaMode::kSelfManaged) return absl::OkStatus();
  SVIDD_ASSIGN_OR_RETURN(bool next_exists, PathExists(data_dir().ca_next()));
  if (next_exists) {
    auto next = pki::LoadIstioCaDir(data_dir().ca_next(), now);
    auto tested =
        next.ok() ? TestedAuthority(*std::move(next), now, AuthorityOptionsFor()) : next.status();
    if (tested.ok()) {
      next_ = *std::move(tested);
    } else {
      spdlog::warn("discarding the prepared CA in {}: {}", data_dir().ca_next().string(),
                   tested.status().ToString());
      SVIDD_RETURN_IF_ERROR(RemoveTree(data_dir().ca_next()));
    }
  }
  for (const RetiredSigner& r : state_.retired) {
    if (now >= r.keep_until) continue;
    auto loaded = pki::LoadIstioCaDir(data_dir().ca_retired() / r.serial_hex, now);
    auto authority = loaded.ok() ? pki::Authority::Create(*std::move(loaded), AuthorityOptionsFor())
                                 : loaded.status();
    if (authority.ok()) retired_.push_back(*std::move(authority));
  }
  PruneRetired(now);
  return absl::OkStatus();
}

CaManager::~CaManager() = default;

std::shared_ptr<const pki::Authority> CaManager::active() const {
  return published_.load(std::memory_order_acquire)->status.active;
}

std::vector<std::shared_ptr<const pki::Authority>> CaManager::signers() const {
  return published_.load(std::memory_order_acquire)->signers;
}

CaStatus CaManager::Status() const { return published_.load(std::memory_order_acquire)->status; }

void CaManager::Publish() {
  auto published = std::make_shared<Published>();
  CaStatus& status = published->status;
  status.mode = mode_;
  status.active = active_;
  status.next = next_;
  if (mode_ == CaMode::kSelfManaged) {
    const TimePoint start = LifetimeOf(active_->signing_cert()).start();
    status.next_prepare_at = pki::PrepareNextAt(start, active_->not_after());
    status.next_activate_at = pki::ActivateNextAt(start, active_->not_after());
  }
  status.root_phase = state_.root_phase;
  for (const crypto::X509Ptr& root : active_->roots())
    status.root_serials.push_back(crypto::SerialHex(root.get()));
  published->signers = {active_};
  published->signers.insert(published->signers.end(), retired_.begin(), retired_.end());
  published_.store(std::move(published), std::memory_order_release);
}

void CaManager::SetListener(std::function<void()> listener) {
  MutexLock lock(&listener_mu_);
  listener_ = std::move(listener);
}

void CaManager::Notify() {
  std::function<void()> listener;
  {
    MutexLock lock(&listener_mu_);
    listener = listener_;
  }
  if (listener) listener();
}

absl::StatusOr<bool> CaManager::Tick() {
  absl::StatusOr<bool> changed;
  {
    MutexLock lock(&steps_mu_);
    const TimePoint now = clock_.Now();
    if (mode_ != CaMode::kSelfManaged) {
      changed = TickWatched(now);
    } else if (AdoptOutsideChange(now)) {
      changed = true;
    } else {
      changed = TickSelfManaged(now);
    }
    // A step that failed half-way may still have changed something (a new root published
    // before the bundle write failed): readers always see what the manager holds.
    Publish();
  }
  if (changed.ok() && *changed) Notify();
  return changed;
}

// A CA svidd does not manage: reload it when its files change, if it passes every check;
// otherwise keep signing with the one that did.
// A CA svidd does not manage: switch to it when its files change, if it passes every check;
// otherwise keep signing with the one that did.
absl::StatusOr<bool> CaManager::TickWatched(TimePoint now) {
  std::shared_ptr<const pki::Authority> changed = PollOutsideChange(now);
  if (changed == nullptr) return false;
  if (changed->signer_serial_hex() != active_->signer_serial_hex()) {
    retired_.insert(retired_.begin(), active_);
  }
  spdlog::info("applied the changed CA in {}: signer {} valid until {}, {} root(s)",
               ca_dir().string(), changed->signer_serial_hex(), FormatRfc3339(changed->not_after()),
               changed->roots().size());
  active_ = std::move(changed);
  return true;
}

// A change to ca_dir() made by someone else, loaded and self-tested; nullptr if there is none
// or it changes nothing. A change that is not usable yet (files still being written, a
// certificate not yet valid by this clock) is tried again every tick until it is, or until
// the directory changes again, and logged once per reason.
std::shared_ptr<const pki::Authority> CaManager::PollOutsideChange(TimePoint now) {
  if (watcher_->Changed()) outside_change_pending_ = true;
  if (!outside_change_pending_) return nullptr;
  auto loaded = pki::LoadIstioCaDir(ca_dir(), now);
  auto tested = loaded.ok() ? TestedAuthority(*std::move(loaded), now, AuthorityOptionsFor())
                            : loaded.status();
  if (!tested.ok()) {
    std::string why = tested.status().ToString();
    if (why != outside_change_error_) {
      spdlog::error(
          "the CA files in {} changed but are not usable (yet), so svidd keeps "
          "signing with {}: {}",
          ca_dir().string(), active_->signer_serial_hex(), why);
      outside_change_error_ = std::move(why);
    }
    return nullptr;
  }
  outside_change_pending_ = false;
  outside_change_error_.clear();
  if ((*tested)->chain_pem() == active_->chain_pem() &&
      (*tested)->root_bundle_pem() == active_->root_bundle_pem()) {
    return nullptr;  // touched, not changed
  }
  return *std::move(tested);
}

absl::Status CaManager::SaveState() { return WriteCaState(data_dir().ca_state(), state_); }

absl::Status CaManager::WriteActive() {
  SVIDD_RETURN_IF_ERROR(WriteIstioCaDir(ca_dir(), active_->ShareMaterial()));
  if (watcher_ == nullptr) {
    watcher_ = std::make_unique<CaDirWatcher>(ca_dir());
  } else {
    watcher_->Changed();  // our own write is not an outside change
    outside_change_pending_ = false;
  }
  return absl::OkStatus();
}

// Someone else wrote svidd's own ca/ (`svidctl ca import` of an intermediate signed by an
// offline root, say). Adopt it if it passes every check; if svidd's root did not sign it,
// svidd stops rotating it and watches it like an operator's CA.
bool CaManager::AdoptOutsideChange(TimePoint now) {
  std::shared_ptr<const pki::Authority> tested = PollOutsideChange(now);
  if (tested == nullptr) return false;
  retired_.insert(retired_.begin(), active_);
  active_ = std::move(tested);
  if (!SignedBy(active_->signing_cert(), root_->cert.get())) {
    mode_ = CaMode::kImported;
    next_.reset();
    RemoveLeftover(data_dir().ca_next());
    spdlog::warn(
        "adopted the intermediate {} written to {} from outside; it is not under "
        "svidd's root, so svidd will not rotate it (valid until {})",
        active_->signer_serial_hex(), ca_dir().string(), FormatRfc3339(active_->not_after()));
  } else {
    spdlog::warn("adopted the intermediate {} written to {} from outside",
                 active_->signer_serial_hex(), ca_dir().string());
  }
  return true;
}

// A new intermediate under `root` for the current bundle: self-tested and on record before
// anyone can see it.
absl::StatusOr<std::shared_ptr<const pki::Authority>> CaManager::MintIntermediate(
    const pki::RootCa& root, TimePoint now, metrics::IssuanceApi requested_by) {
  std::vector<const X509*> bundle;
  if (active_ != nullptr) {
    for (const crypto::X509Ptr& r : active_->roots()) bundle.push_back(r.get());
  } else {
    bundle.push_back(root.cert.get());
  }
  pki::IntermediateSpec spec{options_.trust_domain, options_.key_type, options_.ca_ttl};
  SVIDD_ASSIGN_OR_RETURN(pki::CaMaterial material, IssueIntermediate(root, spec, bundle, now));
  SVIDD_ASSIGN_OR_RETURN(spiffe::SpiffeId td,
                         spiffe::SpiffeId::ForTrustDomain(options_.trust_domain));
  SVIDD_ASSIGN_OR_RETURN(ledger::CertificateRecord record,
                         issuance::BuildCaCertificateRecord(material, root.cert.get(), td.str(),
                                                            "svidd (self-managed CA)", now));
  SVIDD_ASSIGN_OR_RETURN(auto authority,
                         TestedAuthority(std::move(material), now, AuthorityOptionsFor()));
  SVIDD_RETURN_IF_ERROR(ledger_.RecordIssuance(std::move(record)));
  metrics_.RecordIssued(ledger::CertKind::kIntermediate, requested_by);
  return authority;
}

}  // namespace svidd::ca
