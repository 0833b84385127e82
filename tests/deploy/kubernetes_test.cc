// deploy/kubernetes (and deploy/monitoring/kubernetes): every kustomization renders with
// `kubectl kustomize`; the rendered single-replica installation has what the issue asks for
// (hardened pods, probes on the port svidd really serves them on, resources, a ledger
// volume where svidd keeps its data); its ConfigMap's svidd.yaml and the container's
// arguments pass `svidd --check-config`.
#include <gtest/gtest.h>

#include <set>

#include "deploy/deploy_files.h"
#include "support/ledger/temp_dir.h"
#include "yaml-cpp/yaml.h"

namespace svidd::testing {
namespace {

// kubectl comes with the machine image (not from Debian: bookworm's kubernetes-client is
// 1.20, whose kustomize predates components). Where it is missing the rendering checks cannot
// run: say so loudly rather than pass quietly.
#define REQUIRE_KUBECTL()                                                                        \
  if (FindTool("kubectl").empty()) {                                                             \
    GTEST_SKIP() << "\n\n*** kubectl is not installed: deploy/kubernetes was NOT checked ***\n"; \
  }

std::vector<std::filesystem::path> Kustomizations() {
  std::vector<std::filesystem::path> dirs;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(SourcePath("deploy"))) {
    if (entry.path().filename() == "kustomization.yaml") dirs.push_back(entry.path().parent_path());
  }
  std::sort(dirs.begin(), dirs.end());
  return dirs;
}

std::vector<YAML::Node> Render(const std::filesystem::path& dir) {
  CommandResult r = RunTool({"kubectl", "kustomize", dir.string()});
  EXPECT_EQ(r.exit_code, 0) << dir << ": " << r.err;
  std::vector<YAML::Node> docs;
  for (const YAML::Node& doc : YAML::LoadAll(r.out)) {
    if (doc.IsMap()) docs.push_back(doc);
  }
  return docs;
}

std::vector<YAML::Node> OfKind(const std::vector<YAML::Node>& docs, const std::string& kind) {
  std::vector<YAML::Node> out;
  for (const YAML::Node& d : docs) {
    if (d["kind"].as<std::string>() == kind) out.push_back(d);
  }
  return out;
}

TEST(KubernetesTest, EveryKustomizationRenders) {
  REQUIRE_KUBECTL();
  const auto dirs = Kustomizations();
  ASSERT_GE(dirs.size(), 4u);
  std::set<std::string> components, used_components;
  for (const auto& dir : dirs) {
    SCOPED_TRACE(dir.string());
    YAML::Node k = YAML::LoadFile((dir / "kustomization.yaml").string());
    for (const auto& c : k["components"]) {
      used_components.insert(std::filesystem::weakly_canonical(dir / c.as<std::string>()).string());
    }
    if (k["kind"] && k["kind"].as<std::string>() == "Component") {
      components.insert(std::filesystem::weakly_canonical(dir)
                            .string());  // rendered through an overlay that uses it
      continue;
    }
    EXPECT_FALSE(Render(dir).empty());
  }
  for (const auto& c : components) {
    EXPECT_TRUE(used_components.count(c)) << c << " is used by no overlay, so never rendered";
  }
}

// Every container (init containers too) runs as the issue asks.
void ExpectHardened(const YAML::Node& pod, const YAML::Node& container) {
  const std::string name = container["name"].as<std::string>();
  SCOPED_TRACE("container " + name);
  const YAML::Node psc = pod["securityContext"], csc = container["securityContext"];
  ASSERT_TRUE(csc) << "no securityContext";
  EXPECT_TRUE(csc["runAsNonRoot"].as<bool>(false) || psc["runAsNonRoot"].as<bool>(false));
  EXPECT_NE(psc["runAsUser"].as<int>(0), 0);
  EXPECT_TRUE(csc["readOnlyRootFilesystem"].as<bool>(false));
  EXPECT_FALSE(csc["allowPrivilegeEscalation"].as<bool>(true));
  bool drops_all = false;
  for (const auto& cap : csc["capabilities"]["drop"]) drops_all |= cap.as<std::string>() == "ALL";
  EXPECT_TRUE(drops_all);
  EXPECT_EQ(csc["seccompProfile"]["type"].as<std::string>(
                psc["seccompProfile"]["type"].as<std::string>("")),
            "RuntimeDefault");
  for (const char* kind : {"requests", "limits"}) {
    for (const char* resource : {"cpu", "memory"}) {
      EXPECT_TRUE(container["resources"][kind][resource]) << kind << "." << resource;
    }
  }
}

struct RenderedSvidd {
  std::vector<YAML::Node> docs;
  YAML::Node pod, container;
  std::map<std::string, std::string> config_files;  // mount path/key -> content
};

RenderedSvidd RenderSingle(const std::string& overlay) {
  RenderedSvidd r;
  r.docs = Render(SourcePath("deploy/kubernetes/overlays/" + overlay));
  auto sets = OfKind(r.docs, "StatefulSet");
  for (const YAML::Node& d : OfKind(r.docs, "Deployment")) sets.push_back(d);  // overlays/ha
  EXPECT_EQ(sets.size(), 1u);
  if (sets.empty()) return r;
  r.pod = sets[0]["spec"]["template"]["spec"];
  for (const auto& c : r.pod["containers"]) {
    if (c["name"].as<std::string>() == "svidd") r.container = static_cast<const YAML::Node&>(c);
  }
  EXPECT_TRUE(r.container) << "no container named svidd";
  // ConfigMaps mounted into svidd's container, by the path their keys appear at.
  std::map<std::string, YAML::Node> maps;
  for (const auto& cm : OfKind(r.docs, "ConfigMap"))
    maps[cm["metadata"]["name"].as<std::string>()] = cm;
  for (const auto& mount : r.container["volumeMounts"]) {
    for (const auto& volume : r.pod["volumes"]) {
      if (volume["name"].as<std::string>() != mount["name"].as<std::string>() ||
          !volume["configMap"]) {
        continue;
      }
      const std::string map_name = volume["configMap"]["name"].as<std::string>();
      if (!maps.count(map_name)) continue;  // e.g. kube-root-ca.crt, made by the cluster
      for (const auto& item : maps[map_name]["data"]) {
        r.config_files[mount["mountPath"].as<std::string>() + "/" + item.first.as<std::string>()] =
            item.second.as<std::string>();
      }
    }
  }
  return r;
}

// The container's arguments with each mounted ConfigMap file replaced by a local copy.
std::vector<std::string> LocalArgs(const RenderedSvidd& r, const TempDir& dir) {
  std::vector<std::string> args;
  int n = 0;
  for (const auto& a : r.container["args"]) {
    std::string arg = a.as<std::string>();
    if (auto it = r.config_files.find(arg); it != r.config_files.end()) {
      const auto local = dir.File("config-" + std::to_string(++n) + ".yaml");
      WriteTestFile(local, it->second);
      arg = local.string();
    }
    args.push_back(arg);
  }
  return args;
}

std::string PortOf(const std::string& host_port) {
  return host_port.substr(host_port.rfind(':') + 1);
}

TEST(KubernetesTest, SingleReplicaInstallationHasWhatTheIssueAsks) {
  REQUIRE_KUBECTL();
  RenderedSvidd r = RenderSingle("single");
  ASSERT_TRUE(r.container);
  for (const char* kind : {"Namespace", "ServiceAccount", "ClusterRoleBinding", "ConfigMap",
                           "Service", "StatefulSet", "NetworkPolicy", "PodDisruptionBudget"}) {
    EXPECT_FALSE(OfKind(r.docs, kind).empty()) << "no " << kind;
  }
  EXPECT_EQ(OfKind(r.docs, "Namespace")[0]["metadata"]["name"].as<std::string>(), "svidd-system");
  for (const auto& d : r.docs) {
    if (d["metadata"]["namespace"]) {
      EXPECT_EQ(d["metadata"]["namespace"].as<std::string>(), "svidd-system");
    }
  }
  EXPECT_EQ(OfKind(r.docs, "ClusterRoleBinding")[0]["roleRef"]["name"].as<std::string>(),
            "system:service-account-issuer-discovery");
  EXPECT_EQ(OfKind(r.docs, "StatefulSet")[0]["spec"]["replicas"].as<int>(), 1);

  // The configuration svidd will run with, as --check-config prints it.
  TempDir dir;
  CommandResult checked = CheckConfig(LocalArgs(r, dir));
  ASSERT_EQ(checked.exit_code, 0) << checked.err;
  YAML::Node effective = YAML::Load(checked.out);

  // The ledger volume is mounted where svidd keeps its data.
  std::map<std::string, std::string> mounts;  // volume name -> path
  for (const auto& m : r.container["volumeMounts"]) {
    mounts[m["name"].as<std::string>()] = m["mountPath"].as<std::string>();
  }
  const auto claims = OfKind(r.docs, "StatefulSet")[0]["spec"]["volumeClaimTemplates"];
  ASSERT_EQ(claims.size(), 1u);
  EXPECT_EQ(mounts[claims[0]["metadata"]["name"].as<std::string>()],
            effective["data-dir"].as<std::string>());
  // Files svidd reads come from a mounted volume.
  for (const char* key : {"jwks-ca-file", "jwks-token-file"}) {
    if (!effective[key]) continue;
    const std::string path = effective[key].as<std::string>();
    bool mounted = false;
    for (const auto& [volume, at] : mounts) mounted |= path.rfind(at + "/", 0) == 0;
    EXPECT_TRUE(mounted) << key << " " << path << " is on no volume";
  }

  // Probes: HTTP /readyz and /healthz on the port svidd serves them on (metrics-listen).
  std::map<std::string, std::string> ports;  // name -> number
  for (const auto& p : r.container["ports"]) {
    ports[p["name"].as<std::string>()] = p["containerPort"].as<std::string>();
  }
  EXPECT_EQ(ports["grpc-ca"], PortOf(effective["listen"].as<std::string>()));
  ASSERT_TRUE(effective["metrics-listen"]) << "probes need the HTTP listener";
  for (const auto& [probe, path] : std::map<std::string, std::string>{
           {"readinessProbe", "/readyz"}, {"livenessProbe", "/healthz"}}) {
    SCOPED_TRACE(probe);
    const YAML::Node get = r.container[probe]["httpGet"];
    ASSERT_TRUE(get);
    EXPECT_EQ(get["path"].as<std::string>(), path);
    std::string port = get["port"].as<std::string>();
    if (ports.count(port)) port = ports[port];
    EXPECT_EQ(port, PortOf(effective["metrics-listen"].as<std::string>()));
  }
  // The Services point at ports the container has.
  for (const auto& svc : OfKind(r.docs, "Service")) {
    for (const auto& p : svc["spec"]["ports"]) {
      EXPECT_TRUE(ports.count(p["targetPort"].as<std::string>()))
          << svc["metadata"]["name"] << " targets " << p["targetPort"];
    }
  }
  for (const auto& c : r.pod["containers"]) ExpectHardened(r.pod, c);
  EXPECT_EQ(r.pod["securityContext"]["seccompProfile"]["type"].as<std::string>(""),
            "RuntimeDefault");
}

TEST(KubernetesTest, ConfigMapConfigAndContainerArgsPassCheckConfig) {
  REQUIRE_KUBECTL();
  for (const char* overlay : {"single", "single-plugin-ca", "ha"}) {
    SCOPED_TRACE(overlay);
    RenderedSvidd r = RenderSingle(overlay);
    ASSERT_TRUE(r.container);
    ASSERT_FALSE(r.config_files.empty()) << "no ConfigMap mounted into svidd's container";
    TempDir dir;
    for (const auto& [path, content] : r.config_files) {
      SCOPED_TRACE(path);
      WriteTestFile(dir.File("svidd.yaml"), content);
      CommandResult file_only = CheckConfig({"--config", dir.File("svidd.yaml").string()});
      EXPECT_EQ(file_only.exit_code, 0) << file_only.err;
    }
    CommandResult with_args = CheckConfig(LocalArgs(r, dir));
    EXPECT_EQ(with_args.exit_code, 0) << with_args.err;
    // Init containers (the plug-in CA copy) are hardened as well, and every container runs
    // the same image.
    std::set<std::string> images;
    for (const char* list : {"containers", "initContainers"}) {
      for (const auto& c : r.pod[list]) {
        ExpectHardened(r.pod, c);
        images.insert(c["image"].as<std::string>());
      }
    }
    EXPECT_EQ(images.size(), 1u);
  }
}

// The value following `flag` in the container's arguments ("" if absent).
std::string ArgValue(const YAML::Node& container, const std::string& flag) {
  const YAML::Node args = container["args"];
  for (size_t i = 0; i + 1 < args.size(); ++i) {
    if (args[i].as<std::string>() == flag) return args[i + 1].as<std::string>();
  }
  return "";
}

// overlays/ha (issue 15): three replicas that no single node or eviction takes down together,
// all on one PostgreSQL ledger (password from a Secret, never in the arguments) and one
// plug-in CA from the cacerts Secret.
TEST(KubernetesTest, HaInstallationHasWhatTheIssueAsks) {
  REQUIRE_KUBECTL();
  RenderedSvidd r = RenderSingle("ha");
  ASSERT_TRUE(r.container);
  ASSERT_EQ(OfKind(r.docs, "StatefulSet").size(), 0u);
  const YAML::Node deployment = OfKind(r.docs, "Deployment")[0];
  EXPECT_EQ(deployment["spec"]["replicas"].as<int>(), 3);
  const YAML::Node anti =
      r.pod["affinity"]["podAntiAffinity"]["requiredDuringSchedulingIgnoredDuringExecution"];
  ASSERT_TRUE(anti && anti.size() >= 1) << "no required pod anti-affinity";
  EXPECT_EQ(anti[0]["topologyKey"].as<std::string>(), "kubernetes.io/hostname");
  const auto selector = deployment["spec"]["selector"]["matchLabels"];
  for (const auto& label : selector) {
    EXPECT_EQ(
        anti[0]["labelSelector"]["matchLabels"][label.first.as<std::string>()].as<std::string>(""),
        label.second.as<std::string>());
  }
  const auto budgets = OfKind(r.docs, "PodDisruptionBudget");
  ASSERT_EQ(budgets.size(), 1u);
  EXPECT_EQ(budgets[0]["spec"]["minAvailable"].as<int>(), 2);

  // The shared ledger: PostgreSQL, no password in the URI; libpq reads it from a Secret.
  const std::string ledger = ArgValue(r.container, "--ledger");
  EXPECT_EQ(ledger.rfind("postgresql://", 0), 0u) << ledger;
  EXPECT_EQ(ledger.find(':', std::string("postgresql://").size()), ledger.find(":5432"))
      << "a password in the URI: " << ledger;
  bool password_from_secret = false;
  for (const auto& env : r.container["env"]) {
    password_from_secret |= env["name"].as<std::string>() == "PGPASSWORD" && env["valueFrom"] &&
                            env["valueFrom"]["secretKeyRef"] &&
                            env["valueFrom"]["secretKeyRef"]["name"].IsDefined();
  }
  EXPECT_TRUE(password_from_secret);
  // The shared CA: the cacerts Secret, copied by the init container to what --ca-dir names.
  bool cacerts = false;
  for (const auto& volume : r.pod["volumes"]) {
    cacerts |= volume["secret"] && volume["secret"]["secretName"].as<std::string>("") == "cacerts";
  }
  EXPECT_TRUE(cacerts) << "the cacerts Secret is not mounted";
  ASSERT_EQ(r.pod["initContainers"].size(), 1u);
  EXPECT_NE(r.pod["initContainers"][0]["command"][2].as<std::string>().find(
                ArgValue(r.container, "--ca-dir")),
            std::string::npos);
  // Out to PostgreSQL's port.
  bool egress_5432 = false;
  for (const auto& rule : OfKind(r.docs, "NetworkPolicy")[0]["spec"]["egress"]) {
    for (const auto& port : rule["ports"]) egress_5432 |= port["port"].as<int>() == 5432;
  }
  EXPECT_TRUE(egress_5432);
}

}  // namespace
}  // namespace svidd::testing
