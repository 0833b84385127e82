#include "svidd/server/svidd_server.h"

#include <grpcpp/ext/proto_server_reflection_plugin.h>
#include <grpcpp/grpcpp.h>
#include <grpcpp/health_check_service_interface.h>
#include <grpcpp/security/server_credentials.h>
#include <grpcpp/security/tls_certificate_provider.h>
#include <grpcpp/security/tls_credentials_options.h>

#include <atomic>
#include <utility>

#include "issuance/issuance_rate_limiter.h"
#include "issuance/ledger_revocation_checker.h"
#include "server/admin_api.h"
#include "server/audit_log.h"
#include "server/background_ledger_check.h"
#include "server/checkpoint_leadership.h"
#include "server/expiring_certificates_gauge.h"
#include "server/istio_certificate_service.h"
#include "server/ledger_startup_check.h"
#include "server/listener_probe.h"
#include "server/listener_self_probe.h"
#include "server/periodic_task.h"
#include "server/rotation_hub.h"
#include "server/rotation_service.h"
#include "server/server_maintenance.h"
#include "spdlog/spdlog.h"
#include "svidd/auth/jwks_fetcher.h"
#include "svidd/ca/ca_manager.h"
#include "svidd/ca/ca_operations.h"
#include "svidd/ca/ledger_checkpointer.h"
#include "svidd/ca/serving_identity.h"
#include "svidd/common/atomic_file.h"
#include "svidd/common/mutex.h"
#include "svidd/common/status_macros.h"
#include "svidd/common/time_format.h"
#include "svidd/common/worker_pool.h"
#include "svidd/ledger/leader_lease.h"
#include "svidd/ledger/postgres_ledger.h"
#include "svidd/ledger/revocation_listener.h"
#include "svidd/ledger/sqlite_ledger.h"
#include "svidd/metrics/server_metrics.h"
#include "svidd/operator/audit.h"
#include "svidd/operator/operator_service.h"
#include "svidd/publish/http_listener.h"
#include "svidd/publish/http_routes.h"
#include "svidd/publish/readiness.h"
#include "svidd/publish/revocation_watcher.h"
#include "svidd/publish/trust_bundle_publisher.h"

namespace svidd::server {
namespace {

// How often (by the injected clock) svidd_certificates_expiring_without_successor is counted:
// one indexed query; alerts look at minutes, not seconds.
constexpr std::chrono::seconds kExpiringCountInterval(30);

}  // namespace

struct SviddServer::Impl : public ca::CaOperations {
  ServerOptions options;
  const Clock& clock;
  // First in, last out: every part below counts into it. Served only with --metrics-listen.
  metrics::ServerMetrics metrics;
  // Whether svidd can sign: gRPC health, GET /readyz and svidd_serving follow it.
  publish::Readiness readiness;
  // Three probe writes in a row failing (one a second) make svidd not ready.
  publish::LedgerWriteHealth ledger_health{readiness, 3};
  std::atomic<bool> draining{false};  // Shutdown() has begun: health stays NOT_SERVING
  AuditLog audit;
  std::unique_ptr<ledger::Ledger> ledger;
  std::unique_ptr<ca::CaManager> ca_manager;
  std::unique_ptr<ca::LedgerCheckpointer> checkpointer;
  std::unique_ptr<ledger::LeaseStore> lease_store;
  std::unique_ptr<CheckpointLeadership> checkpoints;  // signs checkpoints while it holds the lease
  // Runs maintenance->RunScheduledPass() every second, and at once when the revocation
  // listener hears of a revocation. Before the listener, which wakes it, so it outlives it.
  PeriodicTask maintenance_loop{std::chrono::seconds(1)};
  std::unique_ptr<ledger::RevocationListener> revocation_listener;  // PostgreSQL only
  pki::AuthorityHolder authorities;
  std::unique_ptr<auth::JwksFetcher> jwks_fetcher;  // --jwks-url
  std::unique_ptr<auth::KubernetesTokenVerifier> token_verifier;
  std::unique_ptr<issuance::LedgerRevocationChecker> revocations;
  std::unique_ptr<auth::Authenticator> authenticator;
  std::unique_ptr<issuance::IssuancePipeline> pipeline;
  std::unique_ptr<WorkerPool> signers;
  std::unique_ptr<IstioCertificateService> istio_service;
  std::unique_ptr<publish::TrustBundlePublisher> bundles;
  std::unique_ptr<rotation::RenewalScheduler> scheduler;
  std::unique_ptr<RotationHub> rotation_hub;
  std::unique_ptr<RotationService> rotation_service;
  std::unique_ptr<publish::RevocationWatcher> revocation_watcher;
  std::unique_ptr<metrics::RefusalCounter> refusals;    // operator API: refusals by reason
  std::unique_ptr<ExpiringCertificatesGauge> expiring;  // overdue renewals, for the alert
  std::unique_ptr<AdminApi> admin;                      // operator API: svidd.v1.AdminService
  std::unique_ptr<ca::ServingIdentity> serving_identity;
  std::unique_ptr<ServerMaintenance> maintenance;
  // --ledger-check-at-start=incremental: the full walk, once, after serving starts.
  std::unique_ptr<BackgroundLedgerCheck> full_check;
  std::shared_ptr<grpc::experimental::CertificateProviderInterface> cert_provider;
  std::unique_ptr<grpc::Server> grpc_server;
  int port = 0;
  std::atomic<bool> serving{false};
  // CRLs of the signing CAs (ca-crl.pem, --crl-listen): see StartCrls().
  std::unique_ptr<publish::CrlPublisher> crls;
  // The HTTP listeners (http_routes.h): one when --crl-listen and --metrics-listen name the
  // same address, else one per address, each with only its own routes.
  std::unique_ptr<publish::HttpListener> crl_http;
  std::unique_ptr<publish::HttpListener> ops_http;
  int crl_port = 0;
  int metrics_port = 0;

