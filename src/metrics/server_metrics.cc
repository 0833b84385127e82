#include "svidd/metrics/server_metrics.h"

#include <openssl/crypto.h>

#include <algorithm>

#include "prometheus/counter.h"
#include "prometheus/family.h"
#include "prometheus/gauge.h"
#include "prometheus/histogram.h"
#include "prometheus/registry.h"
#include "svidd/common/refusal.h"
#include "svidd/common/time_format.h"
#include "svidd/crypto/x509_fields.h"
#include "svidd/metrics/refusal_counter.h"

namespace svidd::metrics {
namespace {

// 0.5 ms (an EC signature and a group-committed write on an idle server) to 1 s (a queue of
// RSA-4096 signatures or a slow disk); slower ones land in +Inf.
const prometheus::Histogram::BucketBoundaries& IssuanceBuckets() {
  static const prometheus::Histogram::BucketBoundaries buckets = {
      0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0};
  return buckets;
}

prometheus::Family<prometheus::Counter>& IssuedFamily(prometheus::Registry& registry) {
  auto& family = prometheus::BuildCounter()
                     .Name("svidd_certificates_issued_total")
                     .Help(
                         "Certificates issued and recorded in the ledger, by kind and by the "
                         "API they were issued through (internal: svidd's own schedule)")
                     .Register(registry);
  // The combinations that occur, present at 0 from the start so rate() sees the first one.
  const std::pair<ledger::CertKind, IssuanceApi> occurring[] = {
      {ledger::CertKind::kWorkload, IssuanceApi::kIstio},
      {ledger::CertKind::kWorkload, IssuanceApi::kRotation},
      {ledger::CertKind::kServer, IssuanceApi::kInternal},
      {ledger::CertKind::kIntermediate, IssuanceApi::kInternal},
      {ledger::CertKind::kIntermediate, IssuanceApi::kAdmin},
  };
  for (const auto& [kind, api] : occurring) {
    family.Add({{"kind", CertKindName(kind)}, {"api", IssuanceApiName(api)}});
  }
  return family;
}

prometheus::Family<prometheus::Gauge>& CaExpiryFamily(prometheus::Registry& registry) {
  return prometheus::BuildGauge()
      .Name("svidd_ca_certificate_expiry_timestamp_seconds")
      .Help(
          "NotAfter, in Unix seconds, of the signing CA certificate (role=signer) and of the "
          "earliest-expiring root in the published trust bundle (role=root)")
      .Register(registry);
}

// Adds to `counter` how far the running total `total` grew beyond the largest one `seen` so
// far; each growth once, whichever caller gets there first.
void AddGrowth(std::atomic<uint64_t>& seen, uint64_t total, prometheus::Counter& counter) {
  uint64_t before = seen.load();
  while (total > before && !seen.compare_exchange_weak(before, total)) {
  }
  if (total > before) counter.Increment(static_cast<double>(total - before));
}

prometheus::Counter& Counter(prometheus::Registry& registry, const char* name, const char* help) {
  return prometheus::BuildCounter().Name(name).Help(help).Register(registry).Add({});
}

prometheus::Gauge& Gauge(prometheus::Registry& registry, const char* name, const char* help) {
  return prometheus::BuildGauge().Name(name).Help(help).Register(registry).Add({});
}

#ifndef SVIDD_VERSION
#define SVIDD_VERSION "unknown"
#endif

void AddBuildInfo(prometheus::Registry& registry) {
  prometheus::BuildGauge()
      .Name("svidd_build_info")
      .Help("Always 1; the labels say which svidd this is and which OpenSSL it runs with")
      .Register(registry)
      .Add({{"version", SVIDD_VERSION}, {"openssl", OpenSSL_version(OPENSSL_VERSION_STRING)}})
      .Set(1);
}

}  // namespace

const char* IstioSignErrorType(const absl::Status& outcome) {
  switch (outcome.code()) {
    case absl::StatusCode::kOk:
    case absl::StatusCode::kUnauthenticated:
    case absl::StatusCode::kResourceExhausted:
      return nullptr;
    case absl::StatusCode::kInvalidArgument:
    case absl::StatusCode::kPermissionDenied:
      return "CSR_ERROR";
    default:
      break;
  }
  const std::optional<Refusal> reason = RefusalOf(outcome);
  if (reason == Refusal::kCaNotReady) return "CA_NOT_READY";
  if (reason == Refusal::kShuttingDown) return nullptr;
  return "CERT_GEN_ERROR";
}

const char* IssuanceApiName(IssuanceApi api) {
  switch (api) {
    case IssuanceApi::kIstio:
      return "istio";
    case IssuanceApi::kRotation:
      return "rotation";
    case IssuanceApi::kAdmin:
      return "admin";
    case IssuanceApi::kInternal:
      return "internal";
  }
  return "unknown";
}

ServerMetrics::ServerMetrics()
    : registry_(std::make_shared<prometheus::Registry>()),
      issued_(IssuedFamily(*registry_)),
      refused_(prometheus::BuildCounter()
                   .Name("svidd_requests_refused_total")
                   .Help("Certificate requests and rotation streams refused, by reason "
                         "(<grpc code>/<category>, as svidctl stats shows them)")
                   .Register(*registry_)),
      issuance_duration_(prometheus::BuildHistogram()
                             .Name("svidd_issuance_duration_seconds")
                             .Help("Time from a certificate request reaching the signing path "
                                   "to the certificate being recorded in the ledger")
                             .Register(*registry_)
                             .Add({}, IssuanceBuckets())),
      rotation_streams_(prometheus::BuildGauge()
                            .Name("svidd_rotation_streams")
                            .Help("Rotation streams currently connected")
                            .Register(*registry_)
                            .Add({})),
      renewals_requested_(prometheus::BuildCounter()
                              .Name("svidd_renewals_requested_total")
                              .Help("Renewal requests the scheduler pushed down rotation streams")
                              .Register(*registry_)
                              .Add({})),
      ca_expiry_(CaExpiryFamily(*registry_)),
      signer_expiry_(ca_expiry_.Add({{"role", "signer"}})),
      root_expiry_(ca_expiry_.Add({{"role", "root"}})),
      serving_(prometheus::BuildGauge()
                   .Name("svidd_serving")
                   .Help("1 while the gRPC health service says SERVING (a valid signing CA, a "
                         "writable ledger, a current serving certificate), else 0")
                   .Register(*registry_)
                   .Add({})),
      readiness_conditions_(prometheus::BuildGauge()
                                .Name("svidd_readiness_condition")
                                .Help("1 while the named readiness condition holds (ca, "
                                      "serving-certificate, ledger, ...), else 0; svidd_serving "
                                      "is 1 when all of them do")
                                .Register(*registry_)),
      ledger_write_errors_(Counter(*registry_, "svidd_ledger_write_errors_total",
                                   "Writes the ledger refused: certificates withheld because "
                                   "they could not be recorded, and failed probe writes")),
      expiring_without_successor_(
          Gauge(*registry_, "svidd_certificates_expiring_without_successor",
                "Active workload certificates with less than --renewal-overdue-fraction of their "
                "life left that no later certificate of the same SPIFFE ID replaces: renewals "
                "that are overdue")),
      ledger_full_check_result_(
          Gauge(*registry_, "svidd_ledger_full_check_result",
                "The walk of the whole ledger svidd runs after it starts serving: 0 not "
                "finished, 1 intact, 2 broken (issuance stopped), 3 the ledger could not be "
                "read")),
      ledger_full_check_seconds_(Gauge(*registry_, "svidd_ledger_full_check_duration_seconds",
                                       "How long that walk took, once finished")),
      connections_shed_(Counter(*registry_, "svidd_connections_shed_total",
                                "gRPC connections closed as they were accepted because svidd "
                                "held its connection cap (--max-connections, else the open-file "
                                "limit minus a reserve); clients see a reset and retry")),
      accept_exhausted_(Counter(*registry_, "svidd_accept_descriptors_exhausted_total",
                                "Accepts on the gRPC port that failed with EMFILE/ENFILE despite "
                                "the cap (the connection waits in the backlog): descriptors are "
                                "running out for another reason")),
      citadel_csr_(Counter(*registry_, "citadel_server_csr_count",
                           "The number of CSRs received by the Istio certificate service "
                           "(Istio's name; svidd counts CreateCertificate calls)")),
      citadel_authn_failure_(Counter(*registry_, "citadel_server_authentication_failure_count",
                                     "The number of authentication failures (Istio's name)")),
      citadel_sign_err_(prometheus::BuildCounter()
                            .Name("citadel_server_csr_sign_err_count")
                            .Help("The number of errors occurred when signing the CSR, by "
                                  "Istio's error type (Istio's name)")
                            .Register(*registry_)),
      citadel_success_(Counter(*registry_, "citadel_server_success_cert_issuance_count",
                               "The number of certificates issuances that have succeeded "
                               "(Istio's name)")),
      citadel_root_expiry_(Gauge(*registry_, "citadel_server_root_cert_expiry_timestamp",
                                 "The unix timestamp, in seconds, when the root cert will "
                                 "expire (the earliest published root; Istio's name)")),
      citadel_chain_expiry_(Gauge(*registry_, "citadel_server_cert_chain_expiry_timestamp",
                                  "The unix timestamp, in seconds, when the signing CA cert "
                                  "will expire (Istio's name)")) {
  AddBuildInfo(*registry_);
}

ServerMetrics::~ServerMetrics() = default;

void ServerMetrics::RecordIssued(ledger::CertKind kind, IssuanceApi api) {
  issued_.Add({{"kind", CertKindName(kind)}, {"api", IssuanceApiName(api)}}).Increment();
}

void ServerMetrics::RecordRefused(const std::string& reason) {
  refused_.Add({{"reason", reason}}).Increment();
}

void ServerMetrics::ObserveIssuance(std::chrono::nanoseconds duration) {
  issuance_duration_.Observe(std::chrono::duration<double>(duration).count());
}

void ServerMetrics::SetRotationStreams(size_t connected) {
  rotation_streams_.Set(static_cast<double>(connected));
}

void ServerMetrics::RecordRenewalRequested() { renewals_requested_.Increment(); }

void ServerMetrics::SetCaExpiry(const pki::Authority& authority) {
  signer_expiry_.Set(static_cast<double>(ToUnixSeconds(authority.not_after())));
  citadel_chain_expiry_.Set(static_cast<double>(ToUnixSeconds(authority.not_after())));
  const std::vector<crypto::X509Ptr>& roots = authority.roots();
  if (roots.empty()) return;
  TimePoint earliest = TimePoint::max();
  for (const crypto::X509Ptr& root : roots)
    earliest = std::min(earliest, crypto::NotAfter(root.get()));
  root_expiry_.Set(static_cast<double>(ToUnixSeconds(earliest)));
  citadel_root_expiry_.Set(static_cast<double>(ToUnixSeconds(earliest)));
}

void ServerMetrics::SetServing(bool serving) { serving_.Set(serving ? 1 : 0); }

void ServerMetrics::SetReadinessCondition(const std::string& condition, bool ok) {
  readiness_conditions_.Add({{"condition", condition}}).Set(ok ? 1 : 0);
}

void ServerMetrics::RecordLedgerWriteError() { ledger_write_errors_.Increment(); }

void ServerMetrics::SetCertificatesExpiringWithoutSuccessor(int64_t count) {
  expiring_without_successor_.Set(static_cast<double>(count));
}

void ServerMetrics::SetLedgerFullCheck(LedgerFullCheck result, std::chrono::duration<double> took) {
  ledger_full_check_result_.Set(static_cast<double>(result));
  ledger_full_check_seconds_.Set(took.count());
}

void ServerMetrics::SyncConnectionCap(uint64_t shed_total, uint64_t exhausted_total) {
  AddGrowth(shed_seen_, shed_total, connections_shed_);
  AddGrowth(exhausted_seen_, exhausted_total, accept_exhausted_);
}

void ServerMetrics::RecordIstioCsr(const absl::Status& outcome) {
  citadel_csr_.Increment();
  if (outcome.ok()) {
    citadel_success_.Increment();
  } else if (outcome.code() == absl::StatusCode::kUnauthenticated) {
    citadel_authn_failure_.Increment();
  } else if (const char* type = IstioSignErrorType(outcome)) {
    citadel_sign_err_.Add({{"error", type}}).Increment();
  }
}

}  // namespace svidd::metrics
