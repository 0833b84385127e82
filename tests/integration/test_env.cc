#include "integration/test_env.h"

#include <grpcpp/grpcpp.h>

#include <fstream>

#include "gtest/gtest.h"
#include "svidd/common/atomic_file.h"

namespace svidd::testing {

TestEnv::TestEnv() : clock_(SystemClock::Instance().Now()) {}

std::unique_ptr<TestEnv> TestEnv::Start(
    const std::function<void(server::ServerOptions&)>& customize) {
  std::unique_ptr<TestEnv> env(new TestEnv());
  auto rsa = MakeRs256Key("rsa-key-1");
  auto ec = MakeEs256Key("ec-key-1");
  if (!rsa.ok() || !ec.ok()) {
    ADD_FAILURE() << "cannot make JWT keys";
    return nullptr;
  }
  env->rsa_key_ = std::move(*rsa);
  env->ec_key_ = std::move(*ec);
  const std::filesystem::path jwks = env->dir() / "jwks.json";
  if (!WriteFileAtomically(jwks, JwksJson({&env->rsa_key_, &env->ec_key_})).ok()) {
    ADD_FAILURE() << "cannot write JWKS";
    return nullptr;
  }
  server::ServerOptions& o = env->options_;
  o.data_dir = env->dir() / "data";
  o.listen = "127.0.0.1:0";
  o.jwks_file = jwks;
  o.jwt_issuer = kTestIssuer;
  o.signing_threads = 2;
  if (customize) customize(o);
  auto server = server::SviddServer::Start(o, env->clock_);
  if (!server.ok()) {
    ADD_FAILURE() << "svidd did not start: " << server.status();
    return nullptr;
  }
  env->server_ = std::move(*server);
  return env;
}

TestEnv::~TestEnv() {
  if (server_ != nullptr) server_->Shutdown();
}

std::string TestEnv::root_bundle_pem() const {
  return server_->authorities().Get()->root_bundle_pem();
}

std::string TestEnv::TokenFor(const std::string& ns, const std::string& sa) const {
  TokenSpec spec;
  spec.issuer = kTestIssuer;
  spec.ns = ns;
  spec.sa = sa;
  spec.iat = clock_.Now();
  return MintToken(rsa_key_, spec);
}

std::shared_ptr<grpc::Channel> TestEnv::Channel(const ClientIdentity* client) const {
  return MakeCaChannel(server_->port(), root_bundle_pem(), client);
}

grpc::Status TestEnv::CreateCertificate(const std::string& csr_pem, int64_t ttl_seconds,
                                        const std::string& token,
                                        istio::v1::auth::IstioCertificateResponse* response,
                                        const ClientIdentity* client) const {
  return CallCreateCertificate(Channel(client), csr_pem, ttl_seconds, token, response);
}

std::vector<std::string> ChainOf(const istio::v1::auth::IstioCertificateResponse& response) {
  return {response.cert_chain().begin(), response.cert_chain().end()};
}

}  // namespace svidd::testing
