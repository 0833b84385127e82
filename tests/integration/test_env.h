// A real svidd for integration tests: the server runs in-process on 127.0.0.1:<ephemeral>
// with a real SQLite ledger in a temp dir, a JWKS file of test keys, and a fake clock that
// starts at the real time (so external validators accept what it issues).
#pragma once

#include <filesystem>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "integration/ca_client.h"
#include "istio/v1/auth/ca.grpc.pb.h"
#include "support/jwt/test_jwt.h"
#include "support/ledger/temp_dir.h"
#include "svidd/common/clock.h"
#include "svidd/server/svidd_server.h"

namespace svidd::testing {

// The identity most integration tests issue for: the service account bar in namespace foo.
inline constexpr char kFooId[] = "spiffe://cluster.local/ns/foo/sa/bar";

constexpr char kTestIssuer[] = "https://kubernetes.default.svc.cluster.local";

class TestEnv {
 public:
  // Starts a server; `customize` may adjust the options first.
  static std::unique_ptr<TestEnv> Start(
      const std::function<void(server::ServerOptions&)>& customize = nullptr);
  ~TestEnv();

  server::SviddServer& server() { return *server_; }
  FakeClock& clock() { return clock_; }
  const server::ServerOptions& options() const { return options_; }
  const std::filesystem::path& dir() const { return dir_.path(); }
  std::string root_bundle_pem() const;

  // A valid service-account token for ns/sa, issued now by the env's JWKS key.
  std::string TokenFor(const std::string& ns, const std::string& sa) const;
  const TestSigningKey& signing_key() const { return rsa_key_; }
  const TestSigningKey& ec_signing_key() const { return ec_key_; }

  // A TLS channel to the server, trusting the mesh root, dialing "localhost"; with a client
  // certificate when `client` is given.
  std::shared_ptr<grpc::Channel> Channel(const ClientIdentity* client = nullptr) const;

  // CreateCertificate with an optional bearer token and client identity.
  grpc::Status CreateCertificate(const std::string& csr_pem, int64_t ttl_seconds,
                                 const std::string& token,
                                 istio::v1::auth::IstioCertificateResponse* response,
                                 const ClientIdentity* client = nullptr) const;

 private:
  TestEnv();
  TempDir dir_;
  FakeClock clock_;
  server::ServerOptions options_;
  TestSigningKey rsa_key_;
  TestSigningKey ec_key_;
  std::unique_ptr<server::SviddServer> server_;
};

// The PEM of element `i` of a response.
std::vector<std::string> ChainOf(const istio::v1::auth::IstioCertificateResponse& response);

}  // namespace svidd::testing
