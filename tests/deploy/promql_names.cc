#include "deploy/promql_names.h"

#include <cctype>

namespace svidd::testing {
namespace {

const std::set<std::string>& Keywords() {
  static const std::set<std::string> words = {
      "and", "or", "unless", "bool", "offset", "atan2", "inf", "nan", "Inf", "NaN",
      // aggregation operators (may be followed by by/without before their parenthesis)
      "sum", "min", "max", "avg", "count", "stddev", "stdvar", "topk", "bottomk", "quantile",
      "count_values", "group", "limitk", "limit_ratio"};
  return words;
}

// Modifiers followed by a parenthesized list of label names.
const std::set<std::string>& LabelListModifiers() {
  static const std::set<std::string> words = {"by",       "without",    "on",
                                              "ignoring", "group_left", "group_right"};
  return words;
}

bool IdentStart(char c) {
  return std::isalpha(static_cast<unsigned char>(c)) || c == '_' || c == ':';
}
bool IdentPart(char c) { return IdentStart(c) || std::isdigit(static_cast<unsigned char>(c)); }

// Index just past the bracket that closes the one at `i` (open/close given).
size_t SkipBalanced(const std::string& s, size_t i, char open, char close) {
  int depth = 0;
  for (; i < s.size(); ++i) {
    if (s[i] == '"' || s[i] == '\'' || s[i] == '`') {
      const char q = s[i];
      for (++i; i < s.size() && s[i] != q; ++i) {
        if (s[i] == '\\') ++i;
      }
    } else if (s[i] == open) {
      ++depth;
    } else if (s[i] == close && --depth == 0) {
      return i + 1;
    }
  }
  return s.size();
}

size_t SkipSpace(const std::string& s, size_t i) {
  while (i < s.size() && std::isspace(static_cast<unsigned char>(s[i]))) ++i;
  return i;
}

}  // namespace

std::set<std::string> PromqlMetricNames(const std::string& expr) {
  std::set<std::string> names;
  const std::string& s = expr;
  size_t i = 0;
  while (i < s.size()) {
    const char c = s[i];
    if (c == '"' || c == '\'' || c == '`') {
      size_t j = i + 1;
      while (j < s.size() && s[j] != c) j += s[j] == '\\' ? 2 : 1;
      i = j + 1;
    } else if (c == '{') {
      i = SkipBalanced(s, i, '{', '}');
    } else if (c == '[') {
      i = SkipBalanced(s, i, '[', ']');
    } else if (c == '$') {  // Grafana variable: $name or ${name}
      ++i;
      if (i < s.size() && s[i] == '{') {
        i = SkipBalanced(s, i, '{', '}');
      } else {
        while (i < s.size() && IdentPart(s[i])) ++i;
      }
    } else if (std::isdigit(static_cast<unsigned char>(c)) ||
               (c == '.' && i + 1 < s.size() &&
                std::isdigit(static_cast<unsigned char>(s[i + 1])))) {
      while (i < s.size() && (std::isalnum(static_cast<unsigned char>(s[i])) || s[i] == '.')) ++i;
    } else if (IdentStart(c)) {
      size_t j = i;
      while (j < s.size() && IdentPart(s[j])) ++j;
      const std::string word = s.substr(i, j - i);
      const size_t next = SkipSpace(s, j);
      if (LabelListModifiers().count(word)) {
        i = next < s.size() && s[next] == '(' ? SkipBalanced(s, next, '(', ')') : next;
      } else {
        if (!Keywords().count(word) && (next >= s.size() || s[next] != '(')) names.insert(word);
        i = j;
      }
    } else {
      ++i;
    }
  }
  return names;
}

}  // namespace svidd::testing
