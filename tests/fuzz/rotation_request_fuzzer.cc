// The two certificate-request messages as the services see them, without the network: the
// first byte picks svidd.v1.RotateRequest (a rotation stream's message) or Istio's
// IstioCertificateRequest, the rest is parsed as that message, mapped as the handler maps it
// (RotationSession::OnReadDone/HandleCsr, IstioCertificateService::CreateCertificate), and
// run through the real issuance pipeline: CSR validation, identity policy, TTL clamping,
// signing by a real CA and recording in a real SQLite ledger. The stream's caller is fixed
// (spiffe://cluster.local/ns/foo/sa/bar, as authenticated at open); the Istio call carries a
// valid token for the same identity (tests/fuzz/data/token).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <fstream>
#include <future>
#include <sstream>

#include "fuzz/fuzz_ca.h"
#include "issuance/ledger_revocation_checker.h"
#include "istio/v1/auth/ca.pb.h"
#include "svidd/auth/authenticator.h"
#include "svidd/auth/kubernetes_token_verifier.h"
#include "svidd/issuance/issuance_pipeline.h"
#include "svidd/metrics/server_metrics.h"
#include "svidd/pki/authority_holder.h"
#include "svidd/v1/rotation.pb.h"

namespace {

using svidd::fuzzing::FuzzDataPath;

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

struct Fixture {
  svidd::fuzzing::FuzzCa ca;
  svidd::pki::AuthorityHolder authorities{ca.authority()};
  svidd::issuance::LedgerRevocationChecker revocations{ca.ledger()};
  std::unique_ptr<svidd::auth::KubernetesTokenVerifier> tokens;
  std::unique_ptr<svidd::auth::Authenticator> authenticator;
  svidd::metrics::ServerMetrics metrics;
  std::unique_ptr<svidd::issuance::IssuancePipeline> pipeline;
  std::string authorization;
  svidd::auth::CallerIdentity stream_caller{
      svidd::spiffe::SpiffeId::Parse("spiffe://cluster.local/ns/foo/sa/bar").value(),
      svidd::auth::AuthMethod::kKubernetesToken, "system:serviceaccount:foo:bar"};

  Fixture() {
    svidd::auth::KubernetesTokenVerifierOptions options;
    options.jwks_file = FuzzDataPath("jwks.json");
    options.issuer = svidd::fuzzing::kSeedIssuer;
    auto verifier = svidd::auth::KubernetesTokenVerifier::Create(options, ca.clock());
    if (!verifier.ok()) std::abort();
    tokens = *std::move(verifier);
    authenticator = std::make_unique<svidd::auth::Authenticator>("cluster.local", tokens.get(),
                                                                 revocations, ca.clock());
    pipeline = std::make_unique<svidd::issuance::IssuancePipeline>(
        authorities, *authenticator, ca.ledger(), svidd::pki::TtlPolicy{}, svidd::pki::CsrLimits{},
        ca.clock(), metrics);
    authorization = "Bearer " + ReadFile(FuzzDataPath("token"));
    while (!authorization.empty() && authorization.back() == '\n') authorization.pop_back();
  }
};

Fixture& TheFixture() {
  static Fixture* fixture = new Fixture();  // lives to the end of the process
  return *fixture;
}

// Runs one request to its answer; the pipeline may answer on the ledger's thread.
template <typename Start>
absl::StatusOr<svidd::issuance::IssuedChain> Await(Start start) {
  std::promise<absl::StatusOr<svidd::issuance::IssuedChain>> answer;
  start([&answer](absl::StatusOr<svidd::issuance::IssuedChain> result) {
    answer.set_value(std::move(result));
  });
  return answer.get_future().get();
}

void RotationRequest(Fixture& f, const uint8_t* data, size_t size) {
  svidd::v1::RotateRequest request;
  if (!request.ParseFromArray(data, static_cast<int>(size)) || !request.has_csr()) return;
  svidd::issuance::SigningRequest signing;  // as RotationSession::HandleCsr maps it
  signing.csr_pem = request.csr().csr();
  signing.requested_ttl = std::chrono::seconds(request.csr().validity_seconds());
  auto result = Await([&](svidd::issuance::IssuancePipeline::Done done) {
    f.pipeline->IssueFor(f.stream_caller, svidd::metrics::IssuanceApi::kRotation,
                         std::move(signing), std::move(done));
  });
  if (result.ok() && result->spiffe_id != f.stream_caller.id.str()) std::abort();
}

void IstioRequest(Fixture& f, const uint8_t* data, size_t size) {
  istio::v1::auth::IstioCertificateRequest request;
  if (!request.ParseFromArray(data, static_cast<int>(size))) return;
  svidd::issuance::IssuanceRequest
      issuance;  // as IstioCertificateService::CreateCertificate maps it
  issuance.csr_pem = request.csr();
  issuance.requested_ttl = std::chrono::seconds(request.validity_duration());
  issuance.credentials.authorization = f.authorization;
  if (request.has_metadata()) {
    const auto& fields = request.metadata().fields();
    if (auto it = fields.find("ImpersonatedIdentity"); it != fields.end()) {
      issuance.impersonated_identity =
          it->second.has_string_value() ? it->second.string_value() : "(not a string)";
    }
  }
  auto result = Await([&](svidd::issuance::IssuancePipeline::Done done) {
    f.pipeline->Issue(std::move(issuance), std::move(done));
  });
  if (result.ok() && result->spiffe_id != f.stream_caller.id.str()) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  Fixture& f = TheFixture();
  if (data[0] % 2 == 0) {
    RotationRequest(f, data + 1, size - 1);
  } else {
    IstioRequest(f, data + 1, size - 1);
  }
  return 0;
}
