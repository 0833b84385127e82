// Which certificates a ledger query returns, in which order, and which page of them.
// Every field is optional; the set ones are ANDed together.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "svidd/common/clock.h"
#include "svidd/ledger/certificate_record.h"

namespace svidd::ledger {

enum class CertificateSortField { kIssuedAt, kNotAfter, kSpiffeId };
// "issued_at" / "not_after" / "spiffe_id": the spelling of flags, JSON and page tokens.
const char* CertificateSortFieldName(CertificateSortField field);
std::optional<CertificateSortField> ParseCertificateSortField(std::string_view name);

// "Unexpired at `at`, with less than `fraction` of its own life left": 0 < not_after - at <
// fraction × (not_after - issued_at). The life counts from issuance, as Lifetime's does (svidd
// backdates NotBefore, so a short certificate measured from NotBefore would be short of life at
// birth). `fraction` is applied to a millionth.
struct LifeLeftBelow {
  TimePoint at;
  double fraction = 0;
};

struct CertificateFilter {
  std::optional<std::string> spiffe_id;         // exact match
  std::optional<std::string> spiffe_id_prefix;  // byte-wise, case-sensitive prefix
  // Istio form: the <ns> of spiffe://<td>/ns/<ns>/...
  std::optional<std::string> istio_namespace;
  std::optional<std::string> serial;           // SerialHex form
  std::optional<std::string> issuer_serial;    // SerialHex of the signing CA certificate
  std::optional<std::string> key_type;         // KeyDescription::Label(), e.g. "RSA-2048"
  std::optional<std::string> not_auth_method;  // auth_method != this (e.g. kOperatorAuthMethod)
  std::optional<CertStatus> status;
  std::optional<CertKind> kind;
  std::optional<TimePoint> issued_since;      // issued_at >= this
  std::optional<TimePoint> issued_until;      // issued_at < this
  std::optional<TimePoint> not_after_before;  // "expiring within": not_after < this
  std::optional<TimePoint> not_after_after;   // and not_after > this (e.g. not yet expired)
  std::optional<TimePoint> not_before_until;  // not_before <= this (already valid)
  std::optional<TimePoint> revoked_since;     // revoked_at >= this (implies revoked)
  std::optional<TimePoint> revoked_until;     // revoked_at < this (implies revoked)
  // true: only renewals, i.e. certificates that name a superseded serial or that are not the
  // first certificate of their SPIFFE ID; false: only first issuances.
  std::optional<bool> renewal;
  // true: only certificates that have a successor, i.e. a later certificate of the same SPIFFE
  // ID (by issued_at, ties broken by serial) or one naming it as the serial it supersedes;
  // false: only certificates without one (the newest of their SPIFFE ID, unless renewed).
  std::optional<bool> has_successor;
  std::optional<LifeLeftBelow> life_left_below;  // short of life at a time (see above)

  // Order: by `sort` then serial, both ascending or both descending. Default: newest first.
  CertificateSortField sort = CertificateSortField::kIssuedAt;
  bool descending = true;

  size_t limit = 0;  // 0 = no limit
  // Either skip this many matches, or continue after the row a previous page ended with
  // (CertificatePage::next_page_token, which only fits the same sort order). Not both.
  size_t offset = 0;
  std::string page_token;
};

struct CertificatePage {
  std::vector<CertificateRecord> records;
  int64_t total = 0;  // how many match the filter, on all pages
  // Set when `limit` cut the list short: pass it as page_token for the next page. Keyset
  // based, so rows added or revoked meanwhile neither repeat nor hide later rows.
  std::string next_page_token;
};

// The one definition of an overdue renewal, behind both svidd_certificates_expiring_without_
// successor and svidctl audit's expiring-without-successor: an active workload certificate,
// not an operator's (svidctl certificates are renewed by hand), unexpired at `now` with less
// than `fraction` of its life left (LifeLeftBelow), and no successor. Renewal is due at
// half-life, so with a fraction of a quarter a certificate counts once it is a quarter of its
// life late, whatever its TTL.
CertificateFilter OverdueRenewalFilter(TimePoint now, double fraction);

}  // namespace svidd::ledger
