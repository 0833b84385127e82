// deploy/istio: the IstioOperator and the Helm values point Istio at the svidd that
// deploy/kubernetes installs (caAddress a name in svidd's serving certificate and the port of
// its Service, the token audience svidd accepts, svidd's trust domain, istiod's CA off), and
// istiod-serving-cert.sh turns a `svidctl ca issue-intermediate` output into an istiod
// serving certificate that verifies against svidd's root with the names istiod answers to.
#include <gtest/gtest.h>

#include <algorithm>

#include "deploy/deploy_files.h"
#include "deploy/live_svidd.h"
#include "support/ledger/temp_dir.h"
#include "svidd/common/atomic_file.h"
#include "yaml-cpp/yaml.h"

namespace svidd::testing {
namespace {

std::vector<std::string> Strings(const YAML::Node& node) {
  std::vector<std::string> out;
  if (node.IsSequence()) {
    for (const auto& n : node) out.push_back(n.as<std::string>());
  } else if (node.IsScalar()) {
    out.push_back(node.as<std::string>());
  }
  return out;
}

TEST(IstioTest, IstioSettingsMatchTheSviddTheyPointAt) {
  const YAML::Node svidd = YAML::LoadFile(SourcePath("deploy/kubernetes/base/svidd.yaml"));
  std::string service_port;
  for (const YAML::Node& doc :
       YAML::LoadAllFromFile(SourcePath("deploy/kubernetes/base/services.yaml"))) {
    if (doc["metadata"]["name"].as<std::string>() != "svidd") continue;
    for (const auto& p : doc["spec"]["ports"]) service_port = p["port"].as<std::string>();
  }
  ASSERT_FALSE(service_port.empty());
  const auto names = Strings(svidd["server-name"]);
  ASSERT_TRUE(std::count(names.begin(), names.end(), "svidd.svidd-system.svc"))
      << "the Service's name must be in svidd's certificate";

  // IstioOperator's spec.values and the Helm values hold the same keys.
  const YAML::Node op = YAML::LoadFile(SourcePath("deploy/istio/istio-operator.yaml"));
  const YAML::Node helm = YAML::LoadFile(SourcePath("deploy/istio/values.yaml"));
  struct Source {
    const char* name;
    YAML::Node values, mesh;
  } sources[] = {{"istio-operator.yaml", op["spec"]["values"], op["spec"]["meshConfig"]},
                 {"values.yaml", helm, helm["meshConfig"]}};
  for (const Source& s : sources) {
    SCOPED_TRACE(s.name);
    const std::string ca_address = s.values["global"]["caAddress"].as<std::string>("");
    const size_t colon = ca_address.rfind(':');
    ASSERT_NE(colon, std::string::npos) << ca_address;
    EXPECT_TRUE(std::count(names.begin(), names.end(), ca_address.substr(0, colon)))
        << ca_address << ": istio-agent checks this name in svidd's certificate";
    EXPECT_EQ(ca_address.substr(colon + 1), service_port);
    EXPECT_EQ(s.values["global"]["sds"]["token"]["aud"].as<std::string>(""),
              svidd["jwt-audience"].as<std::string>());
    EXPECT_EQ(s.mesh["trustDomain"].as<std::string>(""), svidd["trust-domain"].as<std::string>());
    EXPECT_EQ(s.values["pilot"]["env"]["ENABLE_CA_SERVER"].as<std::string>(""), "false");
    EXPECT_EQ(s.values["global"]["pilotCertProvider"].as<std::string>(""), "istiod");
  }
}

TEST(IstioTest, IstiodServingCertificateChainsToSviddsRoot) {
  LiveSvidd svidd;
  ASSERT_NE(svidd.port(), 0) << svidd.log();
  TempDir dir;
  const auto ca = dir.File("istiod-dns"), out = dir.File("istiod-tls");
  CommandResult minted = RunCommand({SVIDCTL_BINARY, "--data-dir", svidd.data_dir().string(), "ca",
                                     "issue-intermediate", "--out-dir", ca.string(), "--name",
                                     "istiod serving certificates", "--ttl", "90d"});
  ASSERT_EQ(minted.exit_code, 0) << minted.err;
  CommandResult made = RunTool({"bash", SourcePath("deploy/istio/istiod-serving-cert.sh").string(),
                                ca.string(), out.string(), "istio-system", "canary"});
  ASSERT_EQ(made.exit_code, 0) << made.err;

  // What istiod loads from the Secret istiod-tls: a server certificate for its names, with
  // the intermediate after it, verifying against svidd's root (ca.crt).
  CommandResult verified = RunTool({"openssl", "verify", "-x509_strict", "-purpose", "sslserver",
                                    "-CAfile", (out / "ca.crt").string(), "-untrusted",
                                    (out / "tls.crt").string(), (out / "tls.crt").string()});
  EXPECT_EQ(verified.exit_code, 0) << verified.out << verified.err;
  CommandResult san = RunTool(
      {"openssl", "x509", "-noout", "-ext", "subjectAltName", "-in", (out / "tls.crt").string()});
  for (const char* name : {"istiod.istio-system.svc", "istiod-remote.istio-system.svc",
                           "istio-pilot.istio-system.svc", "istiod-canary.istio-system.svc"}) {
    EXPECT_NE(san.out.find(std::string("DNS:") + name), std::string::npos) << san.out;
  }
  EXPECT_EQ(
      std::filesystem::status(out / "tls.key").permissions() & std::filesystem::perms::others_read,
      std::filesystem::perms::none);
  // The same root the mesh trusts: svidd's published bundle.
  CommandResult bundle =
      RunCommand({SVIDCTL_BINARY, "--data-dir", svidd.data_dir().string(), "bundle"});
  ASSERT_EQ(bundle.exit_code, 0) << bundle.err;
  EXPECT_EQ(ReadFileToString(out / "ca.crt").value_or(""), bundle.out);
}

}  // namespace
}  // namespace svidd::testing
