#include "bench/fleet_report.h"

#include <algorithm>
#include <map>
#include <optional>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace svidd::bench {
namespace {

double Percentile(std::vector<double> values, double p) {
  if (values.empty()) return 0;
  std::sort(values.begin(), values.end());
  size_t index = static_cast<size_t>(p * static_cast<double>(values.size() - 1));
  return values[index];
}

double Seconds(std::chrono::nanoseconds d) { return std::chrono::duration<double>(d).count(); }

}  // namespace

FleetReport Summarize(const std::vector<FleetEvent>& events, size_t streams, TimePoint stop_time) {
  FleetReport report;
  report.streams = streams;
  std::map<int, const FleetEvent*> last_cert;  // per stream, the certificate it holds
  std::map<int, TimePoint> pending_request;    // per stream, the request being answered
  std::map<int64_t, int> per_second;
  std::vector<double> positions, latencies_ms;
  std::optional<TimePoint> first_initial, last_initial, first_renewal, last_renewal;
  for (const FleetEvent& e : events) {
    switch (e.kind) {
      case FleetEvent::Kind::kRequested: {
        per_second[std::chrono::duration_cast<std::chrono::seconds>(e.at.time_since_epoch())
                       .count()]++;
        pending_request[e.stream] = e.at;
        auto held = last_cert.find(e.stream);
        if (held != last_cert.end()) {
          const FleetEvent& c = *held->second;
          // From when it was issued (NotBefore is backdated for clock skew).
          positions.push_back(Seconds(e.at - c.at) / Seconds(c.not_after - c.at));
        }
        break;
      }
      case FleetEvent::Kind::kIssued: {
        if (auto held = last_cert.find(e.stream); held != last_cert.end()) {
          report.renewals++;
          report.lapses += e.at > held->second->not_after;
          if (!first_renewal) first_renewal = e.at;
          last_renewal = e.at;
        } else {
          report.first_issued++;
          if (!first_initial) first_initial = e.at;
          last_initial = e.at;
        }
        last_cert[e.stream] = &e;
        if (auto it = pending_request.find(e.stream); it != pending_request.end()) {
          latencies_ms.push_back(Seconds(e.at - it->second) * 1000);
          pending_request.erase(it);
        }
        break;
      }
      case FleetEvent::Kind::kRefused:
        report.refused++;
        break;
      case FleetEvent::Kind::kEnded:
        report.ended_early += e.at < stop_time;
        break;
    }
  }
  for (const auto& [stream, cert] : last_cert) report.lapses += cert->not_after < stop_time;
  if (first_initial) report.first_issuance_span_s = Seconds(*last_initial - *first_initial);
  if (first_renewal && *last_renewal > *first_renewal) {
    report.renewal_span_s = Seconds(*last_renewal - *first_renewal);
    report.renewals_per_second = static_cast<double>(report.renewals - 1) / report.renewal_span_s;
  }
  for (const auto& [second, n] : per_second) {
    report.max_requests_per_second = std::max(report.max_requests_per_second, n);
  }
  report.renewal_position_min =
      positions.empty() ? 0 : *std::min_element(positions.begin(), positions.end());
  report.renewal_position_p50 = Percentile(positions, 0.5);
  report.renewal_position_max =
      positions.empty() ? 0 : *std::max_element(positions.begin(), positions.end());
  report.latency_p50_ms = Percentile(latencies_ms, 0.5);
  report.latency_p99_ms = Percentile(latencies_ms, 0.99);
  report.latency_max_ms = Percentile(latencies_ms, 1.0);
  return report;
}

std::string ToMarkdown(const FleetReport& r) {
  std::string out;
  auto row = [&](const char* name, const std::string& value) {
    absl::StrAppend(&out, "| ", name, " | ", value, " |\n");
  };
  row("streams", absl::StrFormat("%d", r.streams));
  row("streams given a first certificate", absl::StrFormat("%d", r.first_issued));
  row("first issuance spread over", absl::StrFormat("%.1f s", r.first_issuance_span_s));
  row("renewals (certificates after the first)", absl::StrFormat("%d", r.renewals));
  row("renewals received per second, first to last renewal",
      absl::StrFormat("%.1f /s over %.1f s", r.renewals_per_second, r.renewal_span_s));
  row("busiest second, renewal requests pushed", absl::StrFormat("%d", r.max_requests_per_second));
  row("renewal asked at (fraction of lifetime) min / p50 / max",
      absl::StrFormat("%.3f / %.3f / %.3f", r.renewal_position_min, r.renewal_position_p50,
                      r.renewal_position_max));
  row("request to certificate p50 / p99 / max",
      absl::StrFormat("%.1f / %.1f / %.1f ms", r.latency_p50_ms, r.latency_p99_ms,
                      r.latency_max_ms));
  row("refused", absl::StrFormat("%d", r.refused));
  row("streams closed by the server", absl::StrFormat("%d", r.ended_early));
  row("lapses (certificate expired before its successor arrived)", absl::StrFormat("%d", r.lapses));
  return out;
}

}  // namespace svidd::bench
