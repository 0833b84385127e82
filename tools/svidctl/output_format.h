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

// One record as a JSON object; keys always in the same order. revoked_at and
// revocation_reason appear only for revoked certificates; certificate_pem only if asked.
nlohmann::ordered_json RecordToJson(const svidd::CertificateRecord& record, bool with_pem);

// Columns padded to their widest cell, two spaces apart; every line ends in "\n".
std::string FormatTable(const std::vector<std::vector<std::string>>& rows);

// SERIAL, SPIFFE ID, KIND, STATUS, NOT AFTER ("in 3h"), AUTH; a header line first.
std::string RecordsTable(const std::vector<svidd::CertificateRecord>& records,
                         svidd::TimePoint now);

// "field: value" lines, then OpenSSL's rendering of the certificate (or why there is none).
std::string RecordText(const svidd::CertificateRecord& record, svidd::TimePoint now);

}  // namespace svidctl
