// svidd's --config file (YAML) through the same path as main(): every flag registered and the
// YAML config reader (ServerFlags installs it), CLI11's parse and ServerFlags::Finish. main()
// handles CLI::ParseError (CLI11_PARSE) and a Finish() status; any other exception escaping
// is a crash.
#include <cstddef>
#include <cstdint>
#include <sstream>
#include <string>

#include "CLI/CLI.hpp"
#include "svidd/server/server_flags.h"
#include "svidd/server/server_options.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  CLI::App app{"svidd"};
  svidd::server::ServerOptions options;
  svidd::server::ServerFlags flags(app, options);
  std::istringstream input(std::string(reinterpret_cast<const char*>(data), size));
  try {
    app.parse_from_stream(input);
  } catch (const CLI::ParseError&) {
    return 0;  // what CLI11_PARSE in main() reports and exits 2 on
  }
  (void)flags.Finish();
  return 0;
}
