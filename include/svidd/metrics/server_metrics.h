// svidd's Prometheus metrics: one registry, the metric families in it, and one narrow method
// per thing that happened, called by the part of the server where it happened. The object
// always exists; with --metrics-listen off nobody serves the registry (http_routes.h),
// so callers never ask whether metrics are on. Thread-safe.
//
// Labels only take values from fixed sets: never a SPIFFE ID, a serial or anything a caller
// sent.
#pragma once

#include <atomic>
#include <chrono>
#include <cstddef>
#include <memory>
#include <string>

#include "absl/status/status.h"
#include "svidd/ledger/certificate_record.h"
#include "svidd/pki/authority.h"

namespace prometheus {
class Counter;
class Gauge;
class Histogram;
class Registry;
template <typename T>
class Family;
}  // namespace prometheus

namespace svidd::metrics {

// Which API a certificate was issued through: the `api` label of
// svidd_certificates_issued_total. kInternal is svidd acting on its own schedule (its serving
// certificate, a scheduled or bootstrap intermediate).
enum class IssuanceApi { kIstio, kRotation, kAdmin, kInternal };
const char* IssuanceApiName(IssuanceApi api);  // "istio" / "rotation" / "admin" / "internal"

class ServerMetrics {
 public:
  ServerMetrics();
  ~ServerMetrics();
  ServerMetrics(const ServerMetrics&) = delete;
  ServerMetrics& operator=(const ServerMetrics&) = delete;

  // svidd_certificates_issued_total{kind,api}: call once the ledger has recorded it.
  void RecordIssued(ledger::CertKind kind, IssuanceApi api);
  // svidd_requests_refused_total{reason}: `reason` is a RefusalReason() label.
  void RecordRefused(const std::string& reason);
  // svidd_issuance_duration_seconds: request in to certificate recorded.
  void ObserveIssuance(std::chrono::nanoseconds duration);
  // svidd_rotation_streams.
  void SetRotationStreams(size_t connected);
  // svidd_renewals_requested_total.
  void RecordRenewalRequested();
  // svidd_ca_certificate_expiry_timestamp_seconds{role}: "signer" is the signing CA
  // certificate's NotAfter, "root" the earliest NotAfter among the roots it publishes.
  void SetCaExpiry(const pki::Authority& authority);
  // svidd_serving: 1 while the health service says SERVING.
  void SetServing(bool serving);
  // svidd_readiness_condition{condition}: 1 while that readiness condition holds.
  void SetReadinessCondition(const std::string& condition, bool ok);
  // svidd_ledger_write_errors_total: a certificate or probe write the ledger refused.
  void RecordLedgerWriteError();
  // svidd_certificates_expiring_without_successor (expiring_certificates_gauge.h).
  void SetCertificatesExpiringWithoutSuccessor(int64_t count);
  // svidd_ledger_full_check_result (0 not finished, 1 intact, 2 broken, 3 could not read the
  // ledger) and svidd_ledger_full_check_duration_seconds: the background walk of the whole
  // ledger after start (server/background_ledger_check.h).
  enum class LedgerFullCheck { kRunning = 0, kIntact = 1, kBroken = 2, kFailed = 3 };
  void SetLedgerFullCheck(LedgerFullCheck result, std::chrono::duration<double> took);
  // svidd_connections_shed_total and svidd_accept_descriptors_exhausted_total follow the
  // connection cap's running totals (server/connection_cap.h): each call adds what they grew
  // by since the last.
  void SyncConnectionCap(uint64_t shed_total, uint64_t exhausted_total);

  // Istio's CA metrics (istio/istio security/pkg/server/ca/monitoring.go), with Istio's
  // names and meanings, so dashboards and alerts written for istiod keep working. They count
  // istio.v1.auth.IstioCertificateService.CreateCertificate only, as istiod does:
  //   citadel_server_csr_count                     every call
  //   citadel_server_authentication_failure_count  refused as UNAUTHENTICATED
  //   citadel_server_csr_sign_err_count{error}     refused after that (IstioSignErrorType)
  //   citadel_server_success_cert_issuance_count   issued
  void RecordIstioCsr(const absl::Status& outcome);

  // What the HTTP endpoint serves (and tests read).
  std::shared_ptr<prometheus::Registry> registry() const { return registry_; }

 private:
  std::shared_ptr<prometheus::Registry> registry_;
  prometheus::Family<prometheus::Counter>& issued_;
  prometheus::Family<prometheus::Counter>& refused_;
  prometheus::Histogram& issuance_duration_;
  prometheus::Gauge& rotation_streams_;
  prometheus::Counter& renewals_requested_;
  prometheus::Family<prometheus::Gauge>& ca_expiry_;
  prometheus::Gauge& signer_expiry_;
  prometheus::Gauge& root_expiry_;
  prometheus::Gauge& serving_;
  prometheus::Family<prometheus::Gauge>& readiness_conditions_;
  prometheus::Counter& ledger_write_errors_;
  prometheus::Gauge& expiring_without_successor_;
  prometheus::Gauge& ledger_full_check_result_;
  prometheus::Gauge& ledger_full_check_seconds_;
  prometheus::Counter& connections_shed_;
  prometheus::Counter& accept_exhausted_;
  std::atomic<uint64_t> shed_seen_{0};
  std::atomic<uint64_t> exhausted_seen_{0};
  prometheus::Counter& citadel_csr_;
  prometheus::Counter& citadel_authn_failure_;
  prometheus::Family<prometheus::Counter>& citadel_sign_err_;
  prometheus::Counter& citadel_success_;
  prometheus::Gauge& citadel_root_expiry_;
  prometheus::Gauge& citadel_chain_expiry_;
};

// The `error` label of citadel_server_csr_sign_err_count for a refusal that was not an
// authentication failure, in Istio's vocabulary (security/pkg/pki/error/error.go):
// "CA_NOT_READY" (no usable signing CA), "CSR_ERROR" (a CSR or requested identity svidd
// refuses), "CERT_GEN_ERROR" (signing or recording failed). nullptr for OK, UNAUTHENTICATED
// and refusals Istio has no word for (RESOURCE_EXHAUSTED, shutting down).
const char* IstioSignErrorType(const absl::Status& outcome);

}  // namespace svidd::metrics
