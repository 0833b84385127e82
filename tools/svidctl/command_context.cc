#include "svidctl/command_context.h"

namespace svidctl {

void CommandContext::OnRun(CLI::App* command, std::function<absl::Status(Backend&)> run) {
  command->callback([this, run = std::move(run)] {
    absl::StatusOr<std::unique_ptr<Backend>> backend = OpenBackend(this->backend, clock);
    result = backend.ok() ? run(**backend) : backend.status();
  });
}

void CommandContext::OnRunLocal(CLI::App* command, std::function<absl::Status()> run) {
  command->callback([this, run = std::move(run)] { result = run(); });
}

void AddOutputOption(CLI::App* command, std::string& output, std::vector<std::string> choices) {
  output = choices.front();
  std::string help;
  for (size_t i = 0; i < choices.size(); ++i) {
    help += (i == 0 ? "" : (i + 1 == choices.size() ? " or " : ", ")) + choices[i];
  }
  command->add_option("--output,-o", output, help)
      ->check(CLI::IsMember(choices))
      ->capture_default_str();
}

}  // namespace svidctl
