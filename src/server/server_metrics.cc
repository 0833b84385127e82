#include "svidd/server/server_metrics.h"

#include <algorithm>

#include "prometheus/counter.h"
#include "prometheus/family.h"
#include "prometheus/gauge.h"
#include "prometheus/histogram.h"
#include "prometheus/registry.h"
#include "svidd/common/time_format.h"
#include "svidd/crypto/x509_fields.h"

namespace svidd {
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
                     .Help("Certificates issued and recorded in the ledger, by kind and by the "
                           "API they were issued through (internal: svidd's own schedule)")
                     .Register(registry);
  // The combinations that occur, present at 0 from the start so rate() sees the first one.
  const std::pair<CertKind, IssuanceApi> occurring[] = {
      {CertKind::kWorkload, IssuanceApi::kIstio},
      {CertKind::kWorkload, IssuanceApi::kRotation},
      {CertKind::kServer, IssuanceApi::kInternal},
      {CertKind::kIntermediate, IssuanceApi::kInternal},
      {CertKind::kIntermediate, IssuanceApi::kAdmin},
  };
  for (const auto& [kind, api] : occurring) {
    family.Add({{"kind", CertKindName(kind)}, {"api", IssuanceApiName(api)}});
  }
  return family;
}

prometheus::Family<prometheus::Gauge>& CaExpiryFamily(prometheus::Registry& registry) {
  return prometheus::BuildGauge()
      .Name("svidd_ca_certificate_expiry_timestamp_seconds")
      .Help("NotAfter, in Unix seconds, of the signing CA certificate (role=signer) and of the "
            "earliest-expiring root in the published trust bundle (role=root)")
      .Register(registry);
}

}  // namespace

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
                   .Add({})) {}

ServerMetrics::~ServerMetrics() = default;

void ServerMetrics::RecordIssued(CertKind kind, IssuanceApi api) {
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

void ServerMetrics::SetCaExpiry(const Authority& authority) {
  signer_expiry_.Set(static_cast<double>(ToUnixSeconds(authority.not_after())));
  const std::vector<X509Ptr>& roots = authority.roots();
  if (roots.empty()) return;
  TimePoint earliest = TimePoint::max();
  for (const X509Ptr& root : roots) earliest = std::min(earliest, NotAfter(root.get()));
  root_expiry_.Set(static_cast<double>(ToUnixSeconds(earliest)));
}

void ServerMetrics::SetServing(bool serving) { serving_.Set(serving ? 1 : 0); }

}  // namespace svidd
