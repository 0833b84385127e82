// The admin API's messages (proto/svidd/v1/admin.proto) ↔ the operator library's types, both
// ways: the server reads requests and writes answers, svidctl's remote backend writes
// requests and reads answers. One mapping, so local and remote answers cannot differ.
#pragma once

#include <optional>
#include <vector>

#include "absl/status/statusor.h"
#include "svidd/ledger/certificate_filter.h"
#include "svidd/ledger/operator_records.h"
#include "svidd/operator/audit.h"
#include "svidd/operator/ca_snapshot.h"
#include "svidd/operator/fleet_stats.h"
#include "svidd/operator/revocation.h"
#include "svidd/v1/admin.pb.h"

namespace svidd {

namespace pb = ::svidd::v1;

// Certificates. Unknown enum values or a missing oneof are INVALID_ARGUMENT.
pb::ListCertificatesRequest ToProto(const CertificateFilter& filter);
absl::StatusOr<CertificateFilter> FromProto(const pb::ListCertificatesRequest& request);
pb::Certificate ToProto(const CertificateRecord& record, bool with_pem);
absl::StatusOr<CertificateRecord> FromProto(const pb::Certificate& certificate);
pb::ListCertificatesResponse ToProto(const CertificatePage& page);
absl::StatusOr<CertificatePage> FromProto(const pb::ListCertificatesResponse& response);
pb::RevokeCertificatesRequest ToProto(const RevocationRequest& request);
absl::StatusOr<RevocationRequest> FromProto(const pb::RevokeCertificatesRequest& request);
pb::RevokeCertificatesResponse ToProto(const RevocationResult& result);
absl::StatusOr<RevocationResult> FromProto(const pb::RevokeCertificatesResponse& response);

// Views. `now` fills IdentityFilter::now when the request names no time.
pb::ListIdentitiesRequest ToProto(const IdentityFilter& filter);
absl::StatusOr<IdentityFilter> FromProto(const pb::ListIdentitiesRequest& request, TimePoint now);
pb::ListIdentitiesResponse ToProto(const std::vector<IdentitySummary>& identities);
absl::StatusOr<std::vector<IdentitySummary>> FromProto(const pb::ListIdentitiesResponse& response);
pb::Stats ToProto(const FleetStats& stats);
absl::StatusOr<FleetStats> FromProto(const pb::Stats& stats);
pb::AuditReport ToProto(const AuditReport& report);
absl::StatusOr<AuditReport> FromProto(const pb::AuditReport& report);
pb::TrustBundle ToProto(const TrustBundleRoots& bundle);

// One CA certificate as shown to operators (stats, CA status).
pb::CaCertificate CaToProto(const CaCertificateInfo& certificate);
TrustBundleRoots FromProto(const pb::TrustBundle& bundle);

// The optional evaluation time of stats and audit requests.
std::optional<TimePoint> EvaluatedAt(const pb::GetStatsRequest& request);
std::optional<TimePoint> EvaluatedAt(const pb::RunAuditRequest& request);

}  // namespace svidd
