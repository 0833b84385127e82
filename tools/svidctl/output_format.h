// How svidctl prints certificate records: stable JSON for scripts, aligned tables and
// plain text for people.
#pragma once

#include <string>
#include <vector>

#include "nlohmann/json.hpp"
#include "svidd/common/clock.h"
#include "svidd/ledger/certificate_record.h"

namespace svidctl {

enum class ListFormat { kTable, kJson };
enum class ShowFormat { kText, kJson, kPem };

// The status a person reads: the ledger's (active, revoked), except "expired" for an active
// certificate whose NOT AFTER is not after `now`. Revoked stays revoked.
std::string DisplayStatus(const svidd::ledger::CertificateRecord& record, svidd::TimePoint now);

// One record as a JSON object; keys always in the same order. "status" is the ledger's as
// stored; "expired" says whether NOT AFTER is not after `now`, whatever the status. revoked_at
// and revocation_reason appear only for revoked certificates; certificate_pem only if asked.
nlohmann::ordered_json RecordToJson(const svidd::ledger::CertificateRecord& record,
                                    svidd::TimePoint now, bool with_pem);

// Columns padded to their widest cell, two spaces apart; every line ends in "\n".
std::string FormatTable(const std::vector<std::vector<std::string>>& rows);

// SERIAL, SPIFFE ID, KIND, STATUS, NOT AFTER ("in 3h"), AUTH; a header line first.
std::string RecordsTable(const std::vector<svidd::ledger::CertificateRecord>& records,
                         svidd::TimePoint now);

// "field: value" lines, then OpenSSL's rendering of the certificate (or why there is none).
std::string RecordText(const svidd::ledger::CertificateRecord& record, svidd::TimePoint now);

}  // namespace svidctl
