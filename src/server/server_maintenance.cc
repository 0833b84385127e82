#include "server/server_maintenance.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "spdlog/spdlog.h"

namespace svidd::server {

absl::Status ServerMaintenance::RunPass() {
  MutexLock lock(&pass_mu_);
  return RunPassLocked(/*count_expiring=*/true);
}

absl::Status ServerMaintenance::RunStartupPass() {
  MutexLock lock(&pass_mu_);
  return RunPassLocked(/*count_expiring=*/false);
}

void ServerMaintenance::RunScheduledPass() {
  if (absl::Status s = RunPass(); !s.ok()) spdlog::error("maintenance: {}", s.ToString());
  if (absl::Status s = parts_.refusals.Flush(); !s.ok()) {
    spdlog::warn("refusal counts: {}", s.ToString());
  }
  if (parts_.connection_cap_counts) {
    const ServerOptions::ConnectionCapCounts cap = parts_.connection_cap_counts();
    parts_.metrics.SyncConnectionCap(cap.shed, cap.exhausted);
  }
}

void ServerMaintenance::StopIssuing(const std::string& why) {
  MutexLock lock(&pass_mu_);
  HaltIssuance(why);
}

absl::Status ServerMaintenance::RunPassLocked(bool count_expiring) {
  const ServerMaintenanceParts& p = parts_;
  absl::Status ca = p.ca_manager.Tick().status();
  if (!ca.ok()) spdlog::error("CA rotation: {}", ca.ToString());
  std::shared_ptr<const pki::Authority> authority = p.authorities.Get();
  if (ca.ok() && (authority == nullptr || p.clock.Now() >= authority->not_after())) {
    ca = absl::UnavailableError("no valid signing CA");
  }
  if (ca.ok()) ca = p.publish_trust(*authority);
  p.readiness.Set("ca", ca.ok(), std::string(ca.message()));
  absl::Status serving_cert =
      ca.ok() ? p.serving_identity.EnsureFresh(*authority)
              : absl::UnavailableError("no serving certificate without a valid CA");
  p.readiness.Set("serving-certificate", serving_cert.ok(), std::string(serving_cert.message()));
  absl::Status written = p.ledger.CheckWritable();
  if (!written.ok()) p.metrics.RecordLedgerWriteError();
  p.ledger_health.Report(written.ok(), std::string(written.message()));
  ActOnRevocations();
  p.crls.Poll().IgnoreError();  // logged by the publisher; not health
  if (count_expiring) {         // not health either
    if (auto counted = p.expiring.MaybeUpdate(p.clock.Now()); !counted.ok()) {
      spdlog::warn("counting certificates expiring without a successor: {}",
                   counted.status().ToString());
    }
  }
  // Logged by the fetcher, which keeps the last good keys; not health either.
  if (p.jwks_fetcher != nullptr) p.jwks_fetcher->MaybeRefresh();
  const bool checkpoints_here = p.checkpoints.RenewLease();
  if (p.readiness.Ready() && checkpoints_here) {
    absl::Status signed_head = p.checkpoints.Checkpoint(p.authorities.Get());
    if (absl::IsFailedPrecondition(signed_head)) HaltIssuance(std::string(signed_head.message()));
  }
  for (const publish::Readiness::Condition& c : p.readiness.Conditions()) {
    p.metrics.SetReadinessCondition(c.name, c.ok);
  }
  const bool ready = p.readiness.Ready();
  p.set_serving(ready);
  for (const absl::Status& s : {ca, serving_cert, written}) {
    if (!s.ok()) return s;
  }
  if (p.pipeline.halted()) {
    return absl::FailedPreconditionError("issuance stopped: the ledger was rolled back");
  }
  return ready ? absl::OkStatus() : absl::UnavailableError(p.readiness.Describe());
}

// A revoked certificate that opened a stream ends that stream (whoever holds the key must
// authenticate afresh); a stream whose current certificate was revoked is re-issued one at
// once, with a new key.
void ServerMaintenance::ActOnRevocations() {
  auto revoked = parts_.revocation_watcher.Poll();
  if (!revoked.ok()) {
    spdlog::error("revocation check: {}", revoked.status().ToString());
    return;
  }
  for (const ledger::CertificateRecord& record : *revoked) {
    const std::string& serial = record.serial_hex;
    size_t closed = parts_.rotation_hub.CloseWhere(
        [&](const SessionView& v) { return v.authenticated_by == serial; },
        grpc::Status(
            grpc::StatusCode::UNAUTHENTICATED,
            "the certificate this stream authenticated with (" + serial + ") has been revoked"));
    size_t reissued = parts_.rotation_hub.Expedite(
        [&](const SessionView& v) { return v.current_serial == serial; },
        svidd::v1::RenewalRequested::REVOKED, rotation::Urgency::kImmediate);
    spdlog::warn(
        "certificate {} of {} was revoked: {} stream(s) closed, {} re-issuance(s) "
        "requested",
        serial, record.spiffe_id, closed, reissued);
  }
}

// The chain no longer holds what was signed: a rolled-back or rewritten ledger may have lost
// revocations, so nothing more is issued from it until an operator restores or accepts it.
void ServerMaintenance::HaltIssuance(const std::string& why) {
  if (parts_.pipeline.halted()) return;
  spdlog::critical(
      "issuance stopped: {}. Restore the newest ledger.db and restart, or restart "
      "with --accept-ledger-rollback to accept the ledger as it is",
      why);
  parts_.pipeline.Halt(absl::StrCat("svidd stopped issuing: its ledger was rolled back or edited (",
                                    why, "); an operator must restore or accept it"));
  parts_.readiness.Set("ledger-integrity", false,
                       "issuance stopped: the ledger was rolled back or edited");
}

}  // namespace svidd::server
