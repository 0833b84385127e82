// Server reflection answers over the same TLS port, so tools (grpcurl, grpc_cli, Postman)
// can discover svidd's services. The client side is built from the descriptors gRPC's own
// reflection library registers, driven through a generic stub.
#include <google/protobuf/descriptor.h>
#include <google/protobuf/dynamic_message.h>
#include <grpcpp/generic/generic_stub.h>
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include <set>

#include "integration/test_env.h"

namespace svidd::testing {
namespace {

namespace pb = google::protobuf;

// One request/response exchange on a bidi stream, driven on a completion queue.
bool Exchange(grpc::GenericStub& stub, const std::string& method, const grpc::ByteBuffer& request,
              grpc::ByteBuffer* response) {
  grpc::CompletionQueue cq;
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(20));
  auto call = stub.PrepareCall(&context, method, &cq);
  void* tag;
  bool ok = false;
  auto step = [&](int expected) {
    return cq.Next(&tag, &ok) && ok && tag == reinterpret_cast<void*>(expected);
  };
  call->StartCall(reinterpret_cast<void*>(1));
  if (!step(1)) return false;
  call->Write(request, reinterpret_cast<void*>(2));
  if (!step(2)) return false;
  call->Read(response, reinterpret_cast<void*>(3));
  if (!step(3)) return false;
  call->WritesDone(reinterpret_cast<void*>(4));
  step(4);
  grpc::Status status;
  call->Finish(&status, reinterpret_cast<void*>(5));
  step(5);
  cq.Shutdown();
  while (cq.Next(&tag, &ok)) {
  }
  return true;
}

TEST(ReflectionTest, ListsIstioAndSviddServices) {
  auto env = TestEnv::Start();
  ASSERT_NE(env, nullptr);
  const pb::DescriptorPool* pool = pb::DescriptorPool::generated_pool();
  const pb::Descriptor* request_type =
      pool->FindMessageTypeByName("grpc.reflection.v1alpha.ServerReflectionRequest");
  const pb::Descriptor* response_type =
      pool->FindMessageTypeByName("grpc.reflection.v1alpha.ServerReflectionResponse");
  ASSERT_NE(request_type, nullptr) << "gRPC's reflection library is not linked";
  ASSERT_NE(response_type, nullptr);
  pb::DynamicMessageFactory factory(pool);
  std::unique_ptr<pb::Message> request(factory.GetPrototype(request_type)->New());
  request->GetReflection()->SetString(request.get(), request_type->FindFieldByName("list_services"),
                                      "*");
  std::string wire;
  ASSERT_TRUE(request->SerializeToString(&wire));
  grpc::Slice slice(wire);
  grpc::ByteBuffer buffer(&slice, 1);

  grpc::GenericStub stub(env->Channel());
  grpc::ByteBuffer reply;
  ASSERT_TRUE(Exchange(stub, "/grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo",
                       buffer, &reply));
  std::vector<grpc::Slice> slices;
  ASSERT_TRUE(reply.Dump(&slices).ok());
  std::string bytes;
  for (const auto& s : slices) bytes.append(reinterpret_cast<const char*>(s.begin()), s.size());
  std::unique_ptr<pb::Message> response(factory.GetPrototype(response_type)->New());
  ASSERT_TRUE(response->ParseFromString(bytes));

  const pb::Reflection* r = response->GetReflection();
  const pb::Message& list =
      r->GetMessage(*response, response_type->FindFieldByName("list_services_response"));
  const pb::FieldDescriptor* service_field = list.GetDescriptor()->FindFieldByName("service");
  std::set<std::string> names;
  for (int i = 0; i < list.GetReflection()->FieldSize(list, service_field); ++i) {
    const pb::Message& service = list.GetReflection()->GetRepeatedMessage(list, service_field, i);
    names.insert(service.GetReflection()->GetString(
        service, service.GetDescriptor()->FindFieldByName("name")));
  }
  EXPECT_TRUE(names.count("istio.v1.auth.IstioCertificateService"))
      << ::testing::PrintToString(names);
  EXPECT_TRUE(names.count("svidd.v1.RotationService"));
  EXPECT_TRUE(names.count("grpc.health.v1.Health"));
}

}  // namespace
}  // namespace svidd::testing
