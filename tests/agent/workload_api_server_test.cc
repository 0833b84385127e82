// The Workload API over a real unix socket with a real gRPC client, as go-spiffe and
// spiffe-helper speak it.
#include "svidd/agent/workload_api_server.h"

#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>
#include <sys/stat.h>

#include "agent/agent_test_pki.h"
#include "spiffe/workload/workload.grpc.pb.h"
#include "support/pki/der_decoding.h"
#include "svidd/common/atomic_file.h"
#include "svidd/crypto/keys.h"
#include "svidd/crypto/x509_fields.h"

namespace svidd::testing {
namespace {

using std::chrono::seconds;

class WorkloadApiServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto server = agent::WorkloadApiServer::Start(socket_, agent::WorkloadApiAccess{}, store_);
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = *std::move(server);
    stub_ = SpiffeWorkloadAPI::NewStub(
        grpc::CreateChannel("unix:" + socket_.string(), grpc::InsecureChannelCredentials()));
  }

  std::unique_ptr<grpc::ClientContext> Context(bool header = true) {
    auto context = std::make_unique<grpc::ClientContext>();
    if (header) context->AddMetadata("workload.spiffe.io", "true");
    context->set_deadline(std::chrono::system_clock::now() + seconds(20));
    return context;
  }

  void Install() {
    store_.SetBundle(pki_.bundle());
    store_.SetSvid(pki_.IssueSvid(kAgentId, now_, std::chrono::hours(1)));
  }

  TimePoint now_ = SystemClock::Instance().Now();
  AgentTestPki pki_{now_};
  TempDir dir_;
  std::filesystem::path socket_ = dir_.path() / "sockets" / "agent.sock";
  agent::SvidStore store_;
  std::unique_ptr<agent::WorkloadApiServer> server_;
  std::unique_ptr<SpiffeWorkloadAPI::Stub> stub_;
};

TEST_F(WorkloadApiServerTest, FetchX509SvidSendsTheFullStateThenEachRotation) {
  Install();
  auto context = Context();
  auto stream = stub_->FetchX509SVID(context.get(), X509SVIDRequest());
  X509SVIDResponse first;
  ASSERT_TRUE(stream->Read(&first));
  ASSERT_EQ(first.svids_size(), 1);
  const X509SVID& svid = first.svids(0);
  EXPECT_EQ(svid.spiffe_id(), kAgentId);
  std::vector<crypto::X509Ptr> chain = ParseConcatenatedDer(svid.x509_svid());
  ASSERT_EQ(chain.size(), 2u) << "leaf then intermediate";
  EXPECT_EQ(crypto::UriSans(chain[0].get()), std::vector<std::string>{kAgentId});
  EXPECT_TRUE(crypto::IsCaCertificate(chain[1].get()));
  crypto::EvpPkeyPtr key = ParsePrivateKeyDer(svid.x509_svid_key());
  ASSERT_NE(key, nullptr);
  EXPECT_TRUE(crypto::KeyMatchesCertificate(key.get(), chain[0].get()));
  std::vector<crypto::X509Ptr> roots = ParseConcatenatedDer(svid.bundle());
  ASSERT_EQ(roots.size(), 1u);
  EXPECT_TRUE(crypto::IsSelfSigned(roots[0].get()));

  auto renewed = pki_.IssueSvid(kAgentId, now_, std::chrono::hours(1));
  store_.SetSvid(renewed);
  X509SVIDResponse second;
  ASSERT_TRUE(stream->Read(&second));
  ASSERT_EQ(second.svids_size(), 1);
  EXPECT_EQ(crypto::SerialHex(ParseConcatenatedDer(second.svids(0).x509_svid())[0].get()),
            renewed->serial());

  server_->Shutdown();
  X509SVIDResponse none;
  EXPECT_FALSE(stream->Read(&none));
  grpc::Status status = stream->Finish();
  EXPECT_TRUE(status.ok()) << "shutdown ends streams cleanly: " << status.error_message();
}

TEST_F(WorkloadApiServerTest, FetchX509SvidWaitsForTheFirstSvid) {
  store_.SetBundle(pki_.bundle());
  auto context = Context();
  auto stream = stub_->FetchX509SVID(context.get(), X509SVIDRequest());
  std::thread later([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    store_.SetSvid(pki_.IssueSvid(kAgentId, now_, std::chrono::hours(1)));
  });
  X509SVIDResponse first;
  ASSERT_TRUE(stream->Read(&first));
  later.join();
  EXPECT_EQ(first.svids_size(), 1) << "never an empty response";
}

TEST_F(WorkloadApiServerTest, FetchX509BundlesKeyedByTrustDomainWithCrls) {
  Install();
  auto context = Context();
  auto stream = stub_->FetchX509Bundles(context.get(), X509BundlesRequest());
  X509BundlesResponse first;
  ASSERT_TRUE(stream->Read(&first));
  ASSERT_EQ(first.bundles_size(), 1);
  ASSERT_TRUE(first.bundles().contains("spiffe://cluster.local"));
  EXPECT_EQ(first.bundles().at("spiffe://cluster.local"), pki_.bundle()->roots_der());
  EXPECT_EQ(first.crl_size(), 0);

  // A new CRL is a bundle change: pushed to bundle and SVID streams alike.
  auto with_crl =
      agent::X509Bundle::Create("cluster.local", 2, pki_.roots_pem(), {"crl-1-der"}).value();
  store_.SetBundle(with_crl);
  X509BundlesResponse second;
  ASSERT_TRUE(stream->Read(&second));
  ASSERT_EQ(second.crl_size(), 1);
  EXPECT_EQ(second.crl(0), "crl-1-der");

  auto svid_context = Context();
  auto svid_stream = stub_->FetchX509SVID(svid_context.get(), X509SVIDRequest());
  X509SVIDResponse svid;
  ASSERT_TRUE(svid_stream->Read(&svid));
  ASSERT_EQ(svid.crl_size(), 1);
  EXPECT_EQ(svid.crl(0), "crl-1-der");
}

