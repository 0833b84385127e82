#include "bench/unary_mode.h"

#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <thread>

#include "CLI/CLI.hpp"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "bench/bench_inputs.h"
#include "bench/cfssl_reference.h"
#include "bench/child_server.h"
#include "bench/crypto_ceiling.h"
#include "bench/istio_unary_driver.h"
#include "bench/process_stats.h"
#include "svidd/common/atomic_file.h"
#include "svidd/common/time_format.h"
#include "svidd/crypto/pem.h"
#include "svidd/pki/ca_material.h"

namespace svidd::bench {
namespace {

struct UnaryFlags {
  std::string key_types = "ec-p256,rsa-2048";  // of the CSRs
  std::string concurrency = "64";              // comma list: one run per value
  int connections = 4;
  std::string warmup = "3s", duration = "20s", ceiling_duration = "3s";
  std::string floor_duration = "3s";  // the gRPC floor per concurrency; "0s" skips it
  int64_t count = 1'000'000;
  int csrs = 256;  // distinct CSRs (and workloads) per key type
  std::string ca_key_type = "ec-p256";
  std::string svidd_binary;  // default: svidd beside svidd-bench
  std::vector<std::string> svidd_args;
  std::string ledger;  // a shared PostgreSQL ledger ("": each svidd its SQLite ledger.db)
  int replicas = 1;    // svidd processes on that ledger
  std::string cfssl_binary;
  bool no_cfssl = false, require_cfssl = false;
};

// One row of the report: svidd, and beside it the references measured in the same run.
struct Row {
  std::string key_type;
  int concurrency = 0;
  LoadResult svidd;
  std::optional<LoadResult> cfssl;
  double ceiling_per_second = 0;
  double ceiling_cpu_ms = 0;  // CPU per certificate at the ceiling
  double CpuRatio() const {
    const double ms = svidd.server_cpu_ms_per_call();
    return ms > 0 ? ceiling_cpu_ms / ms : 0;
  }
};

std::string Errors(const LoadResult& r) {
  if (r.errors.empty()) return "0";
  std::vector<std::string> parts;
  for (const auto& [code, n] : r.errors) parts.push_back(absl::StrCat(code, " ", n));
  return absl::StrJoin(parts, ", ");
}

// The gRPC floor measured at one concurrency: Health/Check over the same connections.
struct Floor {
  int concurrency = 0;
  LoadResult calls;
};

void PrintFloors(const std::vector<Floor>& floors, const UnaryFlags& flags) {
  if (floors.empty()) return;
  std::cout << "\n| gRPC floor: grpc.health.v1.Health/Check, same TLS connections and metadata, no "
               "CSR | calls/s | latency p50 / p99 ms | errors | svidd CPU ms per call | client CPU "
               "ms per call |\n|---|---|---|---|---|---|\n";
  for (const Floor& f : floors) {
    std::cout << absl::StrFormat(
        "| %d concurrent / %d connections | %.0f | %.1f / %.1f | %s | "
        "%.3f | %.3f |\n",
        f.concurrency, flags.connections, f.calls.per_second(), f.calls.p50_ms, f.calls.p99_ms,
        Errors(f.calls), f.calls.server_cpu_ms_per_call(), f.calls.client_cpu_ms_per_call());
  }
}

void PrintReport(const std::vector<Row>& rows, const std::vector<Floor>& floors,
                 const UnaryFlags& flags) {
  std::cout
      << "\n| CSR key | concurrent / connections | svidd certificates/s | latency p50 / p90 / "
         "p99 / p99.9 ms | errors | svidd CPU ms per certificate | svidd write calls per "
         "certificate | svidd KiB written per certificate | svidd CPU s | client "
         "CPU s | window s |\n|---|---|---|---|---|---|---|---|---|---|---|\n";
  for (const Row& r : rows) {
    const LoadResult& s = r.svidd;
    std::cout << absl::StrFormat(
        "| %s | %d / %d | %.0f | %.1f / %.1f / %.1f / %.1f | %s | %.3f | %.1f | %.1f | "
        "%.1f | %.2f | %.1f |\n",
        r.key_type, r.concurrency, flags.connections, s.per_second(), s.p50_ms, s.p90_ms, s.p99_ms,
        s.p999_ms, Errors(s), s.server_cpu_ms_per_call(), s.server_write_calls_per_call(),
        s.server_kib_written_per_call(), s.server_cpu_s, s.client_cpu_s, s.seconds);
  }
  std::cout << "\n| CSR key | concurrent | svidd certificates/s | crypto ceiling /s | svidd / "
               "ceiling | ceiling CPU ms / svidd CPU ms | cfssl certificates/s | cfssl CPU ms per "
               "certificate | cfssl p99 ms | "
               "svidd / cfssl |\n|---|---|---|---|---|---|---|---|---|---|\n";
  for (const Row& r : rows) {
    const double svidd = r.svidd.per_second();
    std::string cfssl = "skipped | - | - | -";
    if (r.cfssl) {
      cfssl = absl::StrFormat("%.0f | %.3f | %.1f | %.2f", r.cfssl->per_second(),
                              r.cfssl->server_cpu_ms_per_call(), r.cfssl->p99_ms,
                              r.cfssl->per_second() > 0 ? svidd / r.cfssl->per_second() : 0);
      if (r.cfssl->error_count() > 0) cfssl += " (cfssl errors: " + Errors(*r.cfssl) + ")";
    }
    std::cout << absl::StrFormat("| %s | %d | %.0f | %.0f | %.3f | %.3f | %s |\n", r.key_type,
                                 r.concurrency, svidd, r.ceiling_per_second,
                                 r.ceiling_per_second > 0 ? svidd / r.ceiling_per_second : 0,
                                 r.CpuRatio(), cfssl);
  }
  PrintFloors(floors, flags);
  std::cout << "\n";
  // One line per run for scripts and the smoke test.
  for (const Row& r : rows) {
    std::cout << absl::StrFormat(
        "result svidd key=%s concurrency=%d connections=%d certificates=%d per_second=%.1f "
        "p50_ms=%.2f p90_ms=%.2f p99_ms=%.2f p999_ms=%.2f errors=%d server_cpu_ms_per_cert=%.3f "
        "ceiling_per_second=%.1f ratio_to_ceiling=%.4f cpu_ratio_to_ceiling=%.4f replicas=%d "
        "server_write_calls_per_cert=%.1f server_kib_written_per_cert=%.1f "
        "client_cpu_ms_per_cert=%.3f\n",
        r.key_type, r.concurrency, flags.connections, r.svidd.ok, r.svidd.per_second(),
        r.svidd.p50_ms, r.svidd.p90_ms, r.svidd.p99_ms, r.svidd.p999_ms, r.svidd.error_count(),
        r.svidd.server_cpu_ms_per_call(), r.ceiling_per_second,
        r.ceiling_per_second > 0 ? r.svidd.per_second() / r.ceiling_per_second : 0, r.CpuRatio(),
        flags.replicas, r.svidd.server_write_calls_per_call(),
        r.svidd.server_kib_written_per_call(), r.svidd.client_cpu_ms_per_call());
    if (r.cfssl) {
      std::cout << absl::StrFormat(
          "result cfssl key=%s concurrency=%d certificates=%d per_second=%.1f errors=%d "
          "server_cpu_ms_per_cert=%.3f\n",
          r.key_type, r.concurrency, r.cfssl->ok, r.cfssl->per_second(), r.cfssl->error_count(),
          r.cfssl->server_cpu_ms_per_call());
    }
  }
  for (const Floor& f : floors) {
    std::cout << absl::StrFormat(
        "result floor concurrency=%d connections=%d calls=%d per_second=%.1f p50_ms=%.2f "
        "p99_ms=%.2f errors=%d server_cpu_ms_per_call=%.3f client_cpu_ms_per_call=%.3f\n",
        f.concurrency, flags.connections, f.calls.ok, f.calls.per_second(), f.calls.p50_ms,
        f.calls.p99_ms, f.calls.error_count(), f.calls.server_cpu_ms_per_call(),
        f.calls.client_cpu_ms_per_call());
  }
}

// Where svidd's CA files are: the plug-in CA made here for a shared ledger (replicas must sign
// with one CA, and svidd refuses a shared ledger without --ca-dir), else svidd's own.
std::filesystem::path CaDir(const UnaryFlags& flags, const std::filesystem::path& dir) {
  return flags.ledger.empty() ? dir / "data-0" / "ca" : dir / "cacerts";
}

// svidd as operators run it: its own data dir, the ledger durable before each reply (svidd's
// only mode), the default log level; only the issuance rate limits are off. Replica `i` of
// --replicas on --ledger with the plug-in CA in CaDir().
absl::StatusOr<std::unique_ptr<ChildServer>> StartSvidd(const UnaryFlags& flags,
                                                        const std::filesystem::path& dir, int i,
                                                        int* port) {
  const std::string n = std::to_string(i);
  std::vector<std::string> argv = {
      flags.svidd_binary, "--data-dir", (dir / ("data-" + n)).string(), "--listen", "127.0.0.1:0",
      "--port-file", (dir / ("port-" + n)).string(), "--jwks-file", (dir / "jwks.json").string(),
      "--jwt-issuer", kBenchIssuer, "--ca-key-type", flags.ca_key_type,
      // Every call is one identity's (one token): the issuance
      // rate limits would measure themselves, not the CA.
      "--max-issuance-per-identity-per-second", "0", "--max-issuance-per-second", "0"};
  if (!flags.ledger.empty()) {
    argv.insert(argv.end(), {"--ledger", flags.ledger, "--ca-dir", CaDir(flags, dir).string()});
  }
  argv.insert(argv.end(), flags.svidd_args.begin(), flags.svidd_args.end());
  auto server = ChildServer::Start(argv, dir / ("svidd-" + n + ".log"));
  if (!server.ok()) return server.status();
  auto bound = (*server)->WaitForPortFile(dir / ("port-" + n), std::chrono::seconds(60));
  if (!bound.ok()) return bound.status();
  *port = *bound;
  return server;
}

// One closed-loop window of `call`s against svidd, measured with its CPU and write counters.
absl::StatusOr<LoadResult> RunIstioLoad(const IstioTarget& target,
                                        const std::vector<BenchInput>& inputs, UnaryCall call,
                                        const LoadOptions& options,
                                        const std::function<double()>& server_cpu,
                                        const std::function<ProcessIo()>& server_io) {
  LoadWindow window(options);
  IstioUnaryDriver driver(target, inputs, options.connections, call);
  driver.Start(window, options.concurrency);
  window.Run(server_cpu, server_io);
  if (!driver.WaitStopped(std::chrono::seconds(60))) {
    return absl::DeadlineExceededError("calls still in flight a minute after the run");
  }
  return window.Result();
}

int Fail(const absl::Status& status) {
  std::cerr << "svidd-bench unary: " << status << "\n";
  return 1;
}

}  // namespace

int RunUnaryMode(int argc, char** argv) {
  CLI::App app{"svidd-bench unary: certificates/s from svidd (own process) over Istio's API"};
  UnaryFlags flags;
  app.add_option("--key-types", flags.key_types, "CSR key types, comma-separated")
      ->capture_default_str();
  app.add_option("--concurrency", flags.concurrency, "Calls in flight; comma list = one run each")
      ->capture_default_str();
  app.add_option("--connections", flags.connections, "TLS connections (channels) they share")
      ->capture_default_str()
      ->check(CLI::Range(1, 1024));
  app.add_option("--warmup", flags.warmup, "Load before the window opens")->capture_default_str();
  app.add_option("--duration", flags.duration, "Window length at most (at most 10m)")
      ->capture_default_str();
  app.add_option("--count", flags.count, "Certificates in the window at most")
      ->capture_default_str()
      ->check(CLI::Range(int64_t{1}, int64_t{100'000'000}));
  app.add_option("--csrs", flags.csrs, "Distinct CSRs and workloads per key type")
      ->capture_default_str()
      ->check(CLI::Range(1, 100000));
  app.add_option("--ca-key-type", flags.ca_key_type, "svidd's (and cfssl's) CA key type")
      ->capture_default_str();
  app.add_option("--ceiling-duration", flags.ceiling_duration,
                 "Crypto ceiling measurement per key type")
      ->capture_default_str();
  app.add_option("--floor-duration", flags.floor_duration,
                 "gRPC floor (Health/Check on the same connections) per concurrency; 0s skips")
      ->capture_default_str();
  app.add_option("--svidd", flags.svidd_binary, "svidd binary (default: beside svidd-bench)");
  app.add_option("--svidd-arg", flags.svidd_args,
                 "Extra svidd flag (repeatable), e.g. --svidd-arg=--signing-threads=2");
  app.add_option("--ledger", flags.ledger,
                 "A PostgreSQL ledger URI every svidd shares, with a plug-in CA made here "
                 "(default: each svidd its SQLite ledger.db)");
  app.add_option("--replicas", flags.replicas,
                 "svidd processes on --ledger; the connections are spread over them")
      ->capture_default_str()
      ->check(CLI::Range(1, 8));
  app.add_option("--cfssl", flags.cfssl_binary, "cfssl binary (default: on PATH)");
  app.add_flag("--no-cfssl", flags.no_cfssl, "Skip the cfssl reference");
  app.add_flag("--require-cfssl", flags.require_cfssl, "Fail if cfssl cannot run");
  CLI11_PARSE(app, argc, argv);

  auto warmup = ParseDuration(flags.warmup);
  auto duration = ParseDuration(flags.duration);
  auto ceiling_duration = ParseDuration(flags.ceiling_duration);
  auto floor_duration = ParseDuration(flags.floor_duration);
  auto ca_key_type = crypto::ParseKeyType(flags.ca_key_type);
  std::vector<crypto::KeyType> key_types;
  const std::vector<std::string> key_type_names = absl::StrSplit(flags.key_types, ',');
  for (const std::string& name : key_type_names) {
    auto type = crypto::ParseKeyType(name);
    if (!type.ok())
      return std::cerr << "svidd-bench unary: --key-types: " << type.status() << "\n", 2;
    key_types.push_back(*type);
  }
  std::vector<int> concurrency;
  const std::vector<std::string> concurrency_values = absl::StrSplit(flags.concurrency, ',');
  for (const std::string& value : concurrency_values) {
    int n = 0;
    if (!absl::SimpleAtoi(value, &n) || n < 1 || n > 4096) {
      return std::cerr << "svidd-bench unary: --concurrency takes numbers 1-4096\n", 2;
    }
    concurrency.push_back(n);
  }
  if (!warmup.ok() || !duration.ok() || !ceiling_duration.ok() || !floor_duration.ok() ||
      !ca_key_type.ok() || *duration > std::chrono::minutes(10) ||
      *ceiling_duration > std::chrono::minutes(1) || *floor_duration > std::chrono::minutes(1)) {
    std::cerr << "svidd-bench unary: --warmup, --duration (at most 10m), --ceiling-duration and "
                 "--floor-duration (at most 1m) take durations; --ca-key-type a key type\n";
    return 2;
  }
  if (flags.replicas > 1 && flags.ledger.empty()) {
    std::cerr << "svidd-bench unary: --replicas above 1 needs a shared --ledger\n";
    return 2;
  }
  if (flags.svidd_binary.empty()) flags.svidd_binary = (ExecutableDir() / "svidd").string();

  std::optional<std::string> cfssl_binary;
  if (!flags.no_cfssl) {
    auto found = CfsslReference::FindBinary(flags.cfssl_binary);
    if (found.ok()) {
      cfssl_binary = *found;
    } else if (flags.require_cfssl) {
      return Fail(found.status());
    } else {
      std::cout << "cfssl: skipped (" << found.status().message() << ")\n";
    }
  }

  char pattern[] = "/tmp/svidd-bench-unary-XXXXXX";
  if (::mkdtemp(pattern) == nullptr) return Fail(absl::InternalError("mkdtemp failed"));
  const std::filesystem::path dir = pattern;
  struct Cleanup {
    std::filesystem::path dir;
    ~Cleanup() { std::filesystem::remove_all(dir); }
  } cleanup{dir};

  auto jwt_key = testing::MakeEs256Key("bench");
  if (!jwt_key.ok()) return Fail(jwt_key.status());
  if (auto s = WriteFileAtomically(dir / "jwks.json", testing::JwksJson({&*jwt_key})); !s.ok()) {
    return Fail(s);
  }
  if (!flags.ledger.empty()) {
    auto ca = BootstrapCa(pki::CaBootstrapOptions{.key_type = *ca_key_type},
                          SystemClock::Instance().Now());
    if (!ca.ok()) return Fail(ca.status());
    if (auto s = WriteIstioCaDir(CaDir(flags, dir), *ca); !s.ok()) return Fail(s);
  }
  std::vector<std::unique_ptr<ChildServer>> svidds;
  std::vector<int> ports;
  for (int i = 0; i < flags.replicas; ++i) {
    int port = 0;
    auto svidd = StartSvidd(flags, dir, i, &port);
    if (!svidd.ok()) return Fail(svidd.status());
    std::cerr << "svidd-bench: svidd pid " << (*svidd)->pid() << " on 127.0.0.1:" << port << "\n";
    svidds.push_back(*std::move(svidd));
    ports.push_back(port);
  }
  auto svidd_cpu_seconds = [&] {
    double sum = 0;
    for (const auto& svidd : svidds) sum += svidd->CpuSeconds();
    return sum;
  };
  auto svidd_io = [&] {
    ProcessIo sum;
    for (const auto& svidd : svidds) sum += ReadProcessIo(svidd->pid());
    return sum;
  };
  auto root_pem = ReadFileToString(CaDir(flags, dir) / "root-cert.pem");
  auto ca_key_pem = ReadFileToString(CaDir(flags, dir) / "ca-key.pem");
  if (!root_pem.ok() || !ca_key_pem.ok()) return Fail(absl::NotFoundError("svidd's CA files"));
  auto ca_key = crypto::ParsePrivateKeyPem(*ca_key_pem);
  if (!ca_key.ok()) return Fail(ca_key.status());

  std::unique_ptr<CfsslReference> cfssl;
  if (cfssl_binary) {
    auto started = CfsslReference::Start(*cfssl_binary, dir / "cfssl", *ca_key_type);
    if (started.ok()) {
      cfssl = std::move(*started);
    } else if (flags.require_cfssl) {
      return Fail(started.status());
    } else {
      std::cout << "cfssl: skipped (" << started.status().message() << ")\n";
    }
  }

  std::cout << absl::StrFormat(
      "svidd-bench unary: CSR keys %s; concurrency %s over %d connections; warm-up %s, then %s "
      "or %d certificates; svidd CA %s, ledger durable before each reply (%s); %d svidd "
      "replica(s)\n",
      flags.key_types, flags.concurrency, flags.connections, flags.warmup, flags.duration,
      flags.count, flags.ca_key_type,
      flags.ledger.empty() ? "SQLite, synchronous=FULL" : "one shared PostgreSQL", flags.replicas);
  std::cout << MachineLine() << "\n";

  std::vector<Row> rows;
  std::vector<Floor> floors;
  const IstioTarget target{ports, *root_pem};
  for (crypto::KeyType type : key_types) {
    auto inputs = MakeBenchInputs(type, flags.csrs, *jwt_key, "cluster.local");
    if (!inputs.ok()) return Fail(inputs.status());
    std::vector<std::string> csr_pems;
    for (const auto& input : *inputs) csr_pems.push_back(input.csr_pem);
    auto ceiling = MeasureCryptoCeiling(
        csr_pems, ca_key->get(),
        std::chrono::duration_cast<std::chrono::milliseconds>(*ceiling_duration));
    if (!ceiling.ok()) return Fail(ceiling.status());
    std::cout << absl::StrFormat(
        "crypto ceiling (%s CSR, %s CA key, %d threads): %.0f certificates/s, %.3f ms CPU each\n",
        KeyTypeName(type), flags.ca_key_type, ceiling->threads, ceiling->per_second(),
        ceiling->cpu_ms_per_certificate());
    for (int n : concurrency) {
      LoadOptions options;
      options.concurrency = n;
      options.connections = flags.connections;
      options.warmup = std::chrono::duration_cast<std::chrono::milliseconds>(*warmup);
      options.duration = std::chrono::duration_cast<std::chrono::milliseconds>(*duration);
      options.count = flags.count;
      // The floor, once per concurrency: it does not depend on the CSR's key.
      const bool floor_measured = std::any_of(floors.begin(), floors.end(),
                                              [n](const Floor& f) { return f.concurrency == n; });
      if (*floor_duration > std::chrono::seconds(0) && !floor_measured) {
        LoadOptions floor_options = options;
        floor_options.duration =
            std::chrono::duration_cast<std::chrono::milliseconds>(*floor_duration);
        auto floor = RunIstioLoad(target, *inputs, UnaryCall::kHealthCheck, floor_options,
                                  svidd_cpu_seconds, svidd_io);
        if (!floor.ok()) return Fail(floor.status());
        floors.push_back(Floor{n, *floor});
        std::cerr << absl::StrFormat("svidd-bench: gRPC floor x%d: %.0f calls/s\n", n,
                                     floors.back().calls.per_second());
      }
      Row row;
      row.key_type = KeyTypeName(type);
      row.concurrency = n;
      row.ceiling_per_second = ceiling->per_second();
      row.ceiling_cpu_ms = ceiling->cpu_ms_per_certificate();
      auto certificates = RunIstioLoad(target, *inputs, UnaryCall::kCreateCertificate, options,
                                       svidd_cpu_seconds, svidd_io);
      if (!certificates.ok()) return Fail(certificates.status());
      row.svidd = *certificates;
      if (cfssl) {
        auto result = cfssl->Run(*inputs, options);
        if (result.ok()) row.cfssl = *result;
      }
      std::cerr << absl::StrFormat("svidd-bench: %s x%d: svidd %.0f/s, errors %d\n", row.key_type,
                                   n, row.svidd.per_second(), row.svidd.error_count());
      rows.push_back(std::move(row));
    }
  }
  if (cfssl) cfssl->Stop();
  bool ok = true;
  for (const auto& svidd : svidds) {
    const int svidd_exit = svidd->Stop();
    if (svidd_exit == 0) continue;
    ok = false;
    std::cerr << "svidd-bench: svidd exited with " << svidd_exit << ": " << svidd->LogTail()
              << "\n";
  }
  PrintReport(rows, floors, flags);
  for (const Row& r : rows) ok = ok && r.svidd.ok > 0 && r.svidd.error_count() == 0;
  for (const Floor& f : floors) ok = ok && f.calls.ok > 0 && f.calls.error_count() == 0;
  if (flags.require_cfssl) {
    for (const Row& r : rows) ok = ok && r.cfssl && r.cfssl->ok > 0 && r.cfssl->error_count() == 0;
  }
  return ok ? 0 : 1;
}

}  // namespace svidd::bench
