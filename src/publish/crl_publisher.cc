#include "svidd/publish/crl_publisher.h"

#include <algorithm>
#include <set>

#include "absl/strings/str_cat.h"
#include "publish/crl_policy.h"
#include "spdlog/spdlog.h"
#include "svidd/common/atomic_file.h"
#include "svidd/common/lifetime.h"
#include "svidd/common/status_macros.h"
#include "svidd/common/time_format.h"
#include "svidd/crypto/pem.h"
#include "svidd/publish/crl_set.h"

namespace svidd::publish {
namespace {

using AuthorityList = std::vector<std::shared_ptr<const pki::Authority>>;

uint64_t UnixMillis(TimePoint t) {
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch());
  return ms.count() > 0 ? static_cast<uint64_t>(ms.count()) : 0;
}

// The highest CRL number in an earlier ca-crl.pem; 0 if there is none to read.
uint64_t PreviousNumber(const std::filesystem::path& ca_dir) {
  if (ca_dir.empty()) return 0;
  const std::filesystem::path path = ca_dir / CrlPublisher::kFileName;
  auto pem = ReadFileToString(path);
  if (!pem.ok()) {
    if (!absl::IsNotFound(pem.status())) spdlog::warn("CRL: {}", pem.status().ToString());
    return 0;
  }
  auto crls = crypto::ParseCrlsPem(*pem);
  if (!crls.ok()) {
    spdlog::warn("CRL: ignoring unreadable {}: {}", path.string(), crls.status().ToString());
    return 0;
  }
  uint64_t highest = 0;
  for (const crypto::X509CrlPtr& crl : *crls)
    highest = std::max(highest, pki::CrlNumber(crl.get()).value_or(0));
  return highest;
}

// The source's authorities without nulls and without a second one for the same signer.
AuthorityList Issuers(const CrlPublisher::AuthoritySource& source) {
  AuthorityList out;
  std::set<std::string> seen;
  for (std::shared_ptr<const pki::Authority>& authority : source()) {
    if (authority != nullptr && seen.insert(authority->signer_serial_hex()).second) {
      out.push_back(std::move(authority));
    }
  }
  return out;
}

absl::Status Prefixed(const std::string& prefix, const absl::Status& status) {
  return absl::Status(status.code(), absl::StrCat(prefix, status.message()));
}

}  // namespace

absl::StatusOr<std::unique_ptr<CrlPublisher>> CrlPublisher::Create(CrlPublisherOptions options,
                                                                   AuthoritySource authorities,
                                                                   const ledger::Ledger& ledger,
                                                                   const Clock& clock) {
  if (options.validity.count() <= 0) {
    return absl::InvalidArgumentError("CRL validity must be positive, got " +
                                      FormatDuration(options.validity));
  }
  if (authorities == nullptr) return absl::InvalidArgumentError("CRL publisher needs its CAs");
  const uint64_t last_number = PreviousNumber(options.ca_dir);
  return std::unique_ptr<CrlPublisher>(
      new CrlPublisher(std::move(options), std::move(authorities), ledger, clock, last_number));
}

CrlPublisher::CrlPublisher(CrlPublisherOptions options, AuthoritySource authorities,
                           const ledger::Ledger& ledger, const Clock& clock, uint64_t last_number)
    : options_(std::move(options)),
      authorities_(std::move(authorities)),
      ledger_(ledger),
      clock_(clock),
      last_number_(last_number),
      current_(std::make_shared<const CrlSet>()) {}

absl::Status CrlPublisher::Refresh() { return Update(/*force=*/true); }

absl::Status CrlPublisher::Poll() { return Update(/*force=*/false); }

void CrlPublisher::AddListener(ChangeListener listener) {
  MutexLock lock(&mu_);
  listeners_.push_back(std::move(listener));
}

absl::Status CrlPublisher::last_status() const {
  MutexLock lock(&mu_);
  return last_status_;
}

absl::Status CrlPublisher::Update(bool force) {
  ledger::CertificateFilter filter;
  filter.status = ledger::CertStatus::kRevoked;
  absl::Status errors;
  uint64_t published = 0;
  {
    MutexLock lock(&update_mu_);
    auto revoked = ledger_.ListCertificates(filter);
    if (!revoked.ok()) {
      errors = Prefixed("reading revocations from the ledger: ", revoked.status());
    } else if (auto next = Rebuild(*revoked, force, &errors); next != nullptr) {
      current_.store(next, std::memory_order_release);
      published = next->version();
      file_stale_ = true;
    }
    if (file_stale_) {
      absl::Status written = WriteFile(*Current());
      file_stale_ = !written.ok();
      errors.Update(written);
    }
  }
  Remember(errors);
  if (published != 0) Notify(published);
  return errors;
}

