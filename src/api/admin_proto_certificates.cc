// Certificates, filters and revocations on the admin API's wire.
#include "absl/strings/str_cat.h"
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

pb::SortField SortToProto(ledger::CertificateSortField field) {
  switch (field) {
    case ledger::CertificateSortField::kIssuedAt:
      return pb::SORT_FIELD_ISSUED_AT;
    case ledger::CertificateSortField::kNotAfter:
      return pb::SORT_FIELD_NOT_AFTER;
    case ledger::CertificateSortField::kSpiffeId:
      return pb::SORT_FIELD_SPIFFE_ID;
  }
  return pb::SORT_FIELD_UNSPECIFIED;
}

absl::StatusOr<ledger::CertificateSortField> SortFromProto(pb::SortField field) {
  switch (field) {
    case pb::SORT_FIELD_UNSPECIFIED:
    case pb::SORT_FIELD_ISSUED_AT:
      return ledger::CertificateSortField::kIssuedAt;
    case pb::SORT_FIELD_NOT_AFTER:
      return ledger::CertificateSortField::kNotAfter;
    case pb::SORT_FIELD_SPIFFE_ID:
      return ledger::CertificateSortField::kSpiffeId;
    default:
      return absl::InvalidArgumentError(absl::StrCat("unknown sort field ", field));
  }
}

void SetTime(const std::optional<TimePoint>& t, void (pb::CertificateFilter::*set)(int64_t),
             pb::CertificateFilter& out) {
  if (t.has_value()) (out.*set)(ToUnixSeconds(*t));
}

pb::CertificateFilter FilterToProto(const ledger::CertificateFilter& f) {
  pb::CertificateFilter out;
  if (f.spiffe_id) out.set_spiffe_id(*f.spiffe_id);
  if (f.spiffe_id_prefix) out.set_spiffe_id_prefix(*f.spiffe_id_prefix);
  if (f.istio_namespace) out.set_istio_namespace(*f.istio_namespace);
  if (f.serial) out.set_serial(*f.serial);
  if (f.issuer_serial) out.set_issuer_serial(*f.issuer_serial);
  if (f.key_type) out.set_key_type(*f.key_type);
  if (f.status) out.set_status(StatusToProto(*f.status));
  if (f.kind) out.set_kind(KindToProto(*f.kind));
  SetTime(f.issued_since, &pb::CertificateFilter::set_issued_since, out);
  SetTime(f.issued_until, &pb::CertificateFilter::set_issued_until, out);
  SetTime(f.not_after_before, &pb::CertificateFilter::set_not_after_before, out);
  SetTime(f.not_after_after, &pb::CertificateFilter::set_not_after_after, out);
  SetTime(f.revoked_since, &pb::CertificateFilter::set_revoked_since, out);
  return out;
}

absl::Status FilterFromProto(const pb::CertificateFilter& in, ledger::CertificateFilter& f) {
  if (in.has_spiffe_id()) f.spiffe_id = in.spiffe_id();
  if (in.has_spiffe_id_prefix()) f.spiffe_id_prefix = in.spiffe_id_prefix();
  if (in.has_istio_namespace()) f.istio_namespace = in.istio_namespace();
  if (in.has_serial()) f.serial = in.serial();
  if (in.has_issuer_serial()) f.issuer_serial = in.issuer_serial();
  if (in.has_key_type()) f.key_type = in.key_type();
  SVIDD_ASSIGN_OR_RETURN(f.status, StatusFromProto(in.status()));
  SVIDD_ASSIGN_OR_RETURN(f.kind, KindFromProto(in.kind()));
  f.issued_since = TimeOf(in.has_issued_since(), in.issued_since());
  f.issued_until = TimeOf(in.has_issued_until(), in.issued_until());
  f.not_after_before = TimeOf(in.has_not_after_before(), in.not_after_before());
  f.not_after_after = TimeOf(in.has_not_after_after(), in.not_after_after());
  f.revoked_since = TimeOf(in.has_revoked_since(), in.revoked_since());
  return absl::OkStatus();
}

}  // namespace

