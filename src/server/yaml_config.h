// CLI11 config reader for YAML files: top-level `key: value` (or `key: [a, b]`) pairs become
// `--key value` as if given on the command line (flags given explicitly still win).
#pragma once

#include <istream>
#include <string>
#include <vector>

#include "CLI/CLI.hpp"

namespace svidd {

class YamlConfig final : public CLI::Config {
 public:
  std::string to_config(const CLI::App* app, bool default_also, bool write_description,
                        std::string prefix) const override;
  std::vector<CLI::ConfigItem> from_config(std::istream& input) const override;
};

}  // namespace svidd
