// Identities, stats, audit reports and the trust bundle on the admin API's wire.
#include "api/admin_proto_enums.h"
#include "svidd/api/admin_proto.h"
#include "svidd/common/status_macros.h"
#include "svidd/common/time_format.h"

namespace svidd::api {
namespace {

using admin_proto::KindFromProto;
using admin_proto::KindToProto;
using admin_proto::Required;
using admin_proto::StatusFromProto;
using admin_proto::StatusToProto;
using admin_proto::TimeOf;

pb::Identity IdentityToProto(const ledger::IdentitySummary& s) {
  pb::Identity out;
  out.set_spiffe_id(s.spiffe_id);
  out.set_kind(KindToProto(s.kind));
  out.set_certificates(s.certificates);
  out.set_valid_certificates(s.valid_certificates);
  out.set_first_issued_at(ToUnixSeconds(s.first_issued_at));
  out.set_last_issued_at(ToUnixSeconds(s.last_issued_at));
  out.set_current_serial(s.current_serial);
  out.set_current_status(StatusToProto(s.current_status));
  out.set_current_not_before(ToUnixSeconds(s.current_not_before));
  out.set_current_not_after(ToUnixSeconds(s.current_not_after));
  out.set_current_auth_method(s.current_auth_method);
  return out;
}

absl::StatusOr<ledger::IdentitySummary> IdentityFromProto(const pb::Identity& in) {
  ledger::IdentitySummary s;
  s.spiffe_id = in.spiffe_id();
  SVIDD_ASSIGN_OR_RETURN(s.kind, Required(KindFromProto(in.kind()), "identity kind"));
  s.certificates = in.certificates();
  s.valid_certificates = in.valid_certificates();
  s.first_issued_at = FromUnixSeconds(in.first_issued_at());
  s.last_issued_at = FromUnixSeconds(in.last_issued_at());
  s.current_serial = in.current_serial();
  SVIDD_ASSIGN_OR_RETURN(s.current_status,
                         Required(StatusFromProto(in.current_status()), "identity status"));
  s.current_not_before = FromUnixSeconds(in.current_not_before());
  s.current_not_after = FromUnixSeconds(in.current_not_after());
  s.current_auth_method = in.current_auth_method();
  return s;
}

absl::StatusOr<ops::CaCertificateInfo> CaFromProto(const pb::CaCertificate& in) {
  ops::CaCertificateInfo c;
  bool known = false;
  for (ops::CaRole role : {ops::CaRole::kSigner, ops::CaRole::kIntermediate, ops::CaRole::kRoot}) {
    if (in.role() == CaRoleName(role)) c.role = role, known = true;
  }
  if (!known) return absl::InvalidArgumentError("unknown CA role \"" + in.role() + "\"");
  c.subject = in.subject();
  c.serial_hex = in.serial();
  c.not_before = FromUnixSeconds(in.not_before());
  c.not_after = FromUnixSeconds(in.not_after());
  c.key_type = in.key_type();
  return c;
}

absl::StatusOr<ops::AuditSeverity> SeverityFromProto(pb::AuditFinding::Severity severity) {
  switch (severity) {
    case pb::AuditFinding::INFO:
      return ops::AuditSeverity::kInfo;
    case pb::AuditFinding::WARNING:
      return ops::AuditSeverity::kWarning;
    case pb::AuditFinding::CRITICAL:
      return ops::AuditSeverity::kCritical;
    default:
      return absl::InvalidArgumentError("unknown audit severity");
  }
}

pb::AuditFinding::Severity SeverityToProto(ops::AuditSeverity severity) {
  switch (severity) {
    case ops::AuditSeverity::kInfo:
      return pb::AuditFinding::INFO;
    case ops::AuditSeverity::kWarning:
      return pb::AuditFinding::WARNING;
    case ops::AuditSeverity::kCritical:
      return pb::AuditFinding::CRITICAL;
  }
  return pb::AuditFinding::SEVERITY_UNSPECIFIED;
}

void WindowsToProto(const ops::FleetStats& stats, pb::Stats& out) {
  for (const ops::StatsWindow& w : stats.windows) {
    pb::Stats::Window* window = out.add_windows();
    window->set_window_seconds(w.window.count());
    window->set_issued(w.issued);
    window->set_renewals(w.renewals);
    window->set_revoked(w.revoked);
    window->set_refused(w.refused);
  }
  for (const ops::RefusalReasonStats& r : stats.refusals) {
    pb::Stats::Refusals* refusals = out.add_refusals();
    refusals->set_reason(r.reason);
    for (int64_t n : r.counts) refusals->add_counts(n);
  }
}

void WindowsFromProto(const pb::Stats& in, ops::FleetStats& stats) {
  for (const pb::Stats::Window& w : in.windows()) {
    stats.windows.push_back(ops::StatsWindow{std::chrono::seconds(w.window_seconds()), w.issued(),
                                             w.renewals(), w.revoked(), w.refused()});
  }
  for (const pb::Stats::Refusals& r : in.refusals()) {
    stats.refusals.push_back(ops::RefusalReasonStats{
        r.reason(), std::vector<int64_t>(r.counts().begin(), r.counts().end())});
  }
}

}  // namespace

pb::CaCertificate CaToProto(const ops::CaCertificateInfo& c) {
  pb::CaCertificate out;
  out.set_role(CaRoleName(c.role));
  out.set_subject(c.subject);
  out.set_serial(c.serial_hex);
  out.set_not_before(ToUnixSeconds(c.not_before));
  out.set_not_after(ToUnixSeconds(c.not_after));
  out.set_key_type(c.key_type);
  return out;
}

pb::ListIdentitiesRequest ToProto(const ledger::IdentityFilter& filter) {
  pb::ListIdentitiesRequest out;
  if (filter.spiffe_id_prefix) out.set_spiffe_id_prefix(*filter.spiffe_id_prefix);
  if (filter.istio_namespace) out.set_istio_namespace(*filter.istio_namespace);
  if (filter.kind) out.set_kind(KindToProto(*filter.kind));
  out.set_limit(static_cast<uint32_t>(filter.limit));
  out.set_evaluated_at(ToUnixSeconds(filter.now));
  return out;
}

absl::StatusOr<ledger::IdentityFilter> FromProto(const pb::ListIdentitiesRequest& in,
                                                 TimePoint now) {
  ledger::IdentityFilter f;
  if (in.has_spiffe_id_prefix()) f.spiffe_id_prefix = in.spiffe_id_prefix();
  if (in.has_istio_namespace()) f.istio_namespace = in.istio_namespace();
  SVIDD_ASSIGN_OR_RETURN(f.kind, KindFromProto(in.kind()));
  f.limit = in.limit();
  f.now = TimeOf(in.has_evaluated_at(), in.evaluated_at()).value_or(now);
  return f;
}

pb::ListIdentitiesResponse ToProto(const std::vector<ledger::IdentitySummary>& identities) {
  pb::ListIdentitiesResponse out;
  for (const ledger::IdentitySummary& s : identities) *out.add_identities() = IdentityToProto(s);
  return out;
}

absl::StatusOr<std::vector<ledger::IdentitySummary>> FromProto(
    const pb::ListIdentitiesResponse& in) {
  std::vector<ledger::IdentitySummary> out;
  for (const pb::Identity& i : in.identities()) {
    SVIDD_ASSIGN_OR_RETURN(ledger::IdentitySummary s, IdentityFromProto(i));
    out.push_back(std::move(s));
  }
  return out;
}

pb::Stats ToProto(const ops::FleetStats& stats) {
  pb::Stats out;
  out.set_generated_at(ToUnixSeconds(stats.generated_at));
  out.set_valid_certificates(stats.valid_certificates);
  for (const ledger::GroupCount& g : stats.valid_by_kind) {
    pb::Stats::KindCount* kind = out.add_valid_by_kind();
    kind->set_kind(g.value);
    kind->set_count(g.count);
  }
  WindowsToProto(stats, out);
  for (const ops::CaCertificateInfo& c : stats.ca) *out.add_ca() = CaToProto(c);
  return out;
}

absl::StatusOr<ops::FleetStats> FromProto(const pb::Stats& in) {
  ops::FleetStats stats;
  stats.generated_at = FromUnixSeconds(in.generated_at());
  stats.valid_certificates = in.valid_certificates();
  for (const pb::Stats::KindCount& k : in.valid_by_kind()) {
    stats.valid_by_kind.push_back(ledger::GroupCount{k.kind(), k.count()});
  }
  WindowsFromProto(in, stats);
  for (const pb::CaCertificate& c : in.ca()) {
    SVIDD_ASSIGN_OR_RETURN(ops::CaCertificateInfo info, CaFromProto(c));
    stats.ca.push_back(std::move(info));
  }
  return stats;
}

pb::AuditReport ToProto(const ops::AuditReport& report) {
  pb::AuditReport out;
  out.set_generated_at(ToUnixSeconds(report.generated_at));
  for (const ops::AuditFinding& f : report.findings) {
    pb::AuditFinding* finding = out.add_findings();
    finding->set_severity(SeverityToProto(f.severity));
    finding->set_check(f.check);
    finding->set_subject(f.subject);
    finding->set_message(f.message);
  }
  return out;
}

absl::StatusOr<ops::AuditReport> FromProto(const pb::AuditReport& in) {
  ops::AuditReport report;
  report.generated_at = FromUnixSeconds(in.generated_at());
  for (const pb::AuditFinding& f : in.findings()) {
    SVIDD_ASSIGN_OR_RETURN(ops::AuditSeverity severity, SeverityFromProto(f.severity()));
    report.findings.push_back(ops::AuditFinding{severity, f.check(), f.subject(), f.message()});
  }
  return report;
}

pb::TrustBundle ToProto(const ops::TrustBundleRoots& bundle) {
  pb::TrustBundle out;
  out.set_trust_domain(bundle.trust_domain);
  out.set_sequence(bundle.sequence);
  out.set_root_certs_pem(bundle.roots_pem);
  return out;
}

ops::TrustBundleRoots FromProto(const pb::TrustBundle& in) {
  return ops::TrustBundleRoots{in.trust_domain(), in.root_certs_pem(), in.sequence()};
}

std::optional<TimePoint> EvaluatedAt(const pb::GetStatsRequest& request) {
  return TimeOf(request.has_evaluated_at(), request.evaluated_at());
}

std::optional<TimePoint> EvaluatedAt(const pb::RunAuditRequest& request) {
  return TimeOf(request.has_evaluated_at(), request.evaluated_at());
}

pb::CaStatus ToProto(const ops::CaManagerStatus& status) {
  pb::CaStatus out;
  out.set_mode(status.mode);
  out.set_root_phase(status.root_phase);
  *out.mutable_active() = CaToProto(status.active);
  if (status.next) *out.mutable_next() = CaToProto(*status.next);
  if (status.next_prepare_at) out.set_next_prepare_at(ToUnixSeconds(*status.next_prepare_at));
  if (status.next_activate_at) out.set_next_activate_at(ToUnixSeconds(*status.next_activate_at));
  for (const ops::CaCertificateInfo& root : status.roots) *out.add_roots() = CaToProto(root);
  return out;
}

absl::StatusOr<ops::CaManagerStatus> FromProto(const pb::CaStatus& in) {
  ops::CaManagerStatus status;
  status.mode = in.mode();
  status.root_phase = in.root_phase();
  SVIDD_ASSIGN_OR_RETURN(status.active, CaFromProto(in.active()));
  if (in.has_next() && !in.next().serial().empty()) {
    SVIDD_ASSIGN_OR_RETURN(status.next, CaFromProto(in.next()));
  }
  if (in.next_prepare_at() > 0) status.next_prepare_at = FromUnixSeconds(in.next_prepare_at());
  if (in.next_activate_at() > 0) status.next_activate_at = FromUnixSeconds(in.next_activate_at());
  for (const pb::CaCertificate& root : in.roots()) {
    SVIDD_ASSIGN_OR_RETURN(ops::CaCertificateInfo info, CaFromProto(root));
    status.roots.push_back(std::move(info));
  }
  return status;
}

}  // namespace svidd::api
