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

namespace svidd::api {

namespace pb = ::svidd::v1;

// Certificates. Unknown enum values or a missing oneof are INVALID_ARGUMENT.
pb::ListCertificatesRequest ToProto(const ledger::CertificateFilter& filter);
absl::StatusOr<ledger::CertificateFilter> FromProto(const pb::ListCertificatesRequest& request);
pb::Certificate ToProto(const ledger::CertificateRecord& record, bool with_pem);
absl::StatusOr<ledger::CertificateRecord> FromProto(const pb::Certificate& certificate);
pb::ListCertificatesResponse ToProto(const ledger::CertificatePage& page);
absl::StatusOr<ledger::CertificatePage> FromProto(const pb::ListCertificatesResponse& response);
pb::RevokeCertificatesRequest ToProto(const ops::RevocationRequest& request);
absl::StatusOr<ops::RevocationRequest> FromProto(const pb::RevokeCertificatesRequest& request);
pb::RevokeCertificatesResponse ToProto(const ops::RevocationResult& result);
absl::StatusOr<ops::RevocationResult> FromProto(const pb::RevokeCertificatesResponse& response);

// Views. `now` fills IdentityFilter::now when the request names no time.
pb::ListIdentitiesRequest ToProto(const ledger::IdentityFilter& filter);
absl::StatusOr<ledger::IdentityFilter> FromProto(const pb::ListIdentitiesRequest& request,
                                                 TimePoint now);
pb::ListIdentitiesResponse ToProto(const std::vector<ledger::IdentitySummary>& identities);
absl::StatusOr<std::vector<ledger::IdentitySummary>> FromProto(
    const pb::ListIdentitiesResponse& response);
pb::Stats ToProto(const ops::FleetStats& stats);
absl::StatusOr<ops::FleetStats> FromProto(const pb::Stats& stats);
pb::AuditReport ToProto(const ops::AuditReport& report);
absl::StatusOr<ops::AuditReport> FromProto(const pb::AuditReport& report);
pb::TrustBundle ToProto(const ops::TrustBundleRoots& bundle);

// One CA certificate as shown to operators (stats, CA status).
pb::CaCertificate CaToProto(const ops::CaCertificateInfo& certificate);
ops::TrustBundleRoots FromProto(const pb::TrustBundle& bundle);
pb::CaStatus ToProto(const ops::CaManagerStatus& status);
absl::StatusOr<ops::CaManagerStatus> FromProto(const pb::CaStatus& status);

// The optional evaluation time of stats and audit requests.
std::optional<TimePoint> EvaluatedAt(const pb::GetStatsRequest& request);
std::optional<TimePoint> EvaluatedAt(const pb::RunAuditRequest& request);

}  // namespace svidd::api
