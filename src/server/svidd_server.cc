#include "svidd/server/svidd_server.h"

#include <grpcpp/ext/proto_server_reflection_plugin.h>
#include <grpcpp/grpcpp.h>
#include <grpcpp/health_check_service_interface.h>
#include <grpcpp/security/server_credentials.h>
#include <grpcpp/security/tls_certificate_provider.h>
#include <grpcpp/security/tls_credentials_options.h>

#include <atomic>
#include <condition_variable>
#include <thread>

#include "server/admin_api.h"
#include "server/ca_loader.h"
#include "server/istio_certificate_service.h"
#include "server/ledger_revocation_checker.h"
#include "server/serving_identity.h"
#include "spdlog/spdlog.h"
#include "svidd/common/atomic_file.h"
#include "svidd/common/status_macros.h"
#include "svidd/common/worker_pool.h"
#include "svidd/ledger/sqlite_ledger.h"

namespace svidd {

struct SviddServer::Impl {
  ServerOptions options;
  const Clock& clock;
  std::unique_ptr<Ledger> ledger;
  AuthorityHolder authorities;
  std::unique_ptr<KubernetesTokenVerifier> token_verifier;
  std::unique_ptr<LedgerRevocationChecker> revocations;
  std::unique_ptr<Authenticator> authenticator;
  std::unique_ptr<IssuancePipeline> pipeline;
  std::unique_ptr<WorkerPool> signers;
  std::unique_ptr<IstioCertificateService> istio_service;
  std::unique_ptr<RefusalCounter> refusals;  // operator API: refusals by reason
  std::unique_ptr<AdminApi> admin;           // operator API: svidd.v1.AdminService
  std::unique_ptr<ServingIdentity> serving_identity;
  std::shared_ptr<grpc::experimental::CertificateProviderInterface> cert_provider;
  std::unique_ptr<grpc::Server> grpc_server;
  int port = 0;
  std::atomic<bool> serving{false};

  std::mutex mu;
  std::condition_variable cv;
  bool shutting_down = false;
  bool shut_down = false;
  std::thread maintenance;

