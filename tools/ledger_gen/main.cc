// svidd-ledger-gen: fills a new svidd data dir with a realistic ledger of --rows certificates
// (fleet_history.h), written through svidd's own ledger code so that the hash chain, the
// content digests and the signed checkpoints all verify (`svidctl ledger verify`).
//   1. svidd itself (in this process, loopback, port 0) makes the data dir: CA, root, ledger.
//   2. Older intermediates are issued under that root and recorded, so rows name several
//      issuers; one real leaf per workload identity is signed by the active CA.
//   3. The rows go in through Ledger::RecordIssuanceAsync in large group-commit batches, then
//      the revocations through Ledger::RevokeCertificate.
//   4. svidd starts once more on the data dir and shuts down, which signs the chain head.
// Each row's certificate_pem is its identity's real leaf (so rows have the real size and
// content); the row's serial, times, issuer and superseded serial are its own.
#include <filesystem>
#include <iostream>

#include "CLI/CLI.hpp"
#include "absl/strings/str_format.h"
#include "ledger_gen/fleet_history.h"
#include "spdlog/spdlog.h"
#include "svidd/auth/caller_identity.h"
#include "svidd/common/data_dir.h"
#include "svidd/common/mutex.h"
#include "svidd/common/status_macros.h"
#include "svidd/common/time_format.h"
#include "svidd/crypto/digest.h"
#include "svidd/crypto/keys.h"
#include "svidd/crypto/pem.h"
#include "svidd/crypto/x509_fields.h"
#include "svidd/issuance/record_builder.h"
#include "svidd/ledger/sqlite_ledger.h"
#include "svidd/pki/authority.h"
#include "svidd/pki/ca_material.h"
#include "svidd/pki/leaf_profile.h"
#include "svidd/pki/root_ca.h"
#include "svidd/server/svidd_server.h"

namespace svidd::ledger_gen {
namespace {

using Seconds = std::chrono::duration<double>;

struct Issuer {
  std::string serial_hex, subject;
};

// Bounds the records handed to the ledger's writer and not yet durable.
class InFlight {
 public:
  explicit InFlight(size_t limit) : limit_(limit) {}
  void Acquire() {
    MutexLock lock(&mu_);
    cv_.Wait(&mu_, [&] {
      mu_.AssertHeld();
      return count_ < limit_;
    });
    ++count_;
  }
  void Release(const absl::Status& status) {
    MutexLock lock(&mu_);
    --count_;
    if (!status.ok() && first_error_.ok()) first_error_ = status;
    cv_.SignalAll();
  }
  absl::Status Drain() {
    MutexLock lock(&mu_);
    cv_.Wait(&mu_, [&] {
      mu_.AssertHeld();
      return count_ == 0;
    });
    return first_error_;
  }

