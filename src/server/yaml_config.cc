#include "server/yaml_config.h"

#include <sstream>

#include "svidd/ledger/postgres_ledger.h"
#include "yaml-cpp/yaml.h"

namespace svidd::server {
namespace {

bool NamesASecret(const std::string& name) {
  // A *-file option holds a path, never the secret itself.
  if (name.size() >= 5 && name.compare(name.size() - 5, 5, "-file") == 0) return false;
  for (const char* word : {"password", "secret", "token"}) {
    if (name.find(word) != std::string::npos) return true;
  }
  return false;
}

// CLI11 shows a list option's default as one string, "[a,b]": give back its items.
std::vector<std::string> DefaultValues(const CLI::Option& opt) {
  const std::string text = opt.get_default_str();
  if (opt.get_items_expected_max() <= 1 || text.size() < 2 || text.front() != '[' ||
      text.back() != ']') {
    return {text};
  }
  std::vector<std::string> items;
  std::stringstream list(text.substr(1, text.size() - 2));
  for (std::string item; std::getline(list, item, ',');) items.push_back(item);
  return items;
}

}  // namespace

std::string RedactConfigValue(const std::string& name, const std::string& value) {
  if (NamesASecret(name)) return "REDACTED";
  // scheme://user:password@host... (a libpq URI, a URL with credentials; the user is kept)
  // and password=... parameters: the one redactor every ledger message uses.
  return ledger::RedactLedgerUri(value);
}

std::string YamlConfig::to_config(const CLI::App* app, bool default_also, bool, std::string) const {
  YAML::Emitter out;
  out << YAML::BeginMap;
  for (const CLI::Option* opt : app->get_options()) {
    if (opt->get_lnames().empty() || !opt->get_configurable()) continue;
    std::vector<std::string> values = opt->reduced_results();
    if (values.empty() && default_also && !opt->get_default_str().empty()) {
      values = DefaultValues(*opt);
    }
    if (values.empty()) continue;
    for (std::string& v : values) v = RedactConfigValue(opt->get_lnames().front(), v);
    out << YAML::Key << opt->get_lnames().front() << YAML::Value;
    if (values.size() == 1 && opt->get_items_expected_max() <= 1) {
      out << values.front();
    } else {
      out << YAML::Flow << values;
    }
  }
  out << YAML::EndMap;
  return out.c_str();
}

// Only CLI::ParseError may leave: CLI11_PARSE in main() reports those. yaml-cpp's own
// exceptions (from Load, or from as<> on a node of the wrong kind) would end the process, so
// every node is checked for its kind and read with Scalar(), which does not throw.
std::vector<CLI::ConfigItem> YamlConfig::from_config(std::istream& input) const {
  YAML::Node root;
  try {
    root = YAML::Load(input);
  } catch (const YAML::Exception& e) {
    throw CLI::ConversionError(std::string("config file is not valid YAML: ") + e.what());
  }
  std::vector<CLI::ConfigItem> items;
  if (root.IsNull()) return items;
  if (!root.IsMap())
    throw CLI::ConversionError("config file must be a YAML mapping of flag: value");
  for (const auto& entry : root) {
    if (!entry.first.IsScalar()) {
      throw CLI::ConversionError("config key must be a plain name, not a list or a mapping");
    }
    CLI::ConfigItem item;
    item.name = entry.first.Scalar();
    const YAML::Node& value = entry.second;
    if (value.IsSequence()) {
      for (const auto& v : value) {
        if (!v.IsScalar()) {
          throw CLI::ConversionError("config key '" + item.name +
                                     "' must be a scalar or a list of scalars");
        }
        item.inputs.push_back(v.Scalar());
      }
    } else if (value.IsScalar()) {
      item.inputs.push_back(value.Scalar());
    } else {
      throw CLI::ConversionError("config key '" + item.name + "' must be a scalar or a list");
    }
    items.push_back(std::move(item));
  }
  return items;
}

}  // namespace svidd::server
