// svidd-hotpath-bench: the per-certificate crypto hot path, in process, on N threads:
//   before   the plain X509 API (PEM_read_bio_X509_REQ, X509_REQ_verify, X509_set_pubkey,
//            X509V3 extensions, X509_sign, PEM_write_bio_X509, i2d_PUBKEY + SHA-256), the
//            path svidd had before issue 12;
//   svidd    what the server runs: ValidateCsr (DER walk, raw-key verify), BuildLeafProfile,
//            Authority::SignLeaf (TBS from a template, PEM, SPKI hash);
//   crypto   the ceiling: verify one CSR signature and make one signature, no X.509.
// Each mode runs --seconds over the same pre-generated distinct CSRs. The machine is shared and
// noisy, so the ratio to the crypto-only figure of the same run is the number to compare.
#define OPENSSL_SUPPRESS_DEPRECATED  // the ceiling uses the raw EC_KEY/RSA verify calls

#include <openssl/ec.h>
#include <openssl/ecdsa.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/x509v3.h>
#include <time.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <functional>
#include <iostream>
#include <thread>
#include <vector>

#include "CLI/CLI.hpp"
#include "absl/strings/str_format.h"
#include "support/pki/csr_builder.h"
#include "support/pki/external_verify.h"
#include "svidd/crypto/digest.h"
#include "svidd/crypto/pem.h"
#include "svidd/pki/authority.h"
#include "svidd/pki/csr_validator.h"

