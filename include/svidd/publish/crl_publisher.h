// Keeps the CRL of every issuing CA current and publishes it: as an immutable CrlSet for
// readers (HTTP, Workload API `crl`, the rotation stream's TrustBundle.crls), and as
// ca-crl.pem in the CA directory (Istio's plug-in layout), replaced atomically.
//
// A CA's CRL is rebuilt when the revoked certificates it issued change, when it is half-way
// to its nextUpdate, and on Refresh(). Revocations made in this process should call
// Refresh(); those written to the ledger by another process (`svidctl certs revoke`) are
// found by Poll(), which the maintenance pass runs every second: it reads the ledger's revoked
// rows and compares them with what each CRL lists, and signs nothing when nothing changed.
#pragma once

#include <atomic>
#include <chrono>
#include <filesystem>
#include <functional>
#include <memory>
#include <mutex>
#include <vector>

#include "absl/status/statusor.h"
#include "svidd/common/clock.h"
#include "svidd/common/mutex.h"
#include "svidd/ledger/ledger.h"
#include "svidd/pki/authority.h"
#include "svidd/publish/crl_set.h"

namespace svidd::publish {

struct CrlPublisherOptions {
  std::filesystem::path ca_dir;  // ca-crl.pem goes here; "" keeps the CRLs in memory only
  std::chrono::seconds validity = std::chrono::hours(24);  // nextUpdate - thisUpdate
};

class CrlPublisher {
 public:
  static constexpr char kFileName[] = "ca-crl.pem";
  // The CAs to publish CRLs for: today the active one; during a CA rotation also the previous
  // one, until its leaves have expired. An issuer no longer returned is dropped.
  using AuthoritySource = std::function<std::vector<std::shared_ptr<const pki::Authority>>()>;
  // Called after every change with the new version; may run on any thread that calls Refresh()
  // or Poll(), outside the publisher's locks. Read Current() for the CRLs.
  using ChangeListener = std::function<void(uint64_t version)>;

  // Publishes nothing yet (call Refresh()). Reads an existing ca-crl.pem only for its CRL
  // numbers, so that numbers keep growing across restarts. INVALID_ARGUMENT for a
  // non-positive validity.
  static absl::StatusOr<std::unique_ptr<CrlPublisher>> Create(CrlPublisherOptions options,
                                                              AuthoritySource authorities,
                                                              const ledger::Ledger& ledger,
                                                              const Clock& clock);

  // Rebuilds and republishes every CA's CRL now.
  absl::Status Refresh();
  // Rebuilds only what is due (see above). Cheap when nothing changed.
  absl::Status Poll();

  std::shared_ptr<const CrlSet> Current() const { return current_.load(std::memory_order_acquire); }
  uint64_t version() const { return Current()->version(); }
  void AddListener(ChangeListener listener);

  // The first error of the last Refresh()/Poll() (OK if none). A CA whose CRL cannot be built
  // keeps its previous CRL, and the next Poll() tries again.
  absl::Status last_status() const;

 private:
  CrlPublisher(CrlPublisherOptions options, AuthoritySource authorities,
               const ledger::Ledger& ledger, const Clock& clock, uint64_t last_number);
  absl::Status Update(bool force);
  std::shared_ptr<const CrlSet> Rebuild(const std::vector<ledger::CertificateRecord>& revoked,
                                        bool force, absl::Status* errors)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(update_mu_);
  uint64_t NextNumber(TimePoint now) ABSL_EXCLUSIVE_LOCKS_REQUIRED(update_mu_);
  absl::Status WriteFile(const CrlSet& set);
  void Notify(uint64_t version);
  void Remember(const absl::Status& status);

  const CrlPublisherOptions options_;
  const AuthoritySource authorities_;
  const ledger::Ledger& ledger_;
  const Clock& clock_;

  Mutex update_mu_;                                   // one Update at a time
  uint64_t last_number_ ABSL_GUARDED_BY(update_mu_);  // the newest CRL number handed out
  bool file_stale_ ABSL_GUARDED_BY(update_mu_) = false;
  std::atomic<std::shared_ptr<const CrlSet>> current_;

  mutable Mutex mu_;  // listeners_, last_status_
  std::vector<ChangeListener> listeners_ ABSL_GUARDED_BY(mu_);
  absl::Status last_status_ ABSL_GUARDED_BY(mu_);
};

}  // namespace svidd::publish
