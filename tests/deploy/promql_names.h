// The metric names a PromQL expression reads, for checking that alert rules and dashboards
// name metrics svidd really exports. A small tokenizer, not a parser: it skips strings,
// label matchers {...}, ranges [...], numbers, Grafana variables ($x), keywords, aggregation
// operators with their by/without/on/ignoring (...) label lists, and function calls; every
// other identifier is a metric name.
#pragma once

#include <set>
#include <string>

namespace svidd::testing {

std::set<std::string> PromqlMetricNames(const std::string& expr);

}  // namespace svidd::testing
