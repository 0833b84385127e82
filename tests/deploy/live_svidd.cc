#include "deploy/live_svidd.h"

#include <gtest/gtest.h>
#include <httplib.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include "integration/ca_client.h"
#include "support/pki/csr_builder.h"
#include "svidd/common/atomic_file.h"
#include "svidd/common/clock.h"

namespace svidd::testing {
namespace {

constexpr char kIssuer[] = "https://kubernetes.default.svc.cluster.local";

}  // namespace

LiveSvidd::LiveSvidd() {
  key_ = MakeRs256Key("k1").value();
  const auto jwks = dir_.File("jwks.json");
  EXPECT_TRUE(WriteFileAtomically(jwks, JwksJson({&key_})).ok());
  metrics_port_ = FreeLoopbackPort();
  process_ = std::make_unique<ChildProcess>(
      std::vector<std::string>{SVIDD_BINARY, "--data-dir", data_dir().string(), "--listen",
                               "127.0.0.1:0", "--port-file", dir_.File("port").string(),
                               "--jwks-file", jwks.string(), "--jwt-issuer", kIssuer,
                               "--metrics-listen", "127.0.0.1:" + std::to_string(metrics_port_)},
      dir_.File("svidd.log"));
  port_ = WaitForPortFile(dir_.File("port"), *process_);
  root_ = ReadFileToString(data_dir() / "ca" / "root-cert.pem").value_or("");
}

grpc::Status LiveSvidd::Request(const std::string& spiffe_id, const std::string& token) {
  auto csr = BuildIstioCsr(spiffe_id);
  EXPECT_TRUE(csr.ok()) << csr.status();
  return RequestWithCsr(csr.ok() ? csr->pem : "", token);
}

grpc::Status LiveSvidd::RequestWithCsr(const std::string& csr_pem, const std::string& token) {
  istio::v1::auth::IstioCertificateResponse response;
  return CallCreateCertificate(MakeCaChannel(port_, root_), csr_pem, 0, token, &response);
}

std::string LiveSvidd::Token(const std::string& ns, const std::string& sa) const {
  TokenSpec spec;
  spec.issuer = kIssuer;
  spec.ns = ns;
  spec.sa = sa;
  spec.iat = SystemClock::Instance().Now();
  return MintToken(key_, spec);
}

std::string LiveSvidd::Scrape() const {
  httplib::Client client("127.0.0.1", metrics_port_);
  client.set_connection_timeout(std::chrono::seconds(5));
  httplib::Result res = client.Get("/metrics");
  if (!res || res->status != 200) return "";
  return res->body;
}

}  // namespace svidd::testing