std::shared_ptr<const CrlSet> CrlPublisher::Rebuild(
    const std::vector<ledger::CertificateRecord>& revoked, bool force, absl::Status* errors) {
  const TimePoint now = clock_.Now();
  const std::shared_ptr<const CrlSet> current = Current();
  std::vector<std::shared_ptr<const pki::Crl>> next;
  bool built_any = false;
  for (const std::shared_ptr<const pki::Authority>& authority : Issuers(authorities_)) {
    const std::string& serial = authority->signer_serial_hex();
    std::shared_ptr<const pki::Crl> have = current->ForIssuer(serial);
    std::vector<pki::RevokedCertificate> wanted =
        RevokedEntriesFor(revoked, serial, now, options_.validity);
    if (have != nullptr && !force && !CrlNeedsRebuild(*have, wanted, now)) {
      next.push_back(std::move(have));
      continue;
    }
    pki::CrlSpec spec{std::move(wanted), now, options_.validity, NextNumber(now)};
    auto built = BuildCrl(authority->signing_cert(), authority->signing_key(), spec);
    if (!built.ok()) {
      errors->Update(Prefixed(absl::StrCat("CRL of CA ", serial, ": "), built.status()));
      if (have != nullptr) next.push_back(std::move(have));  // stale beats none
      continue;
    }
    spdlog::info("CRL #{} of CA {}: {} revoked, next update {}", built->number, serial,
                 built->revoked.size(), FormatRfc3339(built->next_update));
    next.push_back(std::make_shared<const pki::Crl>(*std::move(built)));
    built_any = true;
  }
  if (next == current->crls()) return nullptr;
  const uint64_t version = built_any ? last_number_ : NextNumber(now);
  return std::make_shared<const CrlSet>(version, std::move(next));
}

uint64_t CrlPublisher::NextNumber(TimePoint now) {
  last_number_ = std::max(last_number_ + 1, UnixMillis(now));
  return last_number_;
}

absl::Status CrlPublisher::WriteFile(const CrlSet& set) {
  // With no CRL at all (no CA could sign one) an earlier file is left as it is.
  if (options_.ca_dir.empty() || set.crls().empty()) return absl::OkStatus();
  return WriteFileAtomically(options_.ca_dir / kFileName, set.Pem(), 0644);
}

void CrlPublisher::Notify(uint64_t version) {
  std::vector<ChangeListener> listeners;
  {
    MutexLock lock(&mu_);
    listeners = listeners_;
  }
  for (const ChangeListener& listener : listeners) listener(version);
}

// Logs when publishing starts failing, fails differently, or recovers; not every second.
void CrlPublisher::Remember(const absl::Status& status) {
  MutexLock lock(&mu_);
  if (status == last_status_) return;
  if (!status.ok()) {
    spdlog::error("CRL publishing: {}", status.ToString());
  } else {
    spdlog::info("CRL publishing recovered");
  }
  last_status_ = status;
}

// CrlSet (crl_set.h): what the publisher serves.

std::shared_ptr<const pki::Crl> CrlSet::ForIssuer(std::string_view issuer_serial_hex) const {
  for (const std::shared_ptr<const pki::Crl>& crl : crls_) {
    if (crl->issuer_serial_hex == issuer_serial_hex) return crl;
  }
  return nullptr;
}

std::vector<std::string> CrlSet::Der() const {
  std::vector<std::string> out;
  out.reserve(crls_.size());
  for (const std::shared_ptr<const pki::Crl>& crl : crls_) out.push_back(crl->der);
  return out;
}

std::string CrlSet::Pem() const {
  std::string out;
  for (const std::shared_ptr<const pki::Crl>& crl : crls_) out += crl->pem;
  return out;
}

// The publisher's pure decisions (crl_policy.h).

std::vector<pki::RevokedCertificate> RevokedEntriesFor(
    const std::vector<ledger::CertificateRecord>& records, std::string_view issuer_serial_hex,
    TimePoint now, std::chrono::seconds retention) {
  std::vector<pki::RevokedCertificate> out;
  for (const ledger::CertificateRecord& record : records) {
    if (record.status != ledger::CertStatus::kRevoked || !record.revoked_at.has_value() ||
        record.issuer_serial_hex != issuer_serial_hex || record.not_after + retention <= now) {
      continue;
    }
    out.push_back({record.serial_hex, *record.revoked_at,
                   pki::RevocationReasonFromText(record.revocation_reason)});
  }
  // SerialHex has no leading zero bytes, so shorter is smaller.
  std::sort(out.begin(), out.end(),
            [](const pki::RevokedCertificate& a, const pki::RevokedCertificate& b) {
              if (a.serial_hex.size() != b.serial_hex.size())
                return a.serial_hex.size() < b.serial_hex.size();
              return a.serial_hex < b.serial_hex;
            });
  return out;
}

bool CrlNeedsRebuild(const pki::Crl& current, const std::vector<pki::RevokedCertificate>& wanted,
                     TimePoint now) {
  if (current.revoked != wanted) return true;
  return Lifetime::Of(current.this_update, current.next_update).PastHalfLife(now);
}

}  // namespace svidd::publish