pb::ListCertificatesRequest ToProto(const ledger::CertificateFilter& filter) {
  pb::ListCertificatesRequest out;
  *out.mutable_filter() = FilterToProto(filter);
  out.set_sort(SortToProto(filter.sort));
  out.set_ascending(!filter.descending);
  out.set_limit(static_cast<uint32_t>(filter.limit));
  out.set_offset(static_cast<uint32_t>(filter.offset));
  out.set_page_token(filter.page_token);
  return out;
}

absl::StatusOr<ledger::CertificateFilter> FromProto(const pb::ListCertificatesRequest& request) {
  ledger::CertificateFilter f;
  SVIDD_RETURN_IF_ERROR(FilterFromProto(request.filter(), f));
  SVIDD_ASSIGN_OR_RETURN(f.sort, SortFromProto(request.sort()));
  f.descending = !request.ascending();
  f.limit = request.limit();
  f.offset = request.offset();
  f.page_token = request.page_token();
  return f;
}

pb::Certificate ToProto(const ledger::CertificateRecord& r, bool with_pem) {
  pb::Certificate out;
  out.set_serial(r.serial_hex);
  out.set_spiffe_id(r.spiffe_id);
  out.set_kind(KindToProto(r.kind));
  out.set_status(StatusToProto(r.status));
  out.set_issued_at(ToUnixSeconds(r.issued_at));
  out.set_not_before(ToUnixSeconds(r.not_before));
  out.set_not_after(ToUnixSeconds(r.not_after));
  out.set_key_type(r.key_type);
  out.set_public_key_sha256(r.public_key_sha256);
  out.set_auth_method(r.auth_method);
  out.set_auth_principal(r.auth_principal);
  out.set_issuer_serial(r.issuer_serial_hex);
  out.set_issuer_subject(r.issuer_subject);
  if (r.revoked_at.has_value()) out.set_revoked_at(ToUnixSeconds(*r.revoked_at));
  out.set_revocation_reason(r.revocation_reason);
  out.set_supersedes_serial(r.supersedes_serial_hex);
  if (with_pem) out.set_certificate_pem(r.certificate_pem);
  return out;
}

absl::StatusOr<ledger::CertificateRecord> FromProto(const pb::Certificate& in) {
  ledger::CertificateRecord r;
  r.serial_hex = in.serial();
  r.spiffe_id = in.spiffe_id();
  SVIDD_ASSIGN_OR_RETURN(r.kind, Required(KindFromProto(in.kind()), "certificate kind"));
  SVIDD_ASSIGN_OR_RETURN(r.status, Required(StatusFromProto(in.status()), "certificate status"));
  r.issued_at = FromUnixSeconds(in.issued_at());
  r.not_before = FromUnixSeconds(in.not_before());
  r.not_after = FromUnixSeconds(in.not_after());
  r.key_type = in.key_type();
  r.public_key_sha256 = in.public_key_sha256();
  r.auth_method = in.auth_method();
  r.auth_principal = in.auth_principal();
  r.issuer_serial_hex = in.issuer_serial();
  r.issuer_subject = in.issuer_subject();
  r.revoked_at = TimeOf(in.has_revoked_at(), in.revoked_at());
  r.revocation_reason = in.revocation_reason();
  r.supersedes_serial_hex = in.supersedes_serial();
  r.certificate_pem = in.certificate_pem();
  return r;
}

pb::ListCertificatesResponse ToProto(const ledger::CertificatePage& page) {
  pb::ListCertificatesResponse out;
  for (const ledger::CertificateRecord& r : page.records)
    *out.add_certificates() = ToProto(r, false);
  out.set_total(page.total);
  out.set_next_page_token(page.next_page_token);
  return out;
}

absl::StatusOr<ledger::CertificatePage> FromProto(const pb::ListCertificatesResponse& in) {
  ledger::CertificatePage page;
  for (const pb::Certificate& c : in.certificates()) {
    SVIDD_ASSIGN_OR_RETURN(ledger::CertificateRecord r, FromProto(c));
    page.records.push_back(std::move(r));
  }
  page.total = in.total();
  page.next_page_token = in.next_page_token();
  return page;
}

