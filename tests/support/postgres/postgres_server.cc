#include "support/postgres/postgres_server.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <pwd.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <mutex>
#include <random>
#include <sstream>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "svidd/common/atomic_file.h"
#include "svidd/common/status_macros.h"
#include "svidd/ledger/pg_handles.h"

namespace svidd::testing {
namespace {

// Debian's postgresql-15; SVIDD_PG_BIN overrides it.
std::filesystem::path BinDir() {
  const char* env = std::getenv("SVIDD_PG_BIN");
  return env != nullptr ? env : "/usr/lib/postgresql/15/bin";
}

bool RunningAsRoot() { return geteuid() == 0; }

// The last `n` bytes of a file, for error messages.
std::string Tail(const std::filesystem::path& file, size_t n = 1500) {
  std::ifstream in(file);
  std::stringstream s;
  s << in.rdbuf();
  std::string text = s.str();
  return text.size() > n ? text.substr(text.size() - n) : text;
}

// Runs `argv` (as the postgres account when we are root), output appended to `log`.
absl::Status Run(std::vector<std::string> argv, const std::filesystem::path& log) {
  if (RunningAsRoot()) argv.insert(argv.begin(), {"runuser", "-u", "postgres", "--"});
  std::vector<char*> args;
  for (std::string& a : argv) args.push_back(a.data());
  args.push_back(nullptr);
  const int fd = open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (fd < 0) return absl::InternalError(absl::StrCat("cannot open ", log.string()));
  const pid_t pid = fork();
  if (pid == 0) {
    dup2(fd, 1);
    dup2(fd, 2);
    execvp(args[0], args.data());
    _exit(127);
  }
  close(fd);
  if (pid < 0) return absl::InternalError("fork failed");
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (WIFEXITED(status) && WEXITSTATUS(status) == 0) return absl::OkStatus();
  return absl::FailedPreconditionError(
      absl::StrCat(absl::StrJoin(argv, " "), " failed:\n", Tail(log)));
}

absl::StatusOr<int> FreeLoopbackPort() {
  const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return absl::InternalError("socket() failed");
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof(addr);
  if (bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0 ||
      getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    close(fd);
    return absl::InternalError("binding a loopback port failed");
  }
  close(fd);
  return ntohs(addr.sin_port);
}

std::string RandomHex(size_t bytes) {
  std::random_device rd;
  std::string out;
  for (size_t i = 0; i < bytes; ++i) absl::StrAppend(&out, absl::Hex(rd() & 0xff, absl::kZeroPad2));
  return out;
}

// A directory the server's account owns (0700, as initdb wants).
absl::StatusOr<std::filesystem::path> MakeServerDir() {
  std::string tmpl = (std::filesystem::temp_directory_path() / "svidd-pg-XXXXXX").string();
  if (mkdtemp(tmpl.data()) == nullptr) return absl::InternalError("mkdtemp failed");
  std::filesystem::path dir = tmpl;
  if (RunningAsRoot()) {
    const passwd* pg = getpwnam("postgres");
    if (pg == nullptr) {
      std::filesystem::remove_all(dir);
      return absl::FailedPreconditionError(
          "running as root but there is no postgres account: install the postgresql package "
          "(tools/setup-deps.sh)");
    }
    if (chown(dir.c_str(), pg->pw_uid, pg->pw_gid) != 0) {
      std::filesystem::remove_all(dir);
      return absl::InternalError(absl::StrCat("chown ", dir.string(), " failed"));
    }
  }
  return dir;
}

constexpr char kUser[] = "svidd_test";

}  // namespace

absl::StatusOr<std::unique_ptr<PostgresServer>> PostgresServer::Start() {
  if (!std::filesystem::exists(BinDir() / "initdb")) {
    return absl::FailedPreconditionError(absl::StrCat(
        (BinDir() / "initdb").string(),
        " not found: install PostgreSQL 15 (tools/setup-deps.sh installs `postgresql`)"));
  }
  absl::StatusOr<std::filesystem::path> dir = MakeServerDir();
  if (!dir.ok()) return dir.status();
  const std::string password = RandomHex(16);
  {
    std::ofstream pw(*dir / "pwfile");
    pw << password << "\n";
  }
  if (RunningAsRoot()) {
    const passwd* pg = getpwnam("postgres");
    (void)!chown((*dir / "pwfile").c_str(), pg->pw_uid, pg->pw_gid);
  }
  absl::StatusOr<int> port = FreeLoopbackPort();
  if (!port.ok()) return port.status();
  std::unique_ptr<PostgresServer> server(new PostgresServer(*dir, password, *port, /*owned=*/true));
  absl::Status init =
      Run({(BinDir() / "initdb").string(), "-D", (*dir / "data").string(), "-U", kUser,
           absl::StrCat("--pwfile=", (*dir / "pwfile").string()), "--auth-local=trust",
           "--auth-host=scram-sha-256", "-E", "UTF8", "--locale=C", "--no-sync"},
          *dir / "initdb.log");
  if (!init.ok()) return init;
  absl::Status started = server->StartServer();
  if (!started.ok()) return started;
  return server;
}

namespace {

struct PublishedState {
  std::filesystem::path dir;
  int port = 0;
  std::string password;
};

absl::StatusOr<PublishedState> ReadPublishedState(const std::filesystem::path& state_file) {
  std::ifstream in(state_file);
  PublishedState state;
  std::string dir;
  if (!std::getline(in, dir) || !(in >> state.port) || !(in >> state.password) || dir.empty()) {
    return absl::FailedPreconditionError(absl::StrCat(
        "cannot read the test PostgreSQL server's state from ", state_file.string(),
        " (written by `svidd-test-postgres start`, the ctest fixture svidd_postgres)"));
  }
  state.dir = dir;
  return state;
}

// pg_ctl stop -m immediate on the server in `dir` (what a crash looks like to clients).
absl::Status StopImmediately(const std::filesystem::path& dir) {
  return Run({(BinDir() / "pg_ctl").string(), "-D", (dir / "data").string(), "-m", "immediate",
              "-w", "stop"},
             dir / "pg_ctl.log");
}

}  // namespace

absl::StatusOr<std::unique_ptr<PostgresServer>> PostgresServer::Attach(
    const std::filesystem::path& state_file) {
  absl::StatusOr<PublishedState> state = ReadPublishedState(state_file);
  if (!state.ok()) return state.status();
  std::unique_ptr<PostgresServer> server(
      new PostgresServer(state->dir, state->password, state->port, /*owned=*/false));
  absl::Status answers = server->ExecSql("postgres", "SELECT 1");
  if (!answers.ok()) {
    return absl::FailedPreconditionError(absl::StrCat("the test PostgreSQL server published in ",
                                                      state_file.string(),
                                                      " does not answer: ", answers.message()));
  }
  return server;
}

absl::Status PostgresServer::Publish(const std::filesystem::path& state_file) {
  SVIDD_RETURN_IF_ERROR(WriteFileAtomically(
      state_file, absl::StrCat(dir_.string(), "\n", port_, "\n", password_, "\n"), 0600));
  owned_ = false;  // it outlives this process; StopPublished ends it
  return absl::OkStatus();
}

absl::Status PostgresServer::StopPublished(const std::filesystem::path& state_file) {
  if (!std::filesystem::exists(state_file)) return absl::OkStatus();
  absl::StatusOr<PublishedState> state = ReadPublishedState(state_file);
  if (!state.ok()) return state.status();
  absl::Status stopped;
  if (std::filesystem::exists(state->dir / "data" / "postmaster.pid")) {
    stopped = StopImmediately(state->dir);
  }
  std::error_code ec;
  std::filesystem::remove_all(state->dir, ec);
  std::filesystem::remove(state_file, ec);
  return stopped;
}

PostgresServer::~PostgresServer() {
  if (!owned_) return;
  if (running_) (void)StopImmediately(dir_);
  std::error_code ec;
  std::filesystem::remove_all(dir_, ec);
}

absl::Status PostgresServer::StartServer() {
  if (!owned_) {
    return absl::FailedPreconditionError(
        "the run's shared PostgreSQL server is not this test's to start: use "
        "PostgresServer::Start()");
  }
  // fsync off: a test server need not survive a machine crash; commits still wait for the
  // WAL write, so a server restart loses nothing acknowledged.
  const std::string options =
      absl::StrCat("-c listen_addresses=127.0.0.1 -p ", port_, " -k ", dir_.string(),
                   " -c fsync=off -c full_page_writes=off -c max_connections=200");
  absl::Status s = Run({(BinDir() / "pg_ctl").string(), "-D", (dir_ / "data").string(), "-l",
                        (dir_ / "server.log").string(), "-w", "-t", "60", "-o", options, "start"},
                       dir_ / "pg_ctl.log");
  if (!s.ok()) {
    return absl::FailedPreconditionError(absl::StrCat(
        "PostgreSQL did not start: ", s.message(), "\nserver.log:\n", Tail(dir_ / "server.log")));
  }
  running_ = true;
  return absl::OkStatus();
}

absl::Status PostgresServer::StopServer() {
  if (!owned_) {
    return absl::FailedPreconditionError(
        "the run's shared PostgreSQL server is not this test's to stop: use "
        "PostgresServer::Start()");
  }
  absl::Status s = Run({(BinDir() / "pg_ctl").string(), "-D", (dir_ / "data").string(), "-m",
                        "fast", "-w", "-t", "60", "stop"},
                       dir_ / "pg_ctl.log");
  if (s.ok()) running_ = false;
  return s;
}

absl::Status PostgresServer::Restart() {
  absl::Status stopped = StopServer();
  if (!stopped.ok()) return stopped;
  return StartServer();
}

std::string PostgresServer::Uri(const std::string& name) const {
  return absl::StrCat("postgresql://", kUser, ":", password_, "@127.0.0.1:", port_, "/", name);
}

absl::Status PostgresServer::ExecSql(const std::string& name, const std::string& sql) {
  ledger::PgConnPtr conn(PQconnectdb(Uri(name).c_str()));
  if (PQstatus(conn.get()) != CONNECTION_OK) {
    return absl::UnavailableError(
        absl::StrCat("connecting to ", name, ": ", PQerrorMessage(conn.get())));
  }
  ledger::PgResultPtr res(PQexec(conn.get(), sql.c_str()));
  const ExecStatusType st = PQresultStatus(res.get());
  if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) {
    return absl::InternalError(absl::StrCat(sql, ": ", PQresultErrorMessage(res.get())));
  }
  return absl::OkStatus();
}

