#include "support/ledger/sqlite_tool.h"

#include <sys/wait.h>
#include <unistd.h>

#include "absl/strings/str_cat.h"

namespace svidd::testing {

absl::StatusOr<std::string> RunSqlite3(const std::filesystem::path& db, const std::string& sql) {
  int fds[2];
  if (::pipe(fds) != 0) return absl::InternalError("pipe");
  const std::string db_arg = db.string();
  pid_t pid = ::fork();
  if (pid == 0) {
    ::dup2(fds[1], STDOUT_FILENO);
    ::dup2(fds[1], STDERR_FILENO);
    ::close(fds[0]);
    ::close(fds[1]);
    ::execlp("sqlite3", "sqlite3", "-bail", db_arg.c_str(), sql.c_str(), nullptr);
    ::_exit(127);
  }
  ::close(fds[1]);
  std::string output;
  char buf[4096];
  ssize_t n;
  while ((n = ::read(fds[0], buf, sizeof(buf))) > 0) output.append(buf, static_cast<size_t>(n));
  ::close(fds[0]);
  int status = 0;
  ::waitpid(pid, &status, 0);
  if (WIFEXITED(status) && WEXITSTATUS(status) == 0) return output;
  return absl::InternalError(absl::StrCat("sqlite3 ", db_arg, " \"", sql, "\": ", output));
}

std::string WithoutGuards(const std::string& sql) {
  std::string out;
  for (const char* trigger :
       {"ledger_events_no_update", "ledger_events_no_delete", "ledger_checkpoints_no_update",
        "ledger_checkpoints_no_delete", "certificates_no_delete", "certificates_immutable",
        "certificates_revocation_is_final", "certificates_revocation_needs_event"}) {
    absl::StrAppend(&out, "DROP TRIGGER IF EXISTS ", trigger, "; ");
  }
  return out + sql;
}

}  // namespace svidd::testing
