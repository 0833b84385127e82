// How svidctl prints the fleet views (identities, stats, audit, the CA's status): stable JSON
// for scripts (keys always in the same order, times in RFC 3339) and aligned tables with
// relative times for people. Pure functions of the answer and `now`, whichever backend gave it.
#pragma once

#include <string>
#include <vector>

#include "nlohmann/json.hpp"
#include "svidd/common/clock.h"
#include "svidd/ledger/operator_records.h"
#include "svidd/operator/audit.h"
#include "svidd/operator/ca_snapshot.h"
#include "svidd/operator/fleet_stats.h"

namespace svidctl {

nlohmann::ordered_json IdentitiesToJson(
    const std::vector<svidd::ledger::IdentitySummary>& identities);
// SPIFFE ID, KIND, CERTS, VALID, LAST RENEWED ("3h ago"), EXPIRES ("in 21h"), CURRENT, STATUS.
std::string IdentitiesTable(const std::vector<svidd::ledger::IdentitySummary>& identities,
                            svidd::TimePoint now);

nlohmann::ordered_json StatsToJson(const svidd::ops::FleetStats& stats);
std::string StatsText(const svidd::ops::FleetStats& stats);

nlohmann::ordered_json AuditToJson(const svidd::ops::AuditReport& report);
// SEVERITY, CHECK, SUBJECT, FINDING, then "N critical, N warning, N info".
std::string AuditText(const svidd::ops::AuditReport& report);

nlohmann::ordered_json CaStatusToJson(const svidd::ops::CaManagerStatus& status);
std::string CaStatusText(const svidd::ops::CaManagerStatus& status, svidd::TimePoint now);

}  // namespace svidctl
