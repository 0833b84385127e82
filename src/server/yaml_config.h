// CLI11 config reader for YAML files: top-level `key: value` (or `key: [a, b]`) pairs become
// `--key value` as if given on the command line (flags given explicitly still win).
#pragma once

#include <istream>
#include <string>
#include <vector>

#include "CLI/CLI.hpp"

namespace svidd::server {

// `value` of option `name` as it may be printed: REDACTED for an option that holds a secret
// (a name with password, secret or token, unless it is a *-file path), and the password of a
// scheme://user:password@host URL (and a password=... parameter) replaced by *** (RedactLedgerUri).
std::string RedactConfigValue(const std::string& name, const std::string& value);

// to_config() writes every value through RedactConfigValue: its output never holds a secret.
class YamlConfig final : public CLI::Config {
 public:
  std::string to_config(const CLI::App* app, bool default_also, bool write_description,
                        std::string prefix) const override;
  std::vector<CLI::ConfigItem> from_config(std::istream& input) const override;
};

}  // namespace svidd::server
