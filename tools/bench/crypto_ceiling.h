// The crypto ceiling (docs/PERFORMANCE.md, ../shared/reference/openssl3-hot-path.md): per
// certificate, verify one CSR's signature and make one signature with a key of the CA's type,
// nothing else (no parsing, no X.509 building, no ledger), on one thread per core. Each thread
// cycles through its own CSRs with keys decoded and contexts set up before the clock starts;
// a run measures what the CPU can do at best, the bound svidd's figure is a fraction of.
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "svidd/crypto/ssl_ptr.h"

namespace svidd::bench {

struct CeilingResult {
  int threads = 0;
  int64_t certificates = 0;
  double seconds = 0;
  double cpu_s = 0;  // this process, during the run
  double per_second() const { return seconds > 0 ? certificates / seconds : 0; }
  double cpu_ms_per_certificate() const {
    return certificates > 0 ? cpu_s * 1000 / certificates : 0;
  }
};

// `csr_pems`: the benchmark's CSRs (at least one); `ca_key`: a private key of the CA's type
// (svidd's own ca-key.pem). `threads` 0: one per core.
absl::StatusOr<CeilingResult> MeasureCryptoCeiling(const std::vector<std::string>& csr_pems,
                                                   const EVP_PKEY* ca_key,
                                                   std::chrono::milliseconds duration,
                                                   int threads = 0);

}  // namespace svidd::bench
