#include "support/fleet/test_fleet.h"

#include "absl/strings/str_cat.h"
#include "support/fleet/test_records.h"
#include "support/pki/csr_builder.h"
#include "svidd/common/status_macros.h"

namespace svidd::testing {
namespace {

using std::chrono::hours;

class FleetWriter {
 public:
  FleetWriter(ledger::Ledger& ledger, const pki::Authority& authority, TimePoint now,
              TestFleet& fleet)
      : ledger_(ledger), authority_(authority), now_(now), fleet_(fleet) {}

  // Certificates for `id` issued at now + each offset, each `ttl` long, each superseding the
  // one before.
  absl::Status Chain(const std::string& id, std::vector<hours> issued, hours ttl,
                     ledger::CertKind kind = ledger::CertKind::kWorkload) {
    std::string previous;
    for (hours offset : issued) {
      RecordSpec spec{NextSerial(), id, now_ + offset, now_ + offset + ttl, kind};
      spec.supersedes_serial_hex = previous;
      SVIDD_ASSIGN_OR_RETURN(previous, Record(spec));
    }
    return absl::OkStatus();
  }

  absl::StatusOr<std::string> Record(const RecordSpec& spec) {
    SVIDD_ASSIGN_OR_RETURN(ledger::CertificateRecord r, IssueTestRecord(authority_, spec));
    SVIDD_RETURN_IF_ERROR(ledger_.RecordIssuance(r));
    fleet_.records.push_back(r);
    return r.serial_hex;
  }

  std::string NextSerial() { return absl::StrCat(absl::Hex(0x1000 + next_++)); }

 private:
  ledger::Ledger& ledger_;
  const pki::Authority& authority_;
  TimePoint now_;
  TestFleet& fleet_;
  int next_ = 0;
};

std::string Sa(const std::string& td, const std::string& ns, const std::string& sa) {
  return absl::StrCat("spiffe://", td, "/ns/", ns, "/sa/", sa);
}

}  // namespace

std::vector<std::string> TestFleet::SerialsOf(const std::string& spiffe_id) const {
  std::vector<std::string> out;
  for (const ledger::CertificateRecord& r : records) {
    if (r.spiffe_id == spiffe_id) out.push_back(r.serial_hex);
  }
  return out;
}

absl::StatusOr<TestFleet> BuildTestFleet(ledger::Ledger& ledger, const pki::Authority& authority,
                                         TimePoint now, const std::string& td, int workers) {
  TestFleet f;
  FleetWriter w(ledger, authority, now, f);
  f.workers = workers;
  f.web = Sa(td, "default", "web");
  f.api = Sa(td, "default", "api");
  f.expiring = Sa(td, "default", "cache");
  f.stopped = Sa(td, "legacy", "old");
  f.ancient = Sa(td, "legacy", "gone");
  f.compromised = Sa(td, "default", "compromised");
  f.once = Sa(td, "jobs", "cron");
  f.weak = Sa(td, "legacy", "rsa");
  f.server = absl::StrCat("spiffe://", td, "/svidd/server");
  f.admin = absl::StrCat("spiffe://", td, "/admin/alice");
  const hours day(24);
  SVIDD_RETURN_IF_ERROR(w.Chain(f.web, {hours(-36), hours(-24), hours(-12), hours(-1)}, day));
  SVIDD_RETURN_IF_ERROR(w.Chain(f.api, {hours(-30), hours(-18), hours(-6)}, day));
  for (int i = 0; i < workers; ++i) {
    SVIDD_RETURN_IF_ERROR(
        w.Chain(Sa(td, "batch", absl::StrCat("worker-", i)), {hours(-20), hours(-8)}, day));
  }
  SVIDD_RETURN_IF_ERROR(w.Chain(f.expiring, {hours(-40), hours(-28), hours(-20)}, day));
  SVIDD_RETURN_IF_ERROR(w.Chain(f.stopped, {hours(-50), hours(-38), hours(-26)}, day));
  SVIDD_RETURN_IF_ERROR(w.Chain(f.ancient, {hours(-30 * 24), hours(-30 * 24 + 12)}, day));
  SVIDD_RETURN_IF_ERROR(w.Chain(f.compromised, {hours(-10), hours(-2)}, day));
  SVIDD_RETURN_IF_ERROR(w.Chain(f.once, {hours(-30)}, day));
  SVIDD_RETURN_IF_ERROR(w.Chain(f.server, {hours(-13), hours(-1)}, day, ledger::CertKind::kServer));
  SVIDD_ASSIGN_OR_RETURN(crypto::EvpPkeyPtr rsa1024, GenerateRsaKey(1024));
  RecordSpec weak{w.NextSerial(), f.weak, now - hours(1), now + hours(23)};
  weak.key = rsa1024.get();
  SVIDD_RETURN_IF_ERROR(w.Record(weak).status());
  RecordSpec admin{w.NextSerial(), f.admin, now - hours(7), now + hours(1)};
  admin.auth_method = ledger::kOperatorAuthMethod;
  SVIDD_RETURN_IF_ERROR(w.Record(admin).status());
  for (const std::string& serial : f.SerialsOf(f.compromised)) {
    SVIDD_RETURN_IF_ERROR(ledger.RevokeCertificate(serial, f.compromised_reason, now - hours(1)));
  }
  return f;
}

}  // namespace svidd::testing
