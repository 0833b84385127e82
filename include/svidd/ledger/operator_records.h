// What the ledger summarises and records for operators (migration 0004): one line per SPIFFE
// ID, counts grouped by a column, refusals per reason per hour, and the admin API's audit log.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

#include "svidd/common/clock.h"
#include "svidd/ledger/certificate_record.h"

namespace svidd::ledger {

// Which identities ListIdentities summarises.
struct IdentityFilter {
  std::optional<std::string> spiffe_id_prefix;
  std::optional<std::string> istio_namespace;
  std::optional<CertKind> kind;
  TimePoint now;     // for counting the certificates valid now
  size_t limit = 0;  // 0 = all; ordered by SPIFFE ID
};

// One SPIFFE ID across all its certificates. "Current" is its newest certificate that is not
// revoked, or its newest certificate if every one is revoked.
struct IdentitySummary {
  std::string spiffe_id;
  CertKind kind = CertKind::kWorkload;  // the current certificate's
  int64_t certificates = 0;             // every certificate it has had
  int64_t valid_certificates = 0;       // active and within validity at `now`
  TimePoint first_issued_at;
  TimePoint last_issued_at;  // its newest certificate: the last renewal when certificates > 1
  std::string current_serial;
  CertStatus current_status = CertStatus::kActive;
  TimePoint current_not_before;
  TimePoint current_not_after;
  std::string current_auth_method;
};

// A column CountCertificatesBy can group by.
enum class CertificateGroup { kKind, kStatus, kKeyType, kIssuerSerial };

struct GroupCount {
  std::string value;  // the column's value, e.g. "RSA-1024"
  int64_t count = 0;
};

// Refusals are counted per hour: the start of the UTC hour holding `t`.
TimePoint RefusalHour(TimePoint t);
// The same hour as Unix seconds, the form both ledgers store.
int64_t RefusalHourSeconds(TimePoint t);

// Refusals of one reason within one hour.
struct RefusalCount {
  TimePoint hour;      // start of the hour, UTC
  std::string reason;  // e.g. "unauthenticated/expired-token"
  int64_t count = 0;
};

// One call to the admin API.
struct AdminCallRecord {
  TimePoint at;
  std::string caller_id;         // "" if the caller was not authenticated
  std::string caller_principal;  // "x509:<serial>" or ""
  std::string peer;
  std::string method;     // "ListCertificates", ...
  std::string arguments;  // JSON; never secrets
  std::string outcome;    // "OK", "PERMISSION_DENIED", ...
  std::string message;
};

}  // namespace svidd::ledger
