#include "bench/crypto_ceiling.h"

#include <openssl/evp.h>
#include <openssl/x509.h>

#include <atomic>
#include <thread>

#include "absl/strings/str_cat.h"
#include "bench/load_window.h"
#include "svidd/common/status_macros.h"
#include "svidd/crypto/pem.h"

namespace svidd::bench {
namespace {

// A CSR reduced to what its signature check needs: the SHA-256 of the signed bytes is taken
// per certificate, the key is decoded once.
struct PreparedCsr {
  std::string tbs;               // DER of CertificationRequestInfo
  std::string signature;         // the CSR's signature value
  crypto::EvpPkeyCtxPtr verify;  // verify context on the CSR's key, SHA-256, initialised
};

absl::StatusOr<PreparedCsr> Prepare(const std::string& pem) {
  SVIDD_ASSIGN_OR_RETURN(crypto::X509ReqPtr req, crypto::ParseCsrPem(pem));
  PreparedCsr out;
  unsigned char* der = nullptr;
  int len = i2d_re_X509_REQ_tbs(req.get(), &der);
  if (len <= 0) return crypto::OpenSslError(absl::StatusCode::kInternal, "encoding a CSR's TBS");
  out.tbs.assign(reinterpret_cast<char*>(der), len);
  OPENSSL_free(der);
  const ASN1_BIT_STRING* sig = nullptr;
  X509_REQ_get0_signature(req.get(), &sig, nullptr);
  out.signature.assign(reinterpret_cast<const char*>(ASN1_STRING_get0_data(sig)),
                       ASN1_STRING_length(sig));
  EVP_PKEY* key = X509_REQ_get0_pubkey(req.get());
  out.verify.reset(EVP_PKEY_CTX_new(key, nullptr));
  if (!out.verify || EVP_PKEY_verify_init(out.verify.get()) <= 0 ||
      EVP_PKEY_CTX_set_signature_md(out.verify.get(), EVP_sha256()) <= 0) {
    return crypto::OpenSslError(absl::StatusCode::kInternal, "setting up a CSR verify context");
  }
  return out;
}

struct ThreadState {
  std::vector<PreparedCsr> csrs;
  crypto::EvpPkeyCtxPtr sign;                          // on the CA key, SHA-256, initialised
  std::string tbs_to_sign = std::string(420, '\x5a');  // a leaf TBSCertificate's size
  int64_t done = 0;
  bool failed = false;
};

void Work(ThreadState& state, const EVP_MD* sha256, const std::atomic<bool>& stop) {
  unsigned char digest[32];
  unsigned int digest_len = 0;
  std::vector<unsigned char> signature(1024);
  size_t i = 0;
  while (!stop.load(std::memory_order_relaxed)) {
    PreparedCsr& csr = state.csrs[i++ % state.csrs.size()];
    EVP_Digest(csr.tbs.data(), csr.tbs.size(), digest, &digest_len, sha256, nullptr);
    if (EVP_PKEY_verify(csr.verify.get(),
                        reinterpret_cast<const unsigned char*>(csr.signature.data()),
                        csr.signature.size(), digest, digest_len) != 1) {
      state.failed = true;
      return;
    }
    state.tbs_to_sign[0] = static_cast<char>(i);
    EVP_Digest(state.tbs_to_sign.data(), state.tbs_to_sign.size(), digest, &digest_len, sha256,
               nullptr);
    size_t sig_len = signature.size();
    if (EVP_PKEY_sign(state.sign.get(), signature.data(), &sig_len, digest, digest_len) != 1) {
      state.failed = true;
      return;
    }
    ++state.done;
  }
}

}  // namespace

absl::StatusOr<CeilingResult> MeasureCryptoCeiling(const std::vector<std::string>& csr_pems,
                                                   const EVP_PKEY* ca_key,
                                                   std::chrono::milliseconds duration,
                                                   int threads) {
  if (csr_pems.empty()) return absl::InvalidArgumentError("no CSRs for the crypto ceiling");
  if (threads <= 0) threads = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  EVP_MD* sha256 = EVP_MD_fetch(nullptr, "SHA256", nullptr);
  std::vector<ThreadState> states(threads);
  const size_t per_thread = std::max<size_t>(1, std::min<size_t>(64, csr_pems.size() / threads));
  for (int t = 0; t < threads; ++t) {
    for (size_t j = 0; j < per_thread; ++j) {
      SVIDD_ASSIGN_OR_RETURN(PreparedCsr csr,
                             Prepare(csr_pems[(t * per_thread + j) % csr_pems.size()]));
      states[t].csrs.push_back(std::move(csr));
    }
    states[t].sign.reset(EVP_PKEY_CTX_new(const_cast<EVP_PKEY*>(ca_key), nullptr));
    if (!states[t].sign || EVP_PKEY_sign_init(states[t].sign.get()) <= 0 ||
        EVP_PKEY_CTX_set_signature_md(states[t].sign.get(), EVP_sha256()) <= 0) {
      EVP_MD_free(sha256);
      return crypto::OpenSslError(absl::StatusCode::kInternal, "setting up the CA signing context");
    }
  }
  std::atomic<bool> stop{false};
  const double cpu_before = ProcessCpuSeconds();
  const auto started = std::chrono::steady_clock::now();
  std::vector<std::thread> workers;
  for (auto& state : states) workers.emplace_back(Work, std::ref(state), sha256, std::cref(stop));
  std::this_thread::sleep_for(duration);
  stop = true;
  for (auto& w : workers) w.join();
  CeilingResult result;
  result.seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  result.cpu_s = ProcessCpuSeconds() - cpu_before;
  result.threads = threads;
  EVP_MD_free(sha256);
  for (const auto& state : states) {
    if (state.failed) return absl::InternalError("a crypto-ceiling signature operation failed");
    result.certificates += state.done;
  }
  return result;
}

}  // namespace svidd::bench
