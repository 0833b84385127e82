// Reads Prometheus' text exposition format back, for tests: `# TYPE` lines and samples
// (`name{label="value",...} value`), looked up by name and label set in any label order.
// Strict: a line it cannot read is an error, so a broken exposition fails the test.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"

namespace svidd::testing {

using MetricLabels = std::map<std::string, std::string>;

class PrometheusText {
 public:
  static absl::StatusOr<PrometheusText> Parse(const std::string& text);

  // The sample `name` with exactly `labels`; nullopt if there is none.
  std::optional<double> Value(const std::string& name, const MetricLabels& labels = {}) const;
  // The label sets `name` has samples for.
  std::vector<MetricLabels> LabelSets(const std::string& name) const;
  // "counter", "gauge", "histogram", ... from `# TYPE`; "" if not declared.
  std::string Type(const std::string& family) const;

 private:
  std::map<std::pair<std::string, MetricLabels>, double> samples_;
  std::map<std::string, std::string> types_;
};

}  // namespace svidd::testing
