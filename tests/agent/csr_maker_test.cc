// The agent's CSRs must pass svidd's own validator for every key type the agent offers.
#include "svidd/agent/csr_maker.h"

#include <gtest/gtest.h>

#include "svidd/crypto/keys.h"
#include "svidd/crypto/pem.h"
#include "svidd/pki/csr_validator.h"

namespace svidd::agent {
namespace {

TEST(CsrMakerTest, EveryAgentKeyTypePassesSviddsValidator) {
  struct Case {
    const char* name;
    crypto::KeyType type;
    const char* label;
  };
  const spiffe::SpiffeId id =
      spiffe::SpiffeId::Parse("spiffe://cluster.local/ns/foo/sa/bar").value();
  for (const Case& c : std::vector<Case>{{"ec-p256", crypto::KeyType::kEcP256, "EC-P256"},
                                         {"ec-p384", crypto::KeyType::kEcP384, "EC-P384"},
                                         {"rsa-2048", crypto::KeyType::kRsa2048, "RSA-2048"}}) {
    SCOPED_TRACE(c.name);
    crypto::EvpPkeyPtr key = GenerateKey(c.type).value();
    absl::StatusOr<std::string> pem = MakeIstioCsr(id, key.get());
    ASSERT_TRUE(pem.ok()) << pem.status();
    absl::StatusOr<pki::ValidatedCsr> validated = pki::ValidateCsr(*pem);
    ASSERT_TRUE(validated.ok()) << validated.status();
    EXPECT_EQ(validated->requested_id, id);
    EXPECT_EQ(validated->public_key.key.Label(), c.label);
    EXPECT_EQ(validated->public_key.der, crypto::PublicKeyToDer(key.get()).value());
  }
}

TEST(CsrMakerTest, IstioShapeEmptyOrganizationAndOneCriticalUriSan) {
  const spiffe::SpiffeId id = spiffe::SpiffeId::Parse("spiffe://example.org/ns/a/sa/b").value();
  crypto::EvpPkeyPtr key = GenerateKey(crypto::KeyType::kEcP256).value();
  crypto::X509ReqPtr req = crypto::ParseCsrPem(MakeIstioCsr(id, key.get()).value()).value();

  const X509_NAME* subject = X509_REQ_get_subject_name(req.get());
  ASSERT_EQ(X509_NAME_entry_count(subject), 1);
  const X509_NAME_ENTRY* entry = X509_NAME_get_entry(subject, 0);
  EXPECT_EQ(OBJ_obj2nid(X509_NAME_ENTRY_get_object(entry)), NID_organizationName);
  EXPECT_EQ(ASN1_STRING_length(X509_NAME_ENTRY_get_data(entry)), 0);

  crypto::ExtensionStackPtr extensions(X509_REQ_get_extensions(req.get()));
  ASSERT_EQ(sk_X509_EXTENSION_num(extensions.get()), 1);
  X509_EXTENSION* san = sk_X509_EXTENSION_value(extensions.get(), 0);
  EXPECT_EQ(OBJ_obj2nid(X509_EXTENSION_get_object(san)), NID_subject_alt_name);
  EXPECT_EQ(X509_EXTENSION_get_critical(san), 1);
}

TEST(CsrMakerTest, NoKeyIsRefused) {
  const spiffe::SpiffeId id = spiffe::SpiffeId::Parse("spiffe://example.org/ns/a/sa/b").value();
  EXPECT_TRUE(absl::IsInvalidArgument(MakeIstioCsr(id, nullptr).status()));
}

}  // namespace
}  // namespace svidd::agent
