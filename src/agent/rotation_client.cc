#include "agent/rotation_client.h"

#include "spdlog/spdlog.h"
#include "svidd/agent/service_account_token.h"
#include "svidd/common/server_address.h"
#include "svidd/v1/rotation.grpc.pb.h"

namespace svidd::agent::internal {
namespace {

// gRPC tells a failed TLS name check apart from other connection failures only in its
// message ("Peer name X is not in peer certificate"); this is the one place that reads it.
bool IsTlsNameMismatch(const grpc::Status& status) {
  return status.error_code() == grpc::StatusCode::UNAVAILABLE &&
         status.error_message().find("is not in peer certificate") != std::string::npos;
}

}  // namespace

struct RotationClient::Credentials {
  std::shared_ptr<const X509Svid> svid;  // offered as client certificate; null = token
  std::string token;
  std::string roots_pem;
};

RotationClient::RotationClient(RotationClientOptions options, SessionConfig session,
                               SvidStore& store, const Clock& clock)
    : options_(std::move(options)),
      session_(std::move(session)),
      store_(store),
      clock_(clock),
      backoff_(options_.backoff, options_.seed) {
  if (options_.server_name.empty()) options_.server_name = DefaultTlsServerName(options_.server);
}

RotationClient::~RotationClient() { Stop(); }

void RotationClient::Start() {
  thread_ = std::thread([this] { Run(); });
}

void RotationClient::Stop() {
  {
    MutexLock lock(&mu_);
    stopping_ = true;
    if (context_ != nullptr) context_->TryCancel();
  }
  cv_.SignalAll();
  if (thread_.joinable()) thread_.join();
}

RotationClientStats RotationClient::stats() const {
  MutexLock lock(&mu_);
  return stats_;
}

void RotationClient::Run() {
  for (;;) {
    {
      MutexLock lock(&mu_);
      if (stopping_) return;
    }
    const bool healthy = RunStream();
    if (healthy) backoff_.Reset();
    const std::chrono::nanoseconds delay = backoff_.Next();
    {
      MutexLock lock(&mu_);
      if (stopping_) return;
      stats_.failures_in_a_row = backoff_.failures();
    }
    spdlog::log(name_mismatch_ ? spdlog::level::debug : spdlog::level::warn,
                "reconnecting to svidd at {} in {} ms (attempt {})", options_.server,
                std::chrono::duration_cast<std::chrono::milliseconds>(delay).count(),
                backoff_.failures());
    if (!WaitUnlessStopped(delay)) return;
  }
}

bool RotationClient::WaitUnlessStopped(std::chrono::nanoseconds delay) {
  MutexLock lock(&mu_);
  return !cv_.WaitFor(&mu_, delay, [this] {
    mu_.AssertHeld();
    return stopping_;
  });
}

bool RotationClient::SetContext(grpc::ClientContext* context) {
  MutexLock lock(&mu_);
  context_ = stopping_ ? nullptr : context;
  return !stopping_;
}

absl::StatusOr<RotationClient::Credentials> RotationClient::ChooseCredentials() {
  Credentials credentials;
  AgentState state = store_.Current();
  credentials.roots_pem =
      state.bundle != nullptr ? state.bundle->roots_pem() : options_.bootstrap_roots_pem;
  if (state.svid != nullptr && state.svid->ValidAt(clock_.Now()) && !certificate_refused_) {
    credentials.svid = state.svid;
    return credentials;
  }
  absl::StatusOr<std::string> token = ReadServiceAccountToken(options_.token_file);
  if (!token.ok()) {
    return absl::UnavailableError("no valid certificate and no token: " +
                                  std::string(token.status().message()));
  }
  credentials.token = *std::move(token);
  return credentials;
}

std::shared_ptr<grpc::Channel> RotationClient::MakeChannel(const Credentials& credentials) const {
  grpc::SslCredentialsOptions ssl;
  ssl.pem_root_certs = credentials.roots_pem;
  if (credentials.svid != nullptr) {
    ssl.pem_cert_chain = credentials.svid->chain_pem();
    ssl.pem_private_key = credentials.svid->key_pem();
  }
  grpc::ChannelArguments args;
  args.SetSslTargetNameOverride(options_.server_name);
  args.SetInt("grpc.use_local_subchannel_pool", 1);  // a fresh connection for fresh credentials
  args.SetInt(GRPC_ARG_KEEPALIVE_TIME_MS, static_cast<int>(options_.keepalive.count()));
  args.SetInt(GRPC_ARG_KEEPALIVE_TIMEOUT_MS, 20000);
  return grpc::CreateCustomChannel(options_.server, grpc::SslCredentials(ssl), args);
}

RotationClient::StreamResult RotationClient::ReadStream(grpc::ClientContext& context,
                                                        const Credentials& credentials) {
  auto stub = v1::RotationService::NewStub(MakeChannel(credentials));
  RotationStreamHandler session(session_, store_, clock_);
  auto stream = stub->Rotate(&context);
  StreamResult result;
  std::chrono::steady_clock::time_point first_message;
  v1::RotateResponse message;
  while (stream->Read(&message)) {
    if (!result.any_message) first_message = std::chrono::steady_clock::now();
    result.any_message = true;
    std::optional<v1::RotateRequest> reply = session.Handle(message);
    if (session.certificates_installed() > result.installed) {
      result.installed = session.certificates_installed();
      MutexLock lock(&mu_);
      ++stats_.certificates_installed;
    }
    if (reply && !stream->Write(*reply)) break;
  }
  result.status = stream->Finish();
  if (result.any_message) result.lasted = std::chrono::steady_clock::now() - first_message;
  return result;
}

bool RotationClient::RunStream() {
  absl::StatusOr<Credentials> credentials = ChooseCredentials();
  if (!credentials.ok()) {
    spdlog::error("cannot connect to svidd: {}", std::string(credentials.status().message()));
    return false;
  }
  const bool with_certificate = credentials->svid != nullptr;
  grpc::ClientContext context;
  if (!with_certificate) context.AddMetadata("authorization", "Bearer " + credentials->token);
  if (!SetContext(&context)) return false;
  {
    MutexLock lock(&mu_);
    ++stats_.streams_opened;
    ++(with_certificate ? stats_.certificate_authentications : stats_.token_authentications);
  }
  StreamResult result = ReadStream(context, *credentials);
  const bool stopping = !SetContext(nullptr);
  {
    MutexLock lock(&mu_);
    ++stats_.streams_ended;
  }
  if (result.installed > 0) certificate_refused_ = false;
  if (with_certificate && !result.any_message &&
      result.status.error_code() == grpc::StatusCode::UNAUTHENTICATED) {
    certificate_refused_ = true;  // e.g. revoked: fall back to the token next time
  }
  name_mismatch_ = !result.any_message && IsTlsNameMismatch(result.status);
  if (result.any_message) name_mismatch_reported_ = false;
  if (stopping || (name_mismatch_ && name_mismatch_reported_)) {
    // Ending, or a name mismatch already reported: nothing new to say.
  } else if (name_mismatch_) {
    name_mismatch_reported_ = true;
    spdlog::error(
        "svidd at {} has a TLS certificate without the name \"{}\" ({}); set "
        "--server-name to a name it holds (svidd's own --server-name, by default "
        "localhost); retrying quietly meanwhile",
        options_.server, options_.server_name, result.status.error_message());
  } else if (!name_mismatch_) {
    spdlog::warn("rotation stream to {} ended: code {}: {}", options_.server,
                 static_cast<int>(result.status.error_code()), result.status.error_message());
  }
  return result.installed > 0 || (result.any_message && result.lasted >= options_.healthy_after);
}

}  // namespace svidd::agent::internal
