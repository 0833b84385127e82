// SPIFFE Workload API requests as the agent's service sees them: the real WorkloadApiServer
// over the agent's store (holding a real SVID and bundle), on a unix socket in a temporary
// directory, so every call passes the real SO_PEERCRED attestation (the fuzzer's own uid is
// the agent's, and allowed) and the request bytes are deserialised by gRPC exactly as from a
// workload. The first byte picks the method and whether the
// `workload.spiffe.io` security header is sent ("true", "false" or not at all); the rest is
// the request message as raw bytes. A stream is cancelled after its first answer.
#include <grpcpp/generic/generic_stub.h>
#include <grpcpp/grpcpp.h>
#include <grpcpp/support/client_callback.h>
#include <stdlib.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <future>
#include <memory>
#include <string>

#include "agent/agent_test_pki.h"
#include "fuzz/fuzz_fixture.h"
#include "svidd/agent/svid_store.h"
#include "svidd/agent/workload_api_server.h"

namespace {

constexpr const char* kMethods[] = {
    "/SpiffeWorkloadAPI/FetchX509SVID", "/SpiffeWorkloadAPI/FetchX509Bundles",
    "/SpiffeWorkloadAPI/FetchJWTSVID", "/SpiffeWorkloadAPI/FetchJWTBundles",
    "/SpiffeWorkloadAPI/ValidateJWTSVID"};
constexpr size_t kMethodCount = sizeof(kMethods) / sizeof(kMethods[0]);

struct Fixture {
  svidd::agent::SvidStore store;
  std::unique_ptr<svidd::agent::WorkloadApiServer> server;
  std::unique_ptr<grpc::GenericStub> stub;

  Fixture() {
    svidd::testing::AgentTestPki pki(svidd::fuzzing::FuzzNow());
    store.SetBoth(
        pki.IssueSvid(svidd::testing::kAgentId, svidd::fuzzing::FuzzNow(), std::chrono::hours(1)),
        pki.bundle());
    char pattern[] = "/tmp/svidd-fuzz-workload-api-XXXXXX";
    if (::mkdtemp(pattern) == nullptr) std::abort();
    const std::string socket = std::string(pattern) + "/agent.sock";
    auto started =
        svidd::agent::WorkloadApiServer::Start(socket, svidd::agent::WorkloadApiAccess{}, store);
    if (!started.ok()) std::abort();
    server = std::move(*started);
    stub = std::make_unique<grpc::GenericStub>(
        grpc::CreateChannel("unix:" + socket, grpc::InsecureChannelCredentials()));
  }
};

Fixture& TheFixture() {
  static Fixture* fixture = new Fixture();  // lives to the end of the process
  return *fixture;
}

// One call: writes the request, reads at most one answer, then cancels.
class Call final : public grpc::ClientBidiReactor<grpc::ByteBuffer, grpc::ByteBuffer> {
 public:
  Call(const uint8_t* data, size_t size) {
    grpc::Slice slice(data, size);
    request_ = grpc::ByteBuffer(&slice, 1);
  }
  grpc::ClientContext& context() { return context_; }
  grpc::Status Run(grpc::GenericStub& stub, const char* method) {
    stub.PrepareBidiStreamingCall(&context_, method, grpc::StubOptions(), this);
    StartWrite(&request_, grpc::WriteOptions().set_last_message());
    StartRead(&response_);
    StartCall();
    return done_.get_future().get();
  }
  void OnReadDone(bool ok) override {
    if (ok) context_.TryCancel();
  }
  void OnDone(const grpc::Status& status) override { done_.set_value(status); }

 private:
  grpc::ClientContext context_;
  grpc::ByteBuffer request_, response_;
  std::promise<grpc::Status> done_;
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  Fixture& f = TheFixture();
  const uint8_t selector = data[0];
  Call call(data + 1, size - 1);
  call.context().set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
  switch ((selector / kMethodCount) % 3) {
    case 0:
      call.context().AddMetadata("workload.spiffe.io", "true");
      break;
    case 1:
      call.context().AddMetadata("workload.spiffe.io", "false");
      break;
    default:
      break;
  }
  grpc::Status status = call.Run(*f.stub, kMethods[selector % kMethodCount]);
  // The guard holds: without the header nothing but a refusal comes back.
  if ((selector / kMethodCount) % 3 != 0 && status.error_code() == grpc::StatusCode::CANCELLED) {
    std::abort();  // cancelled = an answer was read
  }
  return 0;
}
