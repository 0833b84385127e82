// The admin API's wire mapping loses nothing: what svidctl sends is what the server reads,
// and what the server answers is what svidctl prints.
#include "svidd/api/admin_proto.h"

#include <gtest/gtest.h>

#include "svidd/common/time_format.h"

namespace svidd::api {
namespace {

const TimePoint kT = FromUnixSeconds(1'760'000'000);

TEST(AdminProtoTest, CertificateFilterRoundTrips) {
  ledger::CertificateFilter f;
  f.spiffe_id = "spiffe://td/ns/a/sa/b";
  f.spiffe_id_prefix = "spiffe://td/ns/";
  f.istio_namespace = "a";
  f.serial = "0a";
  f.issuer_serial = "0b";
  f.key_type = "RSA-2048";
  f.status = ledger::CertStatus::kRevoked;
  f.kind = ledger::CertKind::kServer;
  f.issued_since = kT;
  f.issued_until = kT + std::chrono::hours(1);
  f.not_after_before = kT + std::chrono::hours(2);
  f.not_after_after = kT + std::chrono::hours(3);
  f.revoked_since = kT + std::chrono::hours(4);
  f.sort = ledger::CertificateSortField::kSpiffeId;
  f.descending = false;
  f.limit = 7;
  f.offset = 3;
  f.page_token = "tok";
  auto back = FromProto(ToProto(f));
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ(back->spiffe_id, f.spiffe_id);
  EXPECT_EQ(back->spiffe_id_prefix, f.spiffe_id_prefix);
  EXPECT_EQ(back->istio_namespace, f.istio_namespace);
  EXPECT_EQ(back->serial, f.serial);
  EXPECT_EQ(back->issuer_serial, f.issuer_serial);
  EXPECT_EQ(back->key_type, f.key_type);
  EXPECT_EQ(back->status, f.status);
  EXPECT_EQ(back->kind, f.kind);
  EXPECT_EQ(back->issued_since, f.issued_since);
  EXPECT_EQ(back->issued_until, f.issued_until);
  EXPECT_EQ(back->not_after_before, f.not_after_before);
  EXPECT_EQ(back->not_after_after, f.not_after_after);
  EXPECT_EQ(back->revoked_since, f.revoked_since);
  EXPECT_EQ(back->sort, f.sort);
  EXPECT_EQ(back->descending, f.descending);
  EXPECT_EQ(back->limit, f.limit);
  EXPECT_EQ(back->offset, f.offset);
  EXPECT_EQ(back->page_token, f.page_token);

  auto empty = FromProto(ToProto(ledger::CertificateFilter{}));
  ASSERT_TRUE(empty.ok());
  EXPECT_FALSE(empty->spiffe_id.has_value());
  EXPECT_FALSE(empty->status.has_value());
  EXPECT_FALSE(empty->issued_since.has_value());
  EXPECT_TRUE(empty->descending);
}

TEST(AdminProtoTest, RecordRoundTripsWithPemOnlyWhenAsked) {
  ledger::CertificateRecord r;
  r.serial_hex = "0a";
  r.spiffe_id = "spiffe://td/ns/a/sa/b";
  r.kind = ledger::CertKind::kIntermediate;
  r.issued_at = kT;
  r.not_before = kT - std::chrono::minutes(2);
  r.not_after = kT + std::chrono::hours(24);
  r.issuer_serial_hex = "0b";
  r.issuer_subject = "CN=x";
  r.public_key_sha256 = "ab";
  r.key_type = "EC-P256";
  r.auth_method = "x509";
  r.auth_principal = "x509:0c";
  r.certificate_pem = "PEM";
  r.status = ledger::CertStatus::kRevoked;
  r.revoked_at = kT + std::chrono::hours(1);
  r.revocation_reason = "key compromise";
  r.supersedes_serial_hex = "09";
  auto back = FromProto(ToProto(r, true));
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(back->serial_hex, r.serial_hex);
  EXPECT_EQ(back->kind, r.kind);
  EXPECT_EQ(back->not_before, r.not_before);
  EXPECT_EQ(back->revoked_at, r.revoked_at);
  EXPECT_EQ(back->revocation_reason, r.revocation_reason);
  EXPECT_EQ(back->supersedes_serial_hex, r.supersedes_serial_hex);
  EXPECT_EQ(back->certificate_pem, "PEM");
  EXPECT_EQ(FromProto(ToProto(r, false))->certificate_pem, "");
  r.status = ledger::CertStatus::kActive;
  r.revoked_at.reset();
  EXPECT_FALSE(FromProto(ToProto(r, false))->revoked_at.has_value());
}

TEST(AdminProtoTest, RevocationTargets) {
  using Target = ops::RevocationRequest::Target;
  for (Target t : {Target::kSerial, Target::kSpiffeId, Target::kIssuer}) {
    auto back = FromProto(ToProto(ops::RevocationRequest{t, "v", "why"}));
    ASSERT_TRUE(back.ok());
    EXPECT_EQ(back->target, t);
    EXPECT_EQ(back->value, "v");
    EXPECT_EQ(back->reason, "why");
  }
  EXPECT_EQ(FromProto(pb::RevokeCertificatesRequest{}).status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST(AdminProtoTest, StatsAndAuditRoundTrip) {
  ops::FleetStats s;
  s.generated_at = kT;
  s.valid_certificates = 5;
  s.valid_by_kind = {{"workload", 5}};
  s.windows = {{std::chrono::hours(1), 1, 2, 3, 4}};
  s.refusals = {{"invalid-argument/csr", {4}}};
  s.ca = {{ops::CaRole::kRoot, "CN=r", "0r", kT, kT + std::chrono::hours(1), "EC-P256"}};
  auto back = FromProto(ToProto(s));
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ(back->windows[0].window, std::chrono::hours(1));
  EXPECT_EQ(back->windows[0].refused, 4);
  EXPECT_EQ(back->refusals[0].counts, std::vector<int64_t>{4});
  EXPECT_EQ(back->ca[0].role, ops::CaRole::kRoot);
  EXPECT_EQ(back->ca[0].not_after, kT + std::chrono::hours(1));

  ops::AuditReport r;
  r.generated_at = kT;
  r.findings = {{ops::AuditSeverity::kCritical, "weak-key", "RSA-1024", "bad"}};
  auto audit = FromProto(ToProto(r));
  ASSERT_TRUE(audit.ok());
  EXPECT_TRUE(audit->HasCritical());
  EXPECT_EQ(audit->findings[0].subject, "RSA-1024");
}

// svidctl ca status prints what the server's CA manager said, whichever fields it had.
TEST(AdminProtoTest, CaManagerStatusRoundTrips) {
  auto cert = [](ops::CaRole role, const std::string& serial) {
    ops::CaCertificateInfo c;
    c.role = role;
    c.subject = "CN=" + serial;
    c.serial_hex = serial;
    c.not_before = kT;
    c.not_after = kT + std::chrono::hours(24);
    c.key_type = "EC-P256";
    return c;
  };
  ops::CaManagerStatus full;
  full.mode = "self-managed";
  full.root_phase = "published";
  full.active = cert(ops::CaRole::kSigner, "0a");
  full.next = cert(ops::CaRole::kSigner, "0b");
  full.next_prepare_at = kT + std::chrono::hours(1);
  full.next_activate_at = kT + std::chrono::hours(2);
  full.roots = {cert(ops::CaRole::kRoot, "01"), cert(ops::CaRole::kRoot, "02")};

  ops::CaManagerStatus bare;
  bare.mode = "operator";
  bare.root_phase = "steady";
  bare.active = cert(ops::CaRole::kSigner, "0c");

  for (const ops::CaManagerStatus& status : {full, bare}) {
    SCOPED_TRACE(status.mode);
    auto back = FromProto(ToProto(status));
    ASSERT_TRUE(back.ok()) << back.status();
    EXPECT_EQ(back->mode, status.mode);
    EXPECT_EQ(back->root_phase, status.root_phase);
    EXPECT_EQ(back->active.serial_hex, status.active.serial_hex);
    EXPECT_EQ(back->active.role, ops::CaRole::kSigner);
    EXPECT_EQ(back->active.not_after, status.active.not_after);
    EXPECT_EQ(back->next.has_value(), status.next.has_value());
    if (status.next) {
      EXPECT_EQ(back->next->serial_hex, status.next->serial_hex);
    }
    EXPECT_EQ(back->next_prepare_at, status.next_prepare_at);
    EXPECT_EQ(back->next_activate_at, status.next_activate_at);
    ASSERT_EQ(back->roots.size(), status.roots.size());
    for (size_t i = 0; i < status.roots.size(); ++i) {
      EXPECT_EQ(back->roots[i].serial_hex, status.roots[i].serial_hex);
      EXPECT_EQ(back->roots[i].role, ops::CaRole::kRoot);
    }
  }
}

}  // namespace
}  // namespace svidd::api
