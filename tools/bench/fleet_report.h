// Figures from a fleet run: how the server spread first issuance and renewals, how long a
// renewal took from request to certificate, and whether anything was lost.
#pragma once

#include <string>
#include <vector>

#include "bench/rotation_fleet.h"

namespace svidd::bench {

struct FleetReport {
  size_t streams = 0;
  size_t first_issued = 0;  // streams that got a first certificate
  size_t renewals = 0;      // certificates after the first
  size_t refused = 0;
  size_t ended_early = 0;  // streams the server closed before Stop
  // Certificates that expired before their successor arrived (or by stop_time, unreplaced).
  size_t lapses = 0;
  double first_issuance_span_s = 0;  // first to last initial certificate
  int max_requests_per_second = 0;   // pushed renewal requests in the busiest second
  // Renewals (not first issuances) per second from the first to the last renewal received.
  double renewals_per_second = 0;
  double renewal_span_s = 0;
  double renewal_position_min = 0;  // when renewals were asked, as a fraction of lifetime
  double renewal_position_p50 = 0;
  double renewal_position_max = 0;
  double latency_p50_ms = 0;  // request received -> certificate received
  double latency_p99_ms = 0;
  double latency_max_ms = 0;
};

FleetReport Summarize(const std::vector<FleetEvent>& events, size_t streams, TimePoint stop_time);

// Markdown table rows "| figure | value |".
std::string ToMarkdown(const FleetReport& report);

}  // namespace svidd::bench
