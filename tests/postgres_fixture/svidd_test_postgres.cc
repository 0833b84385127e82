// svidd-test-postgres start|stop STATE_FILE: the ctest fixture `svidd_postgres`.
//
// `start` runs initdb and pg_ctl once for the whole test run and publishes the server in
// STATE_FILE; every test process that ctest starts with SVIDD_TEST_POSTGRES=STATE_FILE attaches
// to it (SharedPostgres) instead of paying about 1.5 s of CPU for a server of its own. `stop`
// shuts it down and removes its directory; ctest runs it last, also after failures. A server
// left by an interrupted run is stopped before a new one starts.
#include <cstdio>
#include <cstring>
#include <filesystem>

#include "support/postgres/postgres_server.h"

int main(int argc, char** argv) {
  if (argc != 3 || (std::strcmp(argv[1], "start") != 0 && std::strcmp(argv[1], "stop") != 0)) {
    std::fprintf(stderr, "usage: %s start|stop STATE_FILE\n", argv[0]);
    return 2;
  }
  using svidd::testing::PostgresServer;
  const std::filesystem::path state = argv[2];
  const absl::Status stale = PostgresServer::StopPublished(state);
  if (!stale.ok()) {
    std::fprintf(stderr, "stopping the test PostgreSQL server in %s: %s\n", state.c_str(),
                 std::string(stale.message()).c_str());
    if (std::strcmp(argv[1], "stop") == 0) return 1;
  }
  if (std::strcmp(argv[1], "stop") == 0) return 0;

  absl::StatusOr<std::unique_ptr<PostgresServer>> server = PostgresServer::Start();
  if (!server.ok()) {
    std::fprintf(stderr, "%s\n", std::string(server.status().message()).c_str());
    return 1;
  }
  const absl::Status published = (*server)->Publish(state);
  if (!published.ok()) {
    std::fprintf(stderr, "%s\n", std::string(published.message()).c_str());
    return 1;  // the server object still owns the server and stops it
  }
  std::printf("PostgreSQL for this test run on 127.0.0.1:%d (state in %s)\n", (*server)->port(),
              state.c_str());
  return 0;
}