 private:
  const size_t limit_;
  Mutex mu_;
  CondVar cv_;
  size_t count_ ABSL_GUARDED_BY(mu_) = 0;
  absl::Status first_error_ ABSL_GUARDED_BY(mu_);
};

absl::Status RunSvidd(const std::filesystem::path& data_dir, const std::string& trust_domain) {
  server::ServerOptions options;
  options.data_dir = data_dir;
  options.listen = "127.0.0.1:0";
  options.trust_domain = trust_domain;
  SVIDD_ASSIGN_OR_RETURN(auto server, server::SviddServer::Start(options, SystemClock::Instance()));
  server->Shutdown();
  return absl::OkStatus();
}

std::string SubjectOf(const X509* cert) {
  char buffer[512];
  X509_NAME_oneline(X509_get_subject_name(cert), buffer, sizeof(buffer));
  return buffer;
}

// Older intermediates under the data dir's root, recorded as svidd records its own.
absl::StatusOr<std::vector<Issuer>> MakeIssuers(const std::filesystem::path& data_dir,
                                                ledger::Ledger& ledger, int count,
                                                const std::string& trust_domain) {
  SVIDD_ASSIGN_OR_RETURN(pki::RootCa root, pki::LoadRootCaDir(DataDir(data_dir).own_root()));
  SVIDD_ASSIGN_OR_RETURN(pki::CaMaterial active,
                         pki::ReadIstioCaCertificates(DataDir(data_dir).own_ca()));
  std::vector<Issuer> issuers = {
      {crypto::SerialHex(active.signing_cert.get()), SubjectOf(active.signing_cert.get())}};
  SVIDD_ASSIGN_OR_RETURN(spiffe::SpiffeId td, spiffe::SpiffeId::ForTrustDomain(trust_domain));
  // The root was made just now, so the older intermediates cannot be dated back to the
  // rows they sign: they are issued now as well; only the rows carry the history.
  const TimePoint made = SystemClock::Instance().Now();
  for (int k = 1; k < count; ++k) {
    pki::IntermediateSpec spec{trust_domain, crypto::KeyType::kEcP256, std::chrono::hours(24 * 30)};
    SVIDD_ASSIGN_OR_RETURN(pki::CaMaterial ca,
                           IssueIntermediate(root, spec, {root.cert.get()}, made));
    SVIDD_ASSIGN_OR_RETURN(ledger::CertificateRecord record,
                           issuance::BuildCaCertificateRecord(ca, root.cert.get(), td.str(),
                                                              "svidd (self-managed CA)", made));
    SVIDD_RETURN_IF_ERROR(ledger.RecordIssuance(record));
    issuers.push_back({crypto::SerialHex(ca.signing_cert.get()), SubjectOf(ca.signing_cert.get())});
  }
  return issuers;
}

struct IdentityLeaf {
  std::string pem, key_sha256, key_type;
};

// One real leaf per identity from the active CA, for the rows' certificate_pem.
absl::StatusOr<std::vector<IdentityLeaf>> MakeLeaves(const std::filesystem::path& data_dir,
                                                     const FleetHistory& history, int identities) {
  SVIDD_ASSIGN_OR_RETURN(
      pki::CaMaterial material,
      pki::LoadIstioCaDir(DataDir(data_dir).own_ca(), SystemClock::Instance().Now()));
  SVIDD_ASSIGN_OR_RETURN(auto authority, pki::Authority::Create(std::move(material)));
  std::vector<IdentityLeaf> leaves;
  leaves.reserve(identities);
  const TimePoint now = SystemClock::Instance().Now();
  for (int i = 0; i < identities; ++i) {
    SVIDD_ASSIGN_OR_RETURN(crypto::EvpPkeyPtr key, GenerateKey(crypto::KeyType::kEcP256));
    SVIDD_ASSIGN_OR_RETURN(spiffe::SpiffeId id, spiffe::SpiffeId::Parse(history.SpiffeIdOf(i)));
    SVIDD_ASSIGN_OR_RETURN(pki::LeafProfile profile,
                           BuildLeafProfile(id, std::chrono::hours(24), pki::TtlPolicy{}, now,
                                            authority->not_after()));
    SVIDD_ASSIGN_OR_RETURN(pki::IssuedCertificate issued, authority->SignLeaf(profile, key.get()));
    SVIDD_ASSIGN_OR_RETURN(std::string key_sha256, crypto::PublicKeySha256Hex(key.get()));
    leaves.push_back({std::move(issued.pem), std::move(key_sha256), "EC-P256"});
  }
  return leaves;
}

absl::Status Generate(const std::filesystem::path& data_dir, FleetHistoryOptions options,
                      size_t batch) {
  if (std::filesystem::exists(DataDir(data_dir).ledger())) {
    return absl::AlreadyExistsError(data_dir.string() + " already holds a ledger");
  }
  const auto t0 = std::chrono::steady_clock::now();
  auto lap = [&] { return Seconds(std::chrono::steady_clock::now() - t0).count(); };
  SVIDD_RETURN_IF_ERROR(RunSvidd(data_dir, options.trust_domain));
  std::cout << absl::StrFormat("data dir made by svidd: %.1f s\n", lap());

  options.now = SystemClock::Instance().Now();
  FleetHistory history(options);
  ledger::SqliteLedgerOptions ledger_options;
  ledger_options.max_batch = batch;
  SVIDD_ASSIGN_OR_RETURN(auto ledger, OpenSqliteLedger(DataDir(data_dir).ledger(), ledger_options));
  SVIDD_ASSIGN_OR_RETURN(std::vector<Issuer> issuers,
                         MakeIssuers(data_dir, *ledger, options.issuers, options.trust_domain));
  SVIDD_ASSIGN_OR_RETURN(std::vector<IdentityLeaf> leaves,
                         MakeLeaves(data_dir, history, options.identities));
  std::cout << absl::StrFormat("%d issuers, %d identity leaves: %.1f s\n", issuers.size(),
                               leaves.size(), lap());

  InFlight in_flight(batch * 4);
  int64_t rows = 0;
  std::vector<HistoryRevocation> revocations = history.Generate([&](const HistoryRow& row) {
    const IdentityLeaf& leaf = leaves[row.identity];
    ledger::CertificateRecord r;
    r.serial_hex = row.serial_hex;
    r.spiffe_id = row.spiffe_id;
    r.kind = ledger::CertKind::kWorkload;
    r.issued_at = row.issued_at;
    r.not_before = row.not_before;
    r.not_after = row.not_after;
    r.issuer_serial_hex = issuers[row.issuer].serial_hex;
    r.issuer_subject = issuers[row.issuer].subject;
    r.public_key_sha256 = leaf.key_sha256;
    r.key_type = leaf.key_type;
    r.auth_method = AuthMethodName(auth::AuthMethod::kKubernetesToken);
    r.auth_principal = row.principal;
    r.certificate_pem = leaf.pem;
    r.supersedes_serial_hex = row.supersedes_serial_hex;
    in_flight.Acquire();
    ledger->RecordIssuanceAsync(std::move(r), [&](absl::Status s) { in_flight.Release(s); });
    if (++rows % 100'000 == 0)
      std::cout << absl::StrFormat("  %d rows: %.1f s\n", rows, lap()) << std::flush;
  });
  SVIDD_RETURN_IF_ERROR(in_flight.Drain());
  std::cout << absl::StrFormat("%d rows written: %.1f s\n", rows, lap());
  for (const HistoryRevocation& revocation : revocations) {
    SVIDD_RETURN_IF_ERROR(
        ledger->RevokeCertificate(revocation.serial_hex, revocation.reason, revocation.at));
  }
  std::cout << absl::StrFormat("%d revoked: %.1f s\n", revocations.size(), lap());
  ledger.reset();
  SVIDD_RETURN_IF_ERROR(RunSvidd(data_dir, options.trust_domain));
  std::cout << absl::StrFormat("chain head signed by svidd: %.1f s\n", lap());
  std::cout << absl::StrFormat(
      "ledger-gen: %d certificates, %d identities, %d issuers, %d revoked, %d renewal rounds "
      "from %s, in %.1f s\n",
      rows, options.identities, issuers.size(), revocations.size(), history.rounds(),
      FormatRfc3339(history.Start()), lap());
  return absl::OkStatus();
}

}  // namespace
}  // namespace svidd::ledger_gen

int main(int argc, char** argv) {
  CLI::App app{"svidd-ledger-gen: a realistic svidd ledger of many rows, for benchmarks"};
  svidd::ledger_gen::FleetHistoryOptions options;
  std::string data_dir;
  int64_t batch = 4096;
  app.add_option("--data-dir", data_dir, "New svidd data dir to create (must hold no ledger)")
      ->required();
  app.add_option("--rows", options.rows, "Workload certificates")
      ->capture_default_str()
      ->check(CLI::Range(int64_t{1}, int64_t{50'000'000}));
  app.add_option("--identities", options.identities,
                 "Workload identities (default: rows / 50, at least 10)");
  app.add_option("--namespaces", options.namespaces, "Namespaces they spread over")
      ->capture_default_str();
  app.add_option("--issuers", options.issuers, "Intermediates that signed them")
      ->capture_default_str()
      ->check(CLI::Range(1, 20));
  app.add_option("--revoked-per-100k", options.revoked_per_100k, "Revoked certificates per 100,000")
      ->capture_default_str();
  app.add_option("--seed", options.seed, "Seed of the made-up history")->capture_default_str();
  app.add_option("--batch", batch, "Records per ledger transaction")
      ->capture_default_str()
      ->check(CLI::Range(int64_t{1}, int64_t{65536}));
  CLI11_PARSE(app, argc, argv);
  if (app.count("--identities") == 0) {
    options.identities =
        static_cast<int>(std::max<int64_t>(10, std::min<int64_t>(options.rows / 50, 1'000'000)));
  }
  spdlog::set_level(spdlog::level::critical);  // svidd's own start-up chatter
  absl::Status s = svidd::ledger_gen::Generate(data_dir, options, static_cast<size_t>(batch));
  if (!s.ok()) {
    std::cerr << "svidd-ledger-gen: " << s << "\n";
    return 1;
  }
  return 0;
}
