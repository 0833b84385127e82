#include "server/yaml_config.h"

#include <sstream>

#include "yaml-cpp/yaml.h"

namespace svidd {

std::string YamlConfig::to_config(const CLI::App* app, bool default_also, bool, std::string) const {
  YAML::Emitter out;
  out << YAML::BeginMap;
  for (const CLI::Option* opt : app->get_options()) {
    if (opt->get_lnames().empty() || !opt->get_configurable()) continue;
    std::vector<std::string> values = opt->reduced_results();
    if (values.empty() && default_also && !opt->get_default_str().empty()) {
      values.push_back(opt->get_default_str());
    }
    if (values.empty()) continue;
    out << YAML::Key << opt->get_lnames().front() << YAML::Value;
    if (values.size() == 1) {
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
  if (!root.IsMap()) throw CLI::ConversionError("config file must be a YAML mapping of flag: value");
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

}  // namespace svidd
