#include "support/metrics/prometheus_text.h"

#include <cmath>
#include <cstdlib>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"

namespace svidd::testing {
namespace {

absl::Status Bad(absl::string_view line, absl::string_view why) {
  return absl::InvalidArgumentError(absl::StrCat("metrics line \"", line, "\": ", why));
}

bool IsNameChar(char c, bool first) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == ':' ||
         (!first && c >= '0' && c <= '9');
}

// `label="value",...}` (the opening brace consumed); leaves `rest` after the closing brace.
absl::StatusOr<MetricLabels> ParseLabels(absl::string_view line, absl::string_view& rest) {
  MetricLabels labels;
  while (true) {
    if (absl::ConsumePrefix(&rest, "}")) return labels;
    size_t eq = rest.find("=\"");
    if (eq == absl::string_view::npos || eq == 0) return Bad(line, "label without =\"");
    std::string name(rest.substr(0, eq));
    rest.remove_prefix(eq + 2);
    std::string value;
    while (!rest.empty() && rest.front() != '"') {
      char c = rest.front();
      rest.remove_prefix(1);
      if (c == '\\') {
        if (rest.empty()) return Bad(line, "dangling escape");
        c = rest.front() == 'n' ? '\n' : rest.front();
        rest.remove_prefix(1);
      }
      value.push_back(c);
    }
    if (!absl::ConsumePrefix(&rest, "\"")) return Bad(line, "unterminated label value");
    if (!labels.emplace(std::move(name), std::move(value)).second) {
      return Bad(line, "repeated label");
    }
    absl::ConsumePrefix(&rest, ",");
  }
}

absl::StatusOr<double> ParseValue(absl::string_view line, absl::string_view text) {
  if (text == "+Inf") return HUGE_VAL;
  if (text == "-Inf") return -HUGE_VAL;
  if (text == "NaN") return NAN;
  std::string owned(text);
  char* end = nullptr;
  double value = std::strtod(owned.c_str(), &end);
  if (owned.empty() || end != owned.c_str() + owned.size()) return Bad(line, "bad value");
  return value;
}

}  // namespace

absl::StatusOr<PrometheusText> PrometheusText::Parse(const std::string& text) {
  PrometheusText out;
  for (absl::string_view line : absl::StrSplit(text, '\n', absl::SkipEmpty())) {
    if (absl::ConsumePrefix(&line, "# TYPE ")) {
      std::vector<std::string> parts = absl::StrSplit(line, ' ');
      if (parts.size() != 2) return Bad(line, "bad TYPE line");
      out.types_[parts[0]] = parts[1];
      continue;
    }
    if (absl::StartsWith(line, "#")) continue;  // HELP and comments
    size_t n = 0;
    while (n < line.size() && IsNameChar(line[n], n == 0)) ++n;
    if (n == 0) return Bad(line, "no metric name");
    std::string name(line.substr(0, n));
    absl::string_view rest = line.substr(n);
    MetricLabels labels;
    if (absl::ConsumePrefix(&rest, "{")) {
      absl::StatusOr<MetricLabels> parsed = ParseLabels(line, rest);
      if (!parsed.ok()) return parsed.status();
      labels = *std::move(parsed);
    }
    if (!absl::ConsumePrefix(&rest, " ")) return Bad(line, "no space before the value");
    // An optional timestamp follows the value.
    absl::string_view value_text = rest.substr(0, rest.find(' '));
    absl::StatusOr<double> value = ParseValue(line, value_text);
    if (!value.ok()) return value.status();
    if (!out.samples_.emplace(std::make_pair(name, std::move(labels)), *value).second) {
      return Bad(line, "repeated sample");
    }
  }
  return out;
}

std::optional<double> PrometheusText::Value(const std::string& name,
                                            const MetricLabels& labels) const {
  auto it = samples_.find({name, labels});
  if (it == samples_.end()) return std::nullopt;
  return it->second;
}

std::vector<MetricLabels> PrometheusText::LabelSets(const std::string& name) const {
  std::vector<MetricLabels> out;
  for (const auto& [key, value] : samples_) {
    if (key.first == name) out.push_back(key.second);
  }
  return out;
}

std::string PrometheusText::Type(const std::string& family) const {
  auto it = types_.find(family);
  return it == types_.end() ? "" : it->second;
}

}  // namespace svidd::testing
