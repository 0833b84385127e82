#include "svidd/agent/svid_agent.h"

#include <set>

#include "agent/file_output.h"
#include "agent/rotation_client.h"
#include "spdlog/spdlog.h"
#include "svidd/agent/expiry_alarm.h"
#include "svidd/agent/service_account_token.h"
#include "svidd/agent/svid_files.h"
#include "svidd/agent/svid_verifier.h"
#include "svidd/common/atomic_file.h"
#include "svidd/common/status_macros.h"
#include "svidd/common/time_format.h"
#include "svidd/crypto/pem.h"

namespace svidd::agent {
namespace {

constexpr auto kWatchEvery = std::chrono::seconds(1);

absl::Status Flag(const char* flag, const absl::Status& status) {
  return absl::Status(status.code(), std::string(flag) + ": " + std::string(status.message()));
}

absl::StatusOr<spiffe::SpiffeId> ResolveId(const AgentOptions& options) {
  if (!options.spiffe_id.empty()) {
    absl::StatusOr<spiffe::SpiffeId> id = spiffe::SpiffeId::Parse(options.spiffe_id);
    if (!id.ok()) return Flag("--spiffe-id", id.status());
    if (!id->has_path()) return absl::InvalidArgumentError("--spiffe-id: a workload ID has a path");
    return id;
  }
  absl::StatusOr<std::string> token = ReadServiceAccountToken(options.token_file);
  if (!token.ok()) return Flag("--token-file", token.status());
  absl::StatusOr<spiffe::SpiffeId> id = SpiffeIdFromToken(*token, options.trust_domain);
  if (!id.ok()) return Flag("--token-file", id.status());
  return id;
}

// The roots of `pem` not yet in `seen` (by DER), appended to `out` as PEM.
absl::Status AppendNewRoots(std::string_view pem, std::set<std::string>& seen, std::string& out) {
  SVIDD_ASSIGN_OR_RETURN(std::vector<crypto::X509Ptr> roots, crypto::ParseCertificatesPem(pem));
  for (const crypto::X509Ptr& root : roots) {
    SVIDD_ASSIGN_OR_RETURN(std::string der, crypto::CertificateToDer(root.get()));
    if (!seen.insert(der).second) continue;
    SVIDD_ASSIGN_OR_RETURN(std::string root_pem, crypto::CertificateToPem(root.get()));
    out += root_pem;
  }
  return absl::OkStatus();
}

// --root-cert, plus the bundle an earlier run wrote to --out-dir if it is readable.
absl::StatusOr<std::shared_ptr<const X509Bundle>> BootstrapTrust(const AgentOptions& options,
                                                                 const std::string& td) {
  absl::StatusOr<std::string> given = ReadFileToString(options.root_cert_file);
  if (!given.ok()) return Flag("--root-cert", given.status());
  std::set<std::string> seen;
  std::string pem;
  if (absl::Status s = AppendNewRoots(*given, seen, pem); !s.ok()) return Flag("--root-cert", s);
  if (!options.out_dir.empty()) {
    absl::StatusOr<std::string> pushed = SvidFiles(options.out_dir).ReadRootsPem();
    if (pushed.ok() && !AppendNewRoots(*pushed, seen, pem).ok()) {
      spdlog::warn("ignoring unreadable root-cert.pem in {}", options.out_dir.string());
    }
  }
  return X509Bundle::Create(td, 0, pem, {});
}

void LogExpiry(const ExpiryWarning& warning, const X509Svid& svid) {
  const std::string left = FormatDuration(warning.remaining);
  switch (warning.level) {
    case ExpiryLevel::kFresh:
      return;
    case ExpiryLevel::kLow:
      spdlog::warn("SVID {} (serial {}) expires in {} and svidd has not renewed it",
                   svid.id().str(), svid.serial(), left);
      return;
    case ExpiryLevel::kCritical:
      spdlog::error(
          "SVID {} (serial {}) expires in {}, less than a tenth of its life, and is not "
          "renewed: check that svidd is reachable",
          svid.id().str(), svid.serial(), left);
      return;
    case ExpiryLevel::kExpired:
      spdlog::error(
          "SVID {} (serial {}) EXPIRED {} ago at {}; still serving it until svidd "
          "renews it",
          svid.id().str(), svid.serial(), FormatDuration(-warning.remaining),
          FormatRfc3339(svid.not_after()));
      return;
  }
}

}  // namespace

SvidAgent::SvidAgent(AgentOptions options, const Clock& clock, spiffe::SpiffeId id)
    : options_(std::move(options)), clock_(clock), id_(std::move(id)) {}

absl::StatusOr<std::unique_ptr<SvidAgent>> SvidAgent::Start(AgentOptions options,
                                                            const Clock& clock) {
  SVIDD_RETURN_IF_ERROR(options.Validate());
  SVIDD_ASSIGN_OR_RETURN(spiffe::SpiffeId id, ResolveId(options));
  std::unique_ptr<SvidAgent> agent(new SvidAgent(std::move(options), clock, std::move(id)));
  SVIDD_RETURN_IF_ERROR(agent->Begin());
  return agent;
}

SvidAgent::~SvidAgent() { Shutdown(); }

absl::Status SvidAgent::Begin() {
  SVIDD_ASSIGN_OR_RETURN(auto trust, BootstrapTrust(options_, id_.trust_domain()));
  LoadExisting(trust);
  files_ = std::make_unique<internal::FileOutput>(options_.out_dir, options_.on_rotate,
                                                  options_.on_rotate_timeout, store_.Current());
  files_listener_ =
      store_.Subscribe([files = files_.get()](const AgentState& state) { files->OnChange(state); });
  if (!options_.workload_api_socket.empty()) {
    WorkloadApiAccess access;
    access.socket_mode = options_.workload_api_socket_mode;
    access.uids.assign(options_.workload_uids.begin(), options_.workload_uids.end());
    access.gids.assign(options_.workload_gids.begin(), options_.workload_gids.end());
    absl::StatusOr<std::unique_ptr<WorkloadApiServer>> server =
        WorkloadApiServer::Start(options_.workload_api_socket, std::move(access), store_);
    if (!server.ok()) return Flag("--workload-api-socket", server.status());
    workload_api_ = *std::move(server);
  }
  internal::RotationClientOptions rotation;
  rotation.server = options_.server;
  rotation.server_name = options_.server_name;
  rotation.token_file = options_.token_file;
  rotation.bootstrap_roots_pem = trust->roots_pem();
  internal::SessionConfig session{id_, options_.key_type, options_.ttl, id_.trust_domain()};
  rotation_ =
      std::make_unique<internal::RotationClient>(rotation, std::move(session), store_, clock_);
  rotation_->Start();
  watcher_ = std::thread([this] { Watch(); });
  spdlog::info("svid-agent for {} started; svidd at {}", id_.str(), options_.server);
  return absl::OkStatus();
}

void SvidAgent::LoadExisting(const std::shared_ptr<const X509Bundle>& trust) {
  if (options_.out_dir.empty()) return;
  absl::StatusOr<std::shared_ptr<const X509Svid>> svid = SvidFiles(options_.out_dir).ReadSvid();
  absl::Status usable = svid.status();
  if (svid.ok()) usable = VerifySvid(**svid, trust->roots(), id_, clock_.Now());
  if (!usable.ok()) {
    if (!absl::IsNotFound(usable)) {
      spdlog::info("not serving the certificate in {}: {}", options_.out_dir.string(),
                   std::string(usable.message()));
    }
    return;
  }
  spdlog::info(
      "serving the certificate found in {} (serial {}, valid until {}) until svidd "
      "renews it",
      options_.out_dir.string(), (*svid)->serial(), FormatRfc3339((*svid)->not_after()));
  store_.SetBoth(*svid, trust);
}

void SvidAgent::Watch() {
  ExpiryAlarm alarm;
  for (;;) {
    {
      MutexLock lock(&mu_);
      const bool stopping = cv_.WaitFor(&mu_, kWatchEvery, [this] {
        mu_.AssertHeld();
        return stopping_;
      });
      if (stopping) return;
    }
    AgentState state = store_.Current();
    if (state.svid != nullptr) {
      auto warning =
          alarm.Check(clock_.Now(), state.svid->lifetime_start(), state.svid->not_after());
      if (warning) LogExpiry(*warning, *state.svid);
    }
    files_->OnChange(state);  // retries a write that failed (disk full ...)
  }
}

void SvidAgent::Shutdown() {
  {
    MutexLock lock(&mu_);
    stopping_ = true;
  }
  cv_.SignalAll();
  if (watcher_.joinable()) watcher_.join();
  if (rotation_ != nullptr) rotation_->Stop();
  store_.Close();
  if (workload_api_ != nullptr) workload_api_->Shutdown();
  if (files_ != nullptr) {
    store_.Unsubscribe(files_listener_);
    files_->Stop();
  }
}

}  // namespace svidd::agent