TEST_F(WorkloadApiServerTest, RefusalsOfTheStandard) {
  Install();
  {
    SCOPED_TRACE("FetchX509SVID without the security header");
    auto context = Context(/*header=*/false);
    auto stream = stub_->FetchX509SVID(context.get(), X509SVIDRequest());
    X509SVIDResponse response;
    EXPECT_FALSE(stream->Read(&response));
    EXPECT_EQ(stream->Finish().error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  }
  {
    SCOPED_TRACE("FetchX509Bundles without the security header");
    auto context = Context(/*header=*/false);
    auto stream = stub_->FetchX509Bundles(context.get(), X509BundlesRequest());
    X509BundlesResponse response;
    EXPECT_FALSE(stream->Read(&response));
    EXPECT_EQ(stream->Finish().error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  }
  {
    SCOPED_TRACE("FetchJWTSVID");
    auto context = Context();
    JWTSVIDResponse response;
    EXPECT_EQ(stub_->FetchJWTSVID(context.get(), JWTSVIDRequest(), &response).error_code(),
              grpc::StatusCode::UNIMPLEMENTED);
  }
  {
    SCOPED_TRACE("ValidateJWTSVID");
    auto context = Context();
    ValidateJWTSVIDResponse response;
    EXPECT_EQ(
        stub_->ValidateJWTSVID(context.get(), ValidateJWTSVIDRequest(), &response).error_code(),
        grpc::StatusCode::UNIMPLEMENTED);
  }
  {
    SCOPED_TRACE("FetchJWTBundles");
    auto context = Context();
    auto stream = stub_->FetchJWTBundles(context.get(), JWTBundlesRequest());
    JWTBundlesResponse response;
    EXPECT_FALSE(stream->Read(&response));
    EXPECT_EQ(stream->Finish().error_code(), grpc::StatusCode::UNIMPLEMENTED);
  }
}

TEST_F(WorkloadApiServerTest, ManyClientsEachGetEveryRotation) {
  Install();
  constexpr int kClients = 20;
  std::vector<std::unique_ptr<grpc::ClientContext>> contexts;
  std::vector<std::unique_ptr<grpc::ClientReader<X509SVIDResponse>>> streams;
  for (int i = 0; i < kClients; ++i) {
    contexts.push_back(Context());
    streams.push_back(stub_->FetchX509SVID(contexts.back().get(), X509SVIDRequest()));
    X509SVIDResponse initial;
    ASSERT_TRUE(streams.back()->Read(&initial));
  }
  auto renewed = pki_.IssueSvid(kAgentId, now_, std::chrono::hours(1));
  store_.SetSvid(renewed);
  for (auto& stream : streams) {
    X509SVIDResponse update;
    ASSERT_TRUE(stream->Read(&update));
    EXPECT_EQ(crypto::SerialHex(ParseConcatenatedDer(update.svids(0).x509_svid())[0].get()),
              renewed->serial());
  }
  store_.Close();  // the agent shutting down: every stream ends with OK
  for (auto& stream : streams) {
    X509SVIDResponse none;
    EXPECT_FALSE(stream->Read(&none));
    EXPECT_TRUE(stream->Finish().ok());
  }
}

unsigned SocketMode(const std::filesystem::path& path) {
  struct stat st;
  EXPECT_EQ(::lstat(path.c_str(), &st), 0);
  EXPECT_TRUE(S_ISSOCK(st.st_mode));
  return st.st_mode & 0777;
}

TEST(WorkloadApiSocketTest, ModeStaleSocketAndRemovalOnShutdown) {
  TempDir dir;
  agent::SvidStore store;
  const auto socket = dir.path() / "agent.sock";
  for (unsigned mode : {0666u, 0660u, 0600u}) {
    SCOPED_TRACE(mode);
    auto server =
        agent::WorkloadApiServer::Start(socket, agent::WorkloadApiAccess{mode, {0}, {}}, store);
    ASSERT_TRUE(server.ok()) << server.status();
    EXPECT_EQ(SocketMode(socket), mode);
    // A second agent on the same path replaces the first's socket (a stale one after a crash).
    auto again =
        agent::WorkloadApiServer::Start(socket, agent::WorkloadApiAccess{mode, {0}, {}}, store);
    ASSERT_TRUE(again.ok()) << again.status();
    (*again)->Shutdown();
    EXPECT_FALSE(std::filesystem::exists(socket)) << "removed on shutdown";
  }
  const auto regular = dir.path() / "not-a-socket";
  ASSERT_TRUE(WriteFileAtomically(regular, "data").ok());
  EXPECT_TRUE(absl::IsFailedPrecondition(
      agent::WorkloadApiServer::Start(regular, agent::WorkloadApiAccess{}, store).status()));
  EXPECT_EQ(ReadFileToString(regular).value(), "data") << "never deleted";
}

}  // namespace
}  // namespace svidd::testing