  Impl(ServerOptions o, const Clock& c) : options(std::move(o)), clock(c) {}
  absl::Status Init();
  absl::Status StartGrpc();
  absl::Status Maintain();
  void MaintenanceLoop();
  void SetServing(bool value);
};

absl::Status SviddServer::Impl::Init() {
  SVIDD_RETURN_IF_ERROR(options.Validate());
  SVIDD_RETURN_IF_ERROR(EnsureDirectory(options.data_dir, 0700));
  SVIDD_ASSIGN_OR_RETURN(ledger, OpenSqliteLedger(options.LedgerPath()));
  SVIDD_ASSIGN_OR_RETURN(auto authority, LoadServerAuthority(options, *ledger, clock.Now()));
  authorities.Set(std::move(authority));

  if (!options.jwks_file.empty()) {
    KubernetesTokenVerifierOptions token_options;
    token_options.jwks_file = options.jwks_file;
    token_options.issuer = options.jwt_issuer;
    token_options.audience = options.jwt_audience;
    SVIDD_ASSIGN_OR_RETURN(token_verifier, KubernetesTokenVerifier::Create(token_options, clock));
  } else {
    spdlog::warn("no --jwks-file: Kubernetes token authentication is off; only client "
                 "certificates from this CA are accepted");
  }
  revocations = std::make_unique<LedgerRevocationChecker>(*ledger);
  authenticator = std::make_unique<Authenticator>(options.trust_domain, token_verifier.get(),
                                                  *revocations, clock);
  TtlPolicy ttl{options.default_ttl, options.max_ttl};
  CsrLimits limits{options.max_csr_bytes};
  pipeline = std::make_unique<IssuancePipeline>(authorities, *authenticator, *ledger, ttl, limits,
                                                clock);
  signers = std::make_unique<WorkerPool>(options.signing_threads);
  refusals = std::make_unique<RefusalCounter>(*ledger, clock);
  istio_service = std::make_unique<IstioCertificateService>(*pipeline, *signers, *refusals);
  admin = std::make_unique<AdminApi>(options, *ledger, authorities, *authenticator, *refusals,
                                     clock);

  ServingIdentityOptions serving{options.ServingDir(), options.trust_domain, options.server_names,
                                 options.max_ttl};
  serving_identity = std::make_unique<ServingIdentity>(serving, *ledger, clock);
  SVIDD_RETURN_IF_ERROR(serving_identity->EnsureFresh(*authorities.Get()));
  return StartGrpc();
}

absl::Status SviddServer::Impl::StartGrpc() {
  // The watcher re-reads svidd's own certificate when the maintenance loop renews it.
  cert_provider = std::make_shared<grpc::experimental::FileWatcherCertificateProvider>(
      serving_identity->key_path().string(), serving_identity->chain_path().string(), 1);
  grpc::experimental::TlsServerCredentialsOptions tls(cert_provider);
  tls.watch_identity_key_cert_pairs();
  // Client certificates are optional and checked by the authenticator (against the current
  // CA, the injected clock and the ledger's revocations), so refusals carry a proper status
  // instead of a failed handshake. TLS still proves the client holds the certificate's key.
  tls.set_cert_request_type(GRPC_SSL_REQUEST_CLIENT_CERTIFICATE_BUT_DONT_VERIFY);

  grpc::EnableDefaultHealthCheckService(true);
  grpc::reflection::InitProtoReflectionServerBuilderPlugin();
  grpc::ServerBuilder builder;
  builder.AddListeningPort(options.listen, grpc::experimental::TlsServerCredentials(tls), &port);
  builder.SetMaxReceiveMessageSize(static_cast<int>(options.max_message_bytes));
  builder.RegisterService(istio_service.get());
  builder.RegisterService(admin->service());
  grpc_server = builder.BuildAndStart();
  if (grpc_server == nullptr || port == 0) {
    return absl::UnavailableError("cannot listen on " + options.listen +
                                  " (address in use or not local?)");
  }
  SVIDD_RETURN_IF_ERROR(Maintain());
  if (!options.port_file.empty()) {
    SVIDD_RETURN_IF_ERROR(WriteFileAtomically(options.port_file, std::to_string(port) + "\n"));
  }
  spdlog::info("svidd serving istio.v1.auth.IstioCertificateService on {} (port {}), trust "
               "domain {}", options.listen, port, options.trust_domain);
  maintenance = std::thread([this] { MaintenanceLoop(); });
  return absl::OkStatus();
}

void SviddServer::Impl::SetServing(bool value) {
  if (serving.exchange(value) != value) {
    spdlog::log(value ? spdlog::level::info : spdlog::level::err, "health: {}",
                value ? "SERVING" : "NOT_SERVING");
  }
  if (grpc_server != nullptr) grpc_server->GetHealthCheckService()->SetServingStatus(value);
}

// Healthy means: a CA that can sign now, a writable ledger, and a current serving cert.
absl::Status SviddServer::Impl::Maintain() {
  std::shared_ptr<const Authority> authority = authorities.Get();
  absl::Status status = absl::OkStatus();
  if (authority == nullptr || clock.Now() >= authority->not_after()) {
    status = absl::UnavailableError("no valid signing CA");
  }
  if (status.ok()) status = serving_identity->EnsureFresh(*authority);
  if (status.ok()) status = ledger->CheckWritable();
  SetServing(status.ok());
  return status;
}

void SviddServer::Impl::MaintenanceLoop() {
  std::unique_lock<std::mutex> lock(mu);
  while (!shutting_down) {
    cv.wait_for(lock, std::chrono::seconds(1));
    if (shutting_down) break;
    lock.unlock();
    if (absl::Status s = Maintain(); !s.ok()) spdlog::error("maintenance: {}", s.ToString());
    if (absl::Status s = refusals->Flush(); !s.ok()) spdlog::warn("refusal counts: {}", s.ToString());
    lock.lock();
  }
}

absl::StatusOr<std::unique_ptr<SviddServer>> SviddServer::Start(ServerOptions options,
                                                                const Clock& clock) {
  auto impl = std::make_unique<Impl>(std::move(options), clock);
  absl::Status status = impl->Init();
  std::unique_ptr<SviddServer> server(new SviddServer(std::move(impl)));
  if (!status.ok()) return status;  // ~SviddServer tears down whatever did start
  return server;
}

SviddServer::SviddServer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

SviddServer::~SviddServer() { Shutdown(); }

int SviddServer::port() const { return impl_->port; }
AuthorityHolder& SviddServer::authorities() { return impl_->authorities; }
Ledger& SviddServer::ledger() { return *impl_->ledger; }
bool SviddServer::serving() const { return impl_->serving.load(); }
absl::Status SviddServer::RunMaintenance() { return impl_->Maintain(); }

void SviddServer::Shutdown() {
  {
    std::lock_guard<std::mutex> lock(impl_->mu);
    if (impl_->shutting_down) return;
    impl_->shutting_down = true;
  }
  impl_->cv.notify_all();
  if (impl_->maintenance.joinable()) impl_->maintenance.join();
  if (impl_->grpc_server != nullptr) {
    impl_->SetServing(false);
    spdlog::info("draining in-flight calls (up to {}s)", impl_->options.drain_timeout.count());
    impl_->grpc_server->Shutdown(std::chrono::system_clock::now() + impl_->options.drain_timeout);
  }
  // Finish what was accepted: signing tasks, then their ledger writes (whose callbacks
  // complete the calls), and only then tear down the server the calls belong to.
  if (impl_->signers != nullptr) impl_->signers->Stop();
  if (impl_->admin != nullptr) impl_->admin->Stop();
  if (impl_->refusals != nullptr) (void)impl_->refusals->Flush();
  impl_->ledger.reset();
  impl_->grpc_server.reset();
  {
    std::lock_guard<std::mutex> lock(impl_->mu);
    impl_->shut_down = true;
  }
  impl_->cv.notify_all();
  spdlog::info("svidd stopped");
}

void SviddServer::Wait() {
  std::unique_lock<std::mutex> lock(impl_->mu);
  impl_->cv.wait(lock, [this] { return impl_->shut_down; });
}

}  // namespace svidd