  std::unique_ptr<ListenerSelfProbe> prober;  // --self-probe-interval
  std::atomic<bool> listener_dead{false};     // sticky: only a restart brings the listener back
  Mutex mu;
  CondVar cv;  // shut_down
  bool shutting_down ABSL_GUARDED_BY(mu) = false;
  bool shut_down ABSL_GUARDED_BY(mu) = false;

  Impl(ServerOptions o, const Clock& c) : options(std::move(o)), clock(c), audit(c) {
    readiness.SetListener([this](bool ready) { SetServing(ready); });
  }
  absl::Status Init();
  absl::Status StartGrpc();
  absl::Status InitRotation();
  absl::Status StartCrls();
  absl::Status StartHttp();
  void StartMaintenance();
  void StartSelfProbe();
  void StartFullLedgerCheck();
  void OnFullLedgerCheck(const absl::StatusOr<ledger::LedgerVerification>& outcome,
                         std::chrono::steady_clock::duration took);
  void OnListenerDead();
  absl::Status PublishTrust(const pki::Authority& authority);
  void SetServing(bool value);

  // CaOperations
  absl::Status RotateRoot() override { return ca_manager->RequestRootRotation(); }
  absl::Status RotateIntermediate() override { return ca_manager->RotateIntermediateNow(); }
  absl::StatusOr<size_t> Reissue(const std::string& issuer_serial) override;
  ca::CaStatus Status() const override { return ca_manager->Status(); }
};

absl::StatusOr<size_t> SviddServer::Impl::Reissue(const std::string& issuer_serial) {
  if (issuer_serial.empty()) return absl::InvalidArgumentError("an issuer serial is required");
  size_t reached = rotation_hub->Expedite(
      [&](const SessionView& v) { return v.current_issuer_serial == issuer_serial; },
      svidd::v1::RenewalRequested::OPERATOR, rotation::Urgency::kImmediate);
  spdlog::warn("operator forced re-issuance of everything signed by {}: {} stream(s) asked",
               issuer_serial, reached);
  return reached;
}

absl::Status SviddServer::Impl::Init() {
  SVIDD_RETURN_IF_ERROR(options.Validate());
  // Like ssh's StrictModes, and with `svidctl audit`'s own check: a key others can read, or
  // a directory they can write, is refused before anything is used.
  std::vector<std::filesystem::path> key_dirs =
      ops::DataDirOperatorOptions(options.data_dir, options.EffectiveCaDir()).other_key_dirs;
  key_dirs.push_back(options.ServingDir());
  SVIDD_RETURN_IF_ERROR(
      ops::CheckStartupPermissions(options.data_dir, options.EffectiveCaDir(), key_dirs));
  SVIDD_RETURN_IF_ERROR(EnsureDirectory(options.data_dir, 0700));
  if (options.ledger.empty()) {
    SVIDD_ASSIGN_OR_RETURN(ledger, ledger::OpenSqliteLedger(options.LedgerPath()));
  } else {
    SVIDD_ASSIGN_OR_RETURN(ledger, ledger::OpenPostgresLedger(options.ledger));
  }
  checkpointer = std::make_unique<ca::LedgerCheckpointer>(
      *ledger, ca::LedgerCheckpointerOptions{options.layout().ledger_head()});
  if (options.ledger.empty()) {
    SVIDD_ASSIGN_OR_RETURN(lease_store, ledger::OpenSqliteLeaseStore(options.LedgerPath()));
  } else {
    SVIDD_ASSIGN_OR_RETURN(lease_store, ledger::OpenPostgresLeaseStore(options.ledger));
    // Other replicas' (and svidctl's) revocations wake the maintenance pass at once; its
    // poll by event seq, once a second, stays the baseline (revocation_listener.h).
    SVIDD_ASSIGN_OR_RETURN(
        revocation_listener,
        ledger::ListenForRevocations(options.ledger, [this] { maintenance_loop.Wake(); }));
  }
  SVIDD_ASSIGN_OR_RETURN(
      checkpoints,
      CheckpointLeadership::Create(*lease_store, clock, *checkpointer, options.leader_lease_ttl));
  ca::CaManagerOptions ca;
  ca.data_dir = options.data_dir;
  ca.operator_ca_dir = options.ca_dir;
  ca.trust_domain = options.trust_domain;
  ca.key_type = options.ca_key_type;
  ca.ca_ttl = options.ca_ttl;
  ca.root_ttl = options.root_ttl;
  ca.max_leaf_ttl = options.max_ttl;
  ca.crl_url_base = options.crl_url;
  SVIDD_ASSIGN_OR_RETURN(ca_manager, ca::CaManager::Open(std::move(ca), *ledger, clock, metrics));
  authorities.Set(ca_manager->active());
  SVIDD_RETURN_IF_ERROR(VerifyLedgerAtStart(options, *ledger, *checkpointer, clock));

  if (!options.jwks_url.empty()) {
    auth::JwksFetcherOptions fetch;
    fetch.url = options.jwks_url;
    fetch.ca_file = options.jwks_ca_file;
    fetch.token_file = options.jwks_token_file;
    fetch.refresh_interval = options.jwks_refresh;
    SVIDD_ASSIGN_OR_RETURN(jwks_fetcher, auth::JwksFetcher::Create(fetch, clock));
  }
  if (!options.jwks_file.empty() || jwks_fetcher != nullptr) {
    auth::KubernetesTokenVerifierOptions token_options;
    token_options.jwks_file = options.jwks_file;
    token_options.jwks_fetcher = jwks_fetcher.get();
    token_options.issuer = options.jwt_issuer;
    token_options.audience = options.jwt_audience;
    SVIDD_ASSIGN_OR_RETURN(token_verifier,
                           auth::KubernetesTokenVerifier::Create(token_options, clock));
  } else {
    spdlog::warn(
        "no --jwks-file or --jwks-url: Kubernetes token authentication is off; only client "
        "certificates from this CA are accepted");
  }
  revocations = std::make_unique<issuance::LedgerRevocationChecker>(*ledger);
  authenticator = std::make_unique<auth::Authenticator>(options.trust_domain, token_verifier.get(),
                                                        *revocations, clock);
  if (options.default_ttl > options.max_ttl) {
    spdlog::info("--default-ttl {} exceeds --max-ttl {}: requests without a lifetime get {}",
                 FormatDuration(options.default_ttl), FormatDuration(options.max_ttl),
                 FormatDuration(options.EffectiveDefaultTtl()));
  }
  pki::TtlPolicy ttl{options.EffectiveDefaultTtl(), options.max_ttl};
  pki::CsrLimits limits{options.max_csr_bytes};
  pipeline = std::make_unique<issuance::IssuancePipeline>(authorities, *authenticator, *ledger, ttl,
                                                          limits, clock, metrics);
  pipeline->SetRateLimits(issuance::IssuanceRateLimits{options.max_issuance_per_identity_per_second,
                                                       options.max_issuance_per_second});
  signers = std::make_unique<WorkerPool>(options.signing_threads, options.max_queued_signings);
  refusals = std::make_unique<metrics::RefusalCounter>(*ledger, clock, metrics);
  expiring = std::make_unique<ExpiringCertificatesGauge>(
      *ledger, metrics, options.renewal_overdue_fraction, kExpiringCountInterval);
  istio_service = std::make_unique<IstioCertificateService>(*pipeline, *signers, *refusals, metrics,
                                                            audit, options.max_csr_bytes);
  SVIDD_RETURN_IF_ERROR(InitRotation());
  admin = std::make_unique<AdminApi>(
      options, *ledger, authorities, *authenticator, *refusals, *this,
      [this] { return bundles->Current()->sequence; }, clock, audit);

  ca::ServingIdentityOptions serving{options.ServingDir(), options.trust_domain,
                                     options.server_names, options.max_ttl};
  serving_identity = std::make_unique<ca::ServingIdentity>(serving, *ledger, clock, metrics);
  SVIDD_RETURN_IF_ERROR(serving_identity->EnsureFresh(*authorities.Get()));
  SVIDD_RETURN_IF_ERROR(StartCrls());
  SVIDD_RETURN_IF_ERROR(StartHttp());
  return StartGrpc();
}

absl::Status SviddServer::Impl::InitRotation() {
  SVIDD_ASSIGN_OR_RETURN(bundles, publish::TrustBundlePublisher::Create(options.trust_domain,
                                                                        options.BundleStatePath()));
  SVIDD_RETURN_IF_ERROR(PublishTrust(*authorities.Get()));
  rotation::RenewalSchedulerOptions schedule;
  schedule.jitter_fraction = options.renewal_jitter;
  schedule.max_renewals_per_second = options.max_renewals_per_second;
  schedule.answer_timeout = options.renewal_answer_timeout;
  scheduler = std::make_unique<rotation::RenewalScheduler>(std::move(schedule));
  RotationHubOptions hub;
  hub.answer_timeout = options.renewal_answer_timeout;
  hub.max_streams_per_identity = options.max_streams_per_identity;
  hub.max_unsolicited_csrs_per_minute = options.max_unsolicited_csrs_per_minute;
  rotation_hub = std::make_unique<RotationHub>(*pipeline, *signers, *ledger, *bundles, *scheduler,
                                               clock, metrics, hub);
  bundles->SetListener(
      [hub = rotation_hub.get()](auto bundle) { hub->Broadcast(std::move(bundle)); });
  // A new CA or bundle is in use at once, for signing and for every stream.
  ca_manager->SetListener([this] {
    authorities.Set(ca_manager->active());
    if (absl::Status s = PublishTrust(*authorities.Get()); !s.ok()) {
      spdlog::error("publishing the trust bundle: {}", s.ToString());
    }
  });
  rotation_hub->SetRefusalCounter(refusals.get());
  rotation_hub->SetAuditLog(&audit);
  rotation_service = std::make_unique<RotationService>(*rotation_hub);
  revocation_watcher = std::make_unique<publish::RevocationWatcher>(*ledger, clock);
  return revocation_watcher->Poll().status();  // learns what is already revoked
}

// What workloads must trust: every root of the active CA. Called whenever the CA changes
// (and on every maintenance pass), so the expiry metrics follow it too.
absl::Status SviddServer::Impl::PublishTrust(const pki::Authority& authority) {
  metrics.SetCaExpiry(authority);
  return bundles->Update(authority.root_bundle_pem(), std::nullopt);
}

// Publishes the signing CA's CRL now; the maintenance pass keeps it current (revocations by
// svidctl, staleness). A CRL that cannot be built is logged and retried, never fatal: the CA can
// still sign. Failing to listen on --crl-listen is fatal, like the gRPC port.
absl::Status SviddServer::Impl::StartCrls() {
  // The active CA and the retired ones whose leaves may still be valid.
  auto signing_cas = [this] { return ca_manager->signers(); };
  publish::CrlPublisherOptions crl_options{ca_manager->ca_dir(), options.crl_validity};
  SVIDD_ASSIGN_OR_RETURN(crls,
                         publish::CrlPublisher::Create(crl_options, signing_cas, *ledger, clock));
  // CRLs are part of the trust bundle every stream (and svid-agent's Workload API) gets.
  crls->AddListener([this](uint64_t) {
    if (absl::Status s = bundles->Update(std::nullopt, crls->Current()->Der()); !s.ok()) {
      spdlog::error("publishing CRLs in the trust bundle: {}", s.ToString());
    }
  });
  crls->Refresh().IgnoreError();  // logged by the publisher
  return absl::OkStatus();
}

// Failing to listen on --crl-listen or --metrics-listen is fatal, like the gRPC port: an
// operator who asked for them would otherwise alert on a target that silently never came up.
// The same address for both: one listener with every route. Different addresses: each gets
// only its own routes, so a CRL port open to relying parties does not expose metrics.
absl::Status SviddServer::Impl::StartHttp() {
  std::vector<publish::HttpRoute> crl_routes =
      publish::CrlRoutes([this] { return crls->Current(); });
  std::vector<publish::HttpRoute> ops_routes = publish::MetricsRoutes(metrics.registry());
  for (publish::HttpRoute& probe : publish::ProbeRoutes(readiness))
    ops_routes.push_back(std::move(probe));
  if (!options.crl_listen.empty() && options.crl_listen == options.metrics_listen) {
    for (publish::HttpRoute& route : ops_routes) crl_routes.push_back(std::move(route));
    SVIDD_ASSIGN_OR_RETURN(crl_http,
                           publish::HttpListener::Start("--crl-listen and --metrics-listen",
                                                        options.crl_listen, std::move(crl_routes)));
    crl_port = metrics_port = crl_http->port();
    return absl::OkStatus();
  }
  if (!options.crl_listen.empty()) {
    SVIDD_ASSIGN_OR_RETURN(
        crl_http,
        publish::HttpListener::Start("--crl-listen", options.crl_listen, std::move(crl_routes)));
    crl_port = crl_http->port();
  }
  if (!options.metrics_listen.empty()) {
    SVIDD_ASSIGN_OR_RETURN(ops_http,
                           publish::HttpListener::Start("--metrics-listen", options.metrics_listen,
                                                        std::move(ops_routes)));
    metrics_port = ops_http->port();
  }
  return absl::OkStatus();
}

absl::Status SviddServer::Impl::StartGrpc() {
  // The watcher re-reads svidd's own certificate when the maintenance loop renews it, key and
  // chain from one file so that it never pairs a new key with an old chain.
  cert_provider = std::make_shared<grpc::experimental::FileWatcherCertificateProvider>(
      serving_identity->credential_path().string(), serving_identity->credential_path().string(),
      1);
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
  builder.AddChannelArgument(
      GRPC_ARG_SERVER_HANDSHAKE_TIMEOUT_MS,
      static_cast<int>(std::chrono::milliseconds(options.handshake_timeout).count()));
  builder.RegisterService(istio_service.get());
  builder.RegisterService(rotation_service.get());
  builder.RegisterService(admin->service());
  grpc_server = builder.BuildAndStart();
  if (grpc_server == nullptr || port == 0) {
    return absl::UnavailableError("cannot listen on " + options.listen +
                                  " (address in use or not local?)");
  }
  StartMaintenance();
  SVIDD_RETURN_IF_ERROR(maintenance->RunStartupPass());
  if (!options.port_file.empty()) {
    SVIDD_RETURN_IF_ERROR(WriteFileAtomically(options.port_file, std::to_string(port) + "\n"));
  }
  spdlog::info(
      "svidd serving istio.v1.auth.IstioCertificateService on {} (port {}), trust "
      "domain {}",
      options.listen, port, options.trust_domain);
  maintenance_loop.Start([this] {
    maintenance->RunScheduledPass();
    return true;
  });
  if (options.self_probe_interval.count() > 0) StartSelfProbe();
  rotation_hub->Start();
  if (options.ledger_check_at_start == ServerOptions::LedgerCheckAtStart::kIncremental) {
    StartFullLedgerCheck();
  }
  return absl::OkStatus();
}

// What the check before serving trusted as signed, recomputed while svidd serves.
void SviddServer::Impl::StartFullLedgerCheck() {
  metrics.SetLedgerFullCheck(metrics::ServerMetrics::LedgerFullCheck::kRunning, {});
  ledger::LedgerVerifierOptions walk =
      LedgerCheckOptions(options, ledger::VerificationScope::kFull);
  if (walk.ledger_uri.empty()) {  // PostgreSQL is walked as a copy anyway
    walk.walk_a_copy = true;
    walk.scratch_dir = options.data_dir;
  }
  full_check = std::make_unique<BackgroundLedgerCheck>(
      std::move(walk),
      [this](const absl::StatusOr<ledger::LedgerVerification>& outcome,
             std::chrono::steady_clock::duration took) { OnFullLedgerCheck(outcome, took); });
  full_check->Start();
}

// A break stops issuance as a checkpoint that finds the chain rewritten does, unless the
// operator started svidd with --accept-ledger-rollback (then it is logged and audited).
void SviddServer::Impl::OnFullLedgerCheck(const absl::StatusOr<ledger::LedgerVerification>& outcome,
                                          std::chrono::steady_clock::duration took) {
  const double seconds = std::chrono::duration<double>(took).count();
  if (!outcome.ok()) {
    metrics.SetLedgerFullCheck(metrics::ServerMetrics::LedgerFullCheck::kFailed, took);
    spdlog::error("full ledger check: could not read the ledger after {:.1f} s: {}", seconds,
                  outcome.status().ToString());
    return;
  }
  if (outcome->intact()) {
    metrics.SetLedgerFullCheck(metrics::ServerMetrics::LedgerFullCheck::kIntact, took);
    spdlog::info("full ledger check: intact, {} events and {} checkpoints verified in {:.1f} s",
                 outcome->events_verified, outcome->checkpoints, seconds);
    return;
  }
  metrics.SetLedgerFullCheck(metrics::ServerMetrics::LedgerFullCheck::kBroken, took);
  const std::string what = DescribeLedgerBreak(options, *outcome->first_break);
  spdlog::critical("full ledger check: {} (found after {:.1f} s)", what, seconds);
  if (options.accept_ledger_rollback) {
    if (absl::Status s = RecordAcceptedLedgerBreak(*ledger, clock, what); !s.ok()) {
      spdlog::error("recording --accept-ledger-rollback: {}", s.ToString());
    }
    return;
  }
  maintenance->StopIssuing(what);
}

void SviddServer::Impl::SetServing(bool value) {
  if (listener_dead.load()) value = false;
  if (draining.load() && value) return;
  metrics.SetServing(value);
  if (serving.exchange(value) != value) {
    spdlog::log(value ? spdlog::level::info : spdlog::level::err, "health: {}",
                value ? "SERVING" : "NOT_SERVING");
  }
  if (grpc_server != nullptr) grpc_server->GetHealthCheckService()->SetServingStatus(value);
}

void SviddServer::Impl::StartMaintenance() {
  maintenance = std::make_unique<ServerMaintenance>(ServerMaintenanceParts{
      .clock = clock,
      .ca_manager = *ca_manager,
      .authorities = authorities,
      .publish_trust = [this](const pki::Authority& authority) { return PublishTrust(authority); },
      .serving_identity = *serving_identity,
      .ledger = *ledger,
      .ledger_health = ledger_health,
      .rotation_hub = *rotation_hub,
      .revocation_watcher = *revocation_watcher,
      .crls = *crls,
      .expiring = *expiring,
      .jwks_fetcher = jwks_fetcher.get(),
      .checkpoints = *checkpoints,
      .pipeline = *pipeline,
      .refusals = *refusals,
      .metrics = metrics,
      .readiness = readiness,
      .set_serving = [this](bool ready) { SetServing(ready); },
      .connection_cap_counts = options.connections_shed,
  });
}

void SviddServer::Impl::StartSelfProbe() {
  ListenerSelfProbeOptions probe;
  probe.address = ProbeAddress(options.listen, port);
  probe.tls_name = options.server_names.front();
  probe.interval = options.self_probe_interval;
  probe.failures_to_dead = options.self_probe_failures;
  if (options.connections_shed) {
    probe.connections_shed = [counts = options.connections_shed] { return counts().shed; };
  }
  probe.on_dead = [this] { OnListenerDead(); };
  prober = std::make_unique<ListenerSelfProbe>(std::move(probe));
  prober->Start();
}

// Not recovered in process: health stays NOT_SERVING and on_listener_dead asks for a restart.
void SviddServer::Impl::OnListenerDead() {
  listener_dead.store(true);
  readiness.Set("listener", false, "the gRPC listener accepts no connections");
  SetServing(false);
  if (options.on_listener_dead) options.on_listener_dead();
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
int SviddServer::crl_port() const { return impl_->crl_port; }
int SviddServer::metrics_port() const { return impl_->metrics_port; }
publish::Readiness& SviddServer::readiness() { return impl_->readiness; }
publish::CrlPublisher& SviddServer::crls() { return *impl_->crls; }
pki::AuthorityHolder& SviddServer::authorities() { return impl_->authorities; }
ca::CaOperations& SviddServer::ca_operations() { return *impl_; }
ledger::Ledger& SviddServer::ledger() { return *impl_->ledger; }
WorkerPool& SviddServer::signing_workers() { return *impl_->signers; }
bool SviddServer::serving() const { return impl_->serving.load(); }
bool SviddServer::listener_dead() const { return impl_->listener_dead.load(); }
absl::Status SviddServer::RunMaintenance() { return impl_->maintenance->RunPass(); }
void SviddServer::RunRotationPass() { impl_->rotation_hub->RunOnce(impl_->clock.Now()); }
size_t SviddServer::rotation_streams() const { return impl_->rotation_hub->connected(); }
rotation::RenewalSchedulerStats SviddServer::rotation_stats() const {
  return impl_->rotation_hub->scheduler_stats();
}

void SviddServer::Shutdown() {
  {
    MutexLock lock(&impl_->mu);
    if (impl_->shutting_down) return;
    impl_->shutting_down = true;
  }
  impl_->revocation_listener.reset();  // its callback wakes the loop
  // Before the maintenance and the ledger it reports to; ends a walk under way.
  if (impl_->full_check != nullptr) impl_->full_check->Stop();
  impl_->maintenance_loop.Stop();
  if (impl_->prober != nullptr) impl_->prober->Stop();
  // Rotation streams never end by themselves: end them first, so clients go and reconnect
  // while the in-flight unary calls drain.
  if (impl_->rotation_hub != nullptr) impl_->rotation_hub->Stop();
  if (impl_->grpc_server != nullptr) {
    impl_->readiness.Set("shutdown", false, "svidd is shutting down");
    impl_->draining = true;
    impl_->SetServing(false);
    spdlog::info("draining in-flight calls (up to {}s)", impl_->options.drain_timeout.count());
    impl_->grpc_server->Shutdown(std::chrono::system_clock::now() + impl_->options.drain_timeout);
  }
  // Finish what was accepted: signing tasks, then their ledger writes (whose callbacks
  // complete the calls), and only then tear down the server the calls belong to.
  if (impl_->signers != nullptr) impl_->signers->Stop();
  if (impl_->admin != nullptr) impl_->admin->Stop();
  if (impl_->refusals != nullptr) (void)impl_->refusals->Flush();
  // The last accepted record is in by now. Another replica holding the lease signs it.
  if (impl_->checkpoints != nullptr) {
    impl_->checkpoints->CheckpointAndRelease(impl_->authorities.Get());
  }
  impl_->maintenance.reset();
  impl_->checkpoints.reset();
  impl_->lease_store.reset();
  impl_->checkpointer.reset();
  impl_->ledger.reset();
  impl_->grpc_server.reset();
  // Scrapeable while draining (svidd_serving 0, /readyz 503), closed now.
  impl_->crl_http.reset();
  impl_->ops_http.reset();
  {
    MutexLock lock(&impl_->mu);
    impl_->shut_down = true;
  }
  impl_->cv.SignalAll();
  spdlog::info("svidd stopped");
}

void SviddServer::Wait() {
  MutexLock lock(&impl_->mu);
  impl_->cv.Wait(&impl_->mu, [this] {
    impl_->mu.AssertHeld();
    return impl_->shut_down;
  });
}

}  // namespace svidd::server
