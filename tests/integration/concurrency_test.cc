// Many callers at once: every one gets a certificate, every serial is unique, and every
// certificate returned is in the ledger.
#include <gtest/gtest.h>

#include <set>
#include <thread>

#include "integration/test_env.h"
#include "support/pki/csr_builder.h"
#include "svidd/crypto/pem.h"
#include "svidd/crypto/x509_fields.h"

namespace svidd::testing {
namespace {

TEST(ConcurrencyTest, TwoHundredConcurrentRequestsAllIssuedAndRecorded) {
  auto env = TestEnv::Start();
  ASSERT_NE(env, nullptr);
  constexpr int kRequests = 200;
  constexpr int kThreads = 20;
  auto stub = istio::v1::auth::IstioCertificateService::NewStub(env->Channel());
  // CSRs and tokens made up front so the requests really overlap.
  std::vector<std::string> csrs, tokens;
  for (int i = 0; i < kRequests; ++i) {
    std::string sa = "sa-" + std::to_string(i);
    csrs.push_back(BuildIstioCsr("spiffe://cluster.local/ns/load/sa/" + sa).value().pem);
    tokens.push_back(env->TokenFor("load", sa));
  }
  std::vector<std::string> serials(kRequests);
  std::vector<grpc::Status> statuses(kRequests);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = t; i < kRequests; i += kThreads) {
        grpc::ClientContext context;
        context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(60));
        context.AddMetadata("authorization", "Bearer " + tokens[i]);
        istio::v1::auth::IstioCertificateRequest request;
        request.set_csr(csrs[i]);
        istio::v1::auth::IstioCertificateResponse response;
        statuses[i] = stub->CreateCertificate(&context, request, &response);
        if (statuses[i].ok()) {
          serials[i] =
              crypto::SerialHex(crypto::ParseCertificatePem(response.cert_chain(0)).value().get());
        }
      }
    });
  }
  for (auto& t : threads) t.join();

  std::set<std::string> unique;
  for (int i = 0; i < kRequests; ++i) {
    ASSERT_TRUE(statuses[i].ok()) << i << ": " << statuses[i].error_message();
    unique.insert(serials[i]);
    auto record = env->server().ledger().GetCertificate(serials[i]);
    ASSERT_TRUE(record.ok()) << serials[i] << ": " << record.status();
    EXPECT_EQ(record->spiffe_id, "spiffe://cluster.local/ns/load/sa/sa-" + std::to_string(i));
  }
  EXPECT_EQ(unique.size(), static_cast<size_t>(kRequests));
  ledger::CertificateFilter workloads;
  auto all = env->server().ledger().ListCertificates(workloads);
  ASSERT_TRUE(all.ok());
  size_t workload_rows = 0;
  for (const auto& r : *all) workload_rows += r.kind == ledger::CertKind::kWorkload;
  EXPECT_EQ(workload_rows, static_cast<size_t>(kRequests));
}

}  // namespace
}  // namespace svidd::testing