namespace svidd::bench {
namespace {

constexpr char kIdPrefix[] = "spiffe://cluster.local/ns/bench/sa/w";

// ---- before: the plain X509 API ----------------------------------------------------------

bool AddExt(X509* cert, X509* issuer, int nid, const char* value) {
  X509V3_CTX ctx;
  X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
  crypto::X509ExtensionPtr ext(X509V3_EXT_nconf_nid(nullptr, &ctx, nid, value));
  return ext != nullptr && X509_add_ext(cert, ext.get(), -1) == 1;
}

bool BeforeOne(const std::string& pem, const pki::Authority& ca) {
  crypto::BioPtr in(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  crypto::X509ReqPtr req(PEM_read_bio_X509_REQ(in.get(), nullptr, nullptr, nullptr));
  if (req == nullptr) return false;
  EVP_PKEY* key = X509_REQ_get0_pubkey(req.get());
  if (key == nullptr || X509_REQ_verify(req.get(), key) != 1) return false;
  crypto::ExtensionStackPtr exts(X509_REQ_get_extensions(req.get()));
  X509* signer = const_cast<X509*>(ca.signing_cert());
  crypto::X509Ptr cert(X509_new());
  X509_set_version(cert.get(), X509_VERSION_3);
  std::string serial = pki::RandomSerial().value();
  crypto::BignumPtr bn(
      BN_bin2bn(reinterpret_cast<const unsigned char*>(serial.data()), 16, nullptr));
  BN_to_ASN1_INTEGER(bn.get(), X509_get_serialNumber(cert.get()));
  const time_t now = time(nullptr);
  ASN1_TIME_set(X509_getm_notBefore(cert.get()), now - 120);
  ASN1_TIME_set(X509_getm_notAfter(cert.get()), now + 3600);
  X509_set_issuer_name(cert.get(), X509_get_subject_name(signer));
  if (X509_set_pubkey(cert.get(), key) != 1) return false;
  crypto::GeneralNamesPtr san(
      static_cast<GENERAL_NAMES*>(X509V3_EXT_d2i(sk_X509_EXTENSION_value(exts.get(), 0))));
  if (san == nullptr || X509_add1_ext_i2d(cert.get(), NID_subject_alt_name, san.get(), 1, 0) != 1 ||
      !AddExt(cert.get(), signer, NID_basic_constraints, "critical,CA:FALSE") ||
      !AddExt(cert.get(), signer, NID_key_usage, "critical,digitalSignature") ||
      !AddExt(cert.get(), signer, NID_ext_key_usage, "serverAuth,clientAuth") ||
      !AddExt(cert.get(), signer, NID_subject_key_identifier, "hash") ||
      !AddExt(cert.get(), signer, NID_authority_key_identifier, "keyid")) {
    return false;
  }
  if (X509_sign(cert.get(), const_cast<EVP_PKEY*>(ca.signing_key()), EVP_sha256()) <= 0) {
    return false;
  }
  crypto::BioPtr out(BIO_new(BIO_s_mem()));
  if (PEM_write_bio_X509(out.get(), cert.get()) != 1) return false;
  unsigned char* spki = nullptr;
  const int len = i2d_PUBKEY(key, &spki);
  if (len <= 0) return false;
  const bool hashed = crypto::Sha256Hex(std::string_view(reinterpret_cast<char*>(spki), len)).ok();
  OPENSSL_free(spki);
  return hashed;
}

// ---- svidd: the production path ----------------------------------------------------------

bool SviddOne(const std::string& pem, const pki::Authority& ca) {
  auto csr = pki::ValidateCsr(pem);
  if (!csr.ok()) return false;
  auto profile = BuildLeafProfile(csr->requested_id, std::chrono::hours(1), pki::TtlPolicy{},
                                  std::chrono::system_clock::now(), ca.not_after());
  if (!profile.ok()) return false;
  auto issued = ca.SignLeaf(*profile, csr->public_key);
  return issued.ok() && !issued->pem.empty() && !issued->public_key_sha256.empty();
}

// ---- crypto only: one verify (raw key, decoded beforehand) and one signature -------------

struct RawCsr {
  std::string info, signature;  // the signed bytes and the signature
  EC_KEY* ec = nullptr;         // owned; one of ec/rsa
  RSA* rsa = nullptr;
};

RawCsr Decode(const std::string& pem) {
  crypto::X509ReqPtr req = crypto::ParseCsrPem(pem).value();
  RawCsr raw;
  unsigned char* info = nullptr;
  const int info_len = i2d_re_X509_REQ_tbs(req.get(), &info);
  raw.info.assign(reinterpret_cast<char*>(info), info_len);
  OPENSSL_free(info);
  const ASN1_BIT_STRING* sig = nullptr;
  X509_REQ_get0_signature(req.get(), &sig, nullptr);
  raw.signature.assign(reinterpret_cast<const char*>(ASN1_STRING_get0_data(sig)),
                       ASN1_STRING_length(sig));
  EVP_PKEY* key = X509_REQ_get0_pubkey(req.get());
  if (EVP_PKEY_get_base_id(key) == EVP_PKEY_EC) {
    raw.ec = EVP_PKEY_get1_EC_KEY(key);
  } else {
    raw.rsa = EVP_PKEY_get1_RSA(key);
  }
  return raw;
}

struct CryptoOnly {
  std::vector<RawCsr> csrs;
  crypto::EvpMdCtxPtr sign_template;
  std::string message = std::string(420, 'x');  // about a leaf's TBSCertificate
};

bool CryptoOne(const RawCsr& csr, const CryptoOnly& c) {
  unsigned char digest[32];
  SHA256(reinterpret_cast<const unsigned char*>(csr.info.data()), csr.info.size(), digest);
  const auto* sig = reinterpret_cast<const unsigned char*>(csr.signature.data());
  const bool verified =
      csr.ec != nullptr
          ? ECDSA_verify(0, digest, 32, sig, static_cast<int>(csr.signature.size()), csr.ec) == 1
          : RSA_verify(NID_sha256, digest, 32, sig, static_cast<unsigned>(csr.signature.size()),
                       csr.rsa) == 1;
  thread_local crypto::EvpMdCtxPtr ctx(EVP_MD_CTX_new());
  unsigned char out[1024];
  size_t out_len = sizeof(out);
  return verified && EVP_MD_CTX_copy_ex(ctx.get(), c.sign_template.get()) == 1 &&
         EVP_DigestSign(ctx.get(), out, &out_len,
                        reinterpret_cast<const unsigned char*>(c.message.data()),
                        c.message.size()) == 1;
}

// ---- the runner ----------------------------------------------------------------------------

struct Result {
  double per_second = 0;
  double cpu_us_per_cert = 0;
  uint64_t failures = 0;
};

double ProcessCpuSeconds() {
  timespec ts{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return ts.tv_sec + ts.tv_nsec / 1e9;
}

// Runs `one(i)` on `threads` threads for `seconds` (and at most 50M calls).
Result Run(int threads, double seconds, size_t items, const std::function<bool(size_t)>& one) {
  std::atomic<uint64_t> done{0}, failed{0};
  std::atomic<bool> stop{false};
  const double cpu0 = ProcessCpuSeconds();
  const auto t0 = std::chrono::steady_clock::now();
  std::vector<std::thread> pool;
  for (int t = 0; t < threads; ++t) {
    pool.emplace_back([&, t] {
      uint64_t n = 0, bad = 0;
      for (size_t i = static_cast<size_t>(t);
           !stop.load(std::memory_order_relaxed) && n < 50'000'000;
           i = (i + static_cast<size_t>(threads)) % items) {
        if (!one(i)) ++bad;
        ++n;
      }
      done += n;
      failed += bad;
    });
  }
  std::this_thread::sleep_for(std::chrono::duration<double>(seconds));
  stop = true;
  for (std::thread& th : pool) th.join();
  const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  const double cpu = ProcessCpuSeconds() - cpu0;
  Result r;
  r.per_second = done / wall;
  r.cpu_us_per_cert = done == 0 ? 0 : cpu * 1e6 / done;
  r.failures = failed;
  return r;
}

int Main(int argc, char** argv) {
  CLI::App app{
      "svidd-hotpath-bench: parse+verify+build+sign+PEM+hash per certificate, "
      "before (X509 API) vs svidd vs the crypto-only ceiling"};
  int threads = 2;
  double seconds = 10;
  std::string key_type = "p256";
  int csr_count = 256;
  bool skip_before = false;
  app.add_option("--threads", threads, "Signing threads")
      ->capture_default_str()
      ->check(CLI::Range(1, 64));
  app.add_option("--seconds", seconds, "Duration of each mode")
      ->capture_default_str()
      ->check(CLI::Range(0.1, 300.0));
  app.add_option("--key-type", key_type, "CSR key: p256 or rsa2048")
      ->capture_default_str()
      ->check(CLI::IsMember({"p256", "rsa2048"}));
  app.add_option("--csrs", csr_count, "Distinct pre-generated CSRs")
      ->capture_default_str()
      ->check(CLI::Range(1, 100000));
  app.add_flag("--skip-before", skip_before,
               "Do not run the (slow) X509-API mode, e.g. to profile");
  CLI11_PARSE(app, argc, argv);

  const crypto::KeyType type =
      key_type == "p256" ? crypto::KeyType::kEcP256 : crypto::KeyType::kRsa2048;
  auto ca = testing::MakeTestAuthority(std::chrono::system_clock::now(), crypto::KeyType::kEcP256);
  if (!ca.ok()) {
    std::cerr << "CA: " << ca.status() << "\n";
    return 1;
  }
  std::vector<std::string> pems;
  for (int i = 0; i < csr_count; ++i) {
    auto csr = testing::BuildIstioCsr(absl::StrFormat("%s%d", kIdPrefix, i), type);
    if (!csr.ok()) {
      std::cerr << "CSR: " << csr.status() << "\n";
      return 1;
    }
    pems.push_back(csr->pem);
  }
  CryptoOnly crypto;
  for (const std::string& pem : pems) crypto.csrs.push_back(Decode(pem));
  crypto.sign_template.reset(EVP_MD_CTX_new());
  if (EVP_DigestSignInit_ex(crypto.sign_template.get(), nullptr, "SHA256", nullptr, nullptr,
                            const_cast<EVP_PKEY*>((*ca)->signing_key()), nullptr) != 1) {
    std::cerr << "signing template failed\n";
    return 1;
  }

  const pki::Authority& authority = **ca;
  std::printf(
      "svidd-hotpath-bench: %s CSRs (%d distinct), P-256 CA, %d threads, %.1f s per mode, %u "
      "CPUs\n",
      key_type.c_str(), csr_count, threads, seconds, std::thread::hardware_concurrency());
  const Result ceiling = Run(threads, seconds, pems.size(),
                             [&](size_t i) { return CryptoOne(crypto.csrs[i], crypto); });
  const Result after =
      Run(threads, seconds, pems.size(), [&](size_t i) { return SviddOne(pems[i], authority); });
  const Result before = skip_before ? Result{} : Run(threads, seconds, pems.size(), [&](size_t i) {
    return BeforeOne(pems[i], authority);
  });
  std::printf("%-34s %12s %14s %10s %9s\n", "mode", "certs/s", "CPU us/cert", "x ceiling",
              "failures");
  auto row = [&](const char* name, const Result& r) {
    std::printf("%-34s %12.0f %14.1f %10.2f %9llu\n", name, r.per_second, r.cpu_us_per_cert,
                r.per_second / ceiling.per_second, static_cast<unsigned long long>(r.failures));
  };
  row("crypto only (verify + sign)", ceiling);
  row("svidd hot path (DER + template)", after);
  if (!skip_before) {
    row("before (plain X509 API)", before);
    std::printf("speed-up svidd/before: %.1fx\n", after.per_second / before.per_second);
  }
  for (auto& c : crypto.csrs) {
    EC_KEY_free(c.ec);
    RSA_free(c.rsa);
  }
  return ceiling.failures + after.failures + before.failures == 0 ? 0 : 2;
}

}  // namespace
}  // namespace svidd::bench

int main(int argc, char** argv) { return svidd::bench::Main(argc, argv); }