pb::RevokeCertificatesRequest ToProto(const ops::RevocationRequest& request) {
  pb::RevokeCertificatesRequest out;
  switch (request.target) {
    case ops::RevocationRequest::Target::kSerial:
      out.set_serial(request.value);
      break;
    case ops::RevocationRequest::Target::kSpiffeId:
      out.set_spiffe_id(request.value);
      break;
    case ops::RevocationRequest::Target::kIssuer:
      out.set_issuer_serial(request.value);
      break;
  }
  out.set_reason(request.reason);
  return out;
}

absl::StatusOr<ops::RevocationRequest> FromProto(const pb::RevokeCertificatesRequest& in) {
  using Target = ops::RevocationRequest::Target;
  switch (in.target_case()) {
    case pb::RevokeCertificatesRequest::kSerial:
      return ops::RevocationRequest{Target::kSerial, in.serial(), in.reason()};
    case pb::RevokeCertificatesRequest::kSpiffeId:
      return ops::RevocationRequest{Target::kSpiffeId, in.spiffe_id(), in.reason()};
    case pb::RevokeCertificatesRequest::kIssuerSerial:
      return ops::RevocationRequest{Target::kIssuer, in.issuer_serial(), in.reason()};
    default:
      return absl::InvalidArgumentError("name a serial, a spiffe_id or an issuer_serial");
  }
}

pb::RevokeCertificatesResponse ToProto(const ops::RevocationResult& result) {
  pb::RevokeCertificatesResponse out;
  for (const ledger::CertificateRecord& r : result.revoked) *out.add_revoked() = ToProto(r, false);
  return out;
}

absl::StatusOr<ops::RevocationResult> FromProto(const pb::RevokeCertificatesResponse& in) {
  ops::RevocationResult result;
  for (const pb::Certificate& c : in.revoked()) {
    SVIDD_ASSIGN_OR_RETURN(ledger::CertificateRecord r, FromProto(c));
    result.revoked.push_back(std::move(r));
  }
  return result;
}

// Enum and time mappings shared by the certificate and view mappings (admin_proto_enums.h).
namespace admin_proto {

pb::CertificateKind KindToProto(ledger::CertKind kind) {
  switch (kind) {
    case ledger::CertKind::kWorkload:
      return pb::CERTIFICATE_KIND_WORKLOAD;
    case ledger::CertKind::kServer:
      return pb::CERTIFICATE_KIND_SERVER;
    case ledger::CertKind::kIntermediate:
      return pb::CERTIFICATE_KIND_INTERMEDIATE;
  }
  return pb::CERTIFICATE_KIND_UNSPECIFIED;
}

absl::StatusOr<std::optional<ledger::CertKind>> KindFromProto(pb::CertificateKind kind) {
  switch (kind) {
    case pb::CERTIFICATE_KIND_UNSPECIFIED:
      return std::optional<ledger::CertKind>();
    case pb::CERTIFICATE_KIND_WORKLOAD:
      return ledger::CertKind::kWorkload;
    case pb::CERTIFICATE_KIND_SERVER:
      return ledger::CertKind::kServer;
    case pb::CERTIFICATE_KIND_INTERMEDIATE:
      return ledger::CertKind::kIntermediate;
    default:
      return absl::InvalidArgumentError(absl::StrCat("unknown certificate kind ", kind));
  }
}

pb::CertificateStatus StatusToProto(ledger::CertStatus status) {
  return status == ledger::CertStatus::kRevoked ? pb::CERTIFICATE_STATUS_REVOKED
                                                : pb::CERTIFICATE_STATUS_ACTIVE;
}

absl::StatusOr<std::optional<ledger::CertStatus>> StatusFromProto(pb::CertificateStatus status) {
  switch (status) {
    case pb::CERTIFICATE_STATUS_UNSPECIFIED:
      return std::optional<ledger::CertStatus>();
    case pb::CERTIFICATE_STATUS_ACTIVE:
      return ledger::CertStatus::kActive;
    case pb::CERTIFICATE_STATUS_REVOKED:
      return ledger::CertStatus::kRevoked;
    default:
      return absl::InvalidArgumentError(absl::StrCat("unknown certificate status ", status));
  }
}

std::optional<TimePoint> TimeOf(bool has, int64_t seconds) {
  if (!has) return std::nullopt;
  return FromUnixSeconds(seconds);
}

}  // namespace admin_proto
}  // namespace svidd::api