absl::StatusOr<std::string> PostgresServer::CreateDatabase() {
  // pids repeat within a long test run (pid_max may be 32768) and the run shares one server.
  const std::string name = absl::StrCat("svidd_", getpid(), "_", RandomHex(3), "_", ++databases_);
  absl::Status s = ExecSql("postgres", absl::StrCat("CREATE DATABASE ", name));
  if (!s.ok()) return s;
  return Uri(name);
}

absl::StatusOr<PostgresServer*> SharedPostgres() {
  static std::mutex mu;
  static std::unique_ptr<PostgresServer> server;
  static absl::Status failed;
  std::lock_guard<std::mutex> lock(mu);
  if (server != nullptr) return server.get();
  if (!failed.ok()) return failed;
  const char* published = std::getenv("SVIDD_TEST_POSTGRES");
  absl::StatusOr<std::unique_ptr<PostgresServer>> started =
      published != nullptr && *published != '\0' ? PostgresServer::Attach(published)
                                                 : PostgresServer::Start();
  if (!started.ok()) {
    failed = started.status();
    return failed;
  }
  server = std::move(*started);
  return server.get();
}

absl::StatusOr<std::string> FreshPostgresDatabase() {
  absl::StatusOr<PostgresServer*> server = SharedPostgres();
  if (!server.ok()) return server.status();
  return (*server)->CreateDatabase();
}

}  // namespace svidd::testing
