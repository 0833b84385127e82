// svidd.v1.AdminService requests as the service sees them, without the network: the first
// byte picks the method, the rest is parsed as that method's request message; then what the
// handler does with it: the request as JSON for the audit row, the request → operator-type
// mapping (admin_proto), and, for the read-only methods, the operator query on a real ledger
// holding a realistic fleet. Authorisation is not fuzzed here (it reads the TLS peer).
#include <google/protobuf/util/json_util.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>

#include "fuzz/fuzz_ca.h"
#include "support/fleet/test_fleet.h"
#include "svidd/api/admin_proto.h"
#include "svidd/operator/operator_input.h"
#include "svidd/operator/operator_service.h"
#include "svidd/v1/admin.pb.h"

namespace {

namespace pb = svidd::v1;

struct Fixture {
  svidd::fuzzing::FuzzCa ca;
  std::unique_ptr<svidd::ops::OperatorService> operations;
  Fixture() {
    if (!svidd::testing::BuildTestFleet(ca.ledger(), *ca.authority(), svidd::fuzzing::FuzzNow())
             .ok()) {
      std::abort();
    }
    svidd::ops::OperatorServiceOptions options;
    options.ca = [] {
      return absl::StatusOr<svidd::ops::CaSnapshot>(absl::UnavailableError("none"));
    };
    operations = std::make_unique<svidd::ops::OperatorService>(ca.ledger(), options, ca.clock());
  }
};

Fixture& TheFixture() {
  static Fixture* fixture = new Fixture();  // lives to the end of the process
  return *fixture;
}

// What AdminService::Serve logs as the call's arguments.
void AsAuditJson(const google::protobuf::Message& request) {
  std::string json;
  google::protobuf::util::JsonPrintOptions options;
  options.preserve_proto_field_names = true;
  (void)google::protobuf::util::MessageToJsonString(request, &json, options);
}

template <typename Request>
bool Parse(Request& request, const uint8_t* data, size_t size) {
  if (!request.ParseFromArray(data, static_cast<int>(size))) return false;
  AsAuditJson(request);
  return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  Fixture& f = TheFixture();
  const uint8_t method = data[0] % 7;
  ++data;
  --size;
  switch (method) {
    case 0: {
      pb::ListCertificatesRequest request;
      if (!Parse(request, data, size)) return 0;
      auto filter = svidd::api::FromProto(request);
      if (filter.ok()) (void)f.operations->ListCertificates(*filter);
      break;
    }
    case 1: {
      pb::GetCertificateRequest request;
      if (!Parse(request, data, size)) return 0;
      (void)f.operations->GetCertificate(request.serial());
      break;
    }
    case 2: {
      pb::RevokeCertificatesRequest request;  // mapped only: revoking would change the fleet
      if (!Parse(request, data, size)) return 0;
      (void)svidd::api::FromProto(request);
      break;
    }
    case 3: {
      pb::ListIdentitiesRequest request;
      if (!Parse(request, data, size)) return 0;
      auto filter = svidd::api::FromProto(request, f.ca.clock().Now());
      if (filter.ok()) (void)f.operations->ListIdentities(*filter);
      break;
    }
    case 4: {
      pb::GetStatsRequest request;
      if (!Parse(request, data, size)) return 0;
      (void)f.operations->Stats(svidd::api::EvaluatedAt(request));
      break;
    }
    case 5: {
      pb::RunAuditRequest request;  // the audit itself reads key files: only the mapping
      if (!Parse(request, data, size)) return 0;
      (void)svidd::api::EvaluatedAt(request);
      break;
    }
    case 6: {
      pb::ReissueRequest request;
      if (!Parse(request, data, size)) return 0;
      (void)svidd::ops::ParseOperatorSerial(request.issuer_serial(), "issuer serial");
      break;
    }
  }
  return 0;
}
