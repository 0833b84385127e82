#include "svidd/crypto/signature.h"

#include <gtest/gtest.h>

#include "svidd/crypto/keys.h"

namespace svidd::crypto {
namespace {

struct SignerCase {
  KeyType type;
  std::string algorithm;
};

TEST(SignatureTest, SignsAndVerifiesWithEveryCaKeyType) {
  const std::vector<SignerCase> cases = {{KeyType::kEcP256, "ecdsa-with-SHA256"},
                                         {KeyType::kEcP384, "ecdsa-with-SHA384"},
                                         {KeyType::kRsa2048, "sha256WithRSAEncryption"},
                                         {KeyType::kEd25519, "ED25519"}};
  for (const SignerCase& c : cases) {
    SCOPED_TRACE(KeyTypeName(c.type));
    EvpPkeyPtr key = GenerateKey(c.type).value();
    EXPECT_EQ(SignatureAlgorithmName(key.get()).value(), c.algorithm);
    const std::string signature = SignMessage(key.get(), "the head at seq 7").value();
    EXPECT_TRUE(VerifyMessageSignature(key.get(), "the head at seq 7", signature).ok());

    EXPECT_EQ(VerifyMessageSignature(key.get(), "the head at seq 8", signature).code(),
              absl::StatusCode::kUnauthenticated);
    std::string flipped = signature;
    flipped[flipped.size() / 2] ^= 0x01;
    EXPECT_EQ(VerifyMessageSignature(key.get(), "the head at seq 7", flipped).code(),
              absl::StatusCode::kUnauthenticated);
    EvpPkeyPtr other = GenerateKey(c.type).value();
    EXPECT_EQ(VerifyMessageSignature(other.get(), "the head at seq 7", signature).code(),
              absl::StatusCode::kUnauthenticated);
  }
}

TEST(SignatureTest, DigestFollowsTheKey) {
  EXPECT_EQ(SignatureDigestFor(GenerateKey(KeyType::kEcP256).value().get()), EVP_sha256());
  EXPECT_EQ(SignatureDigestFor(GenerateKey(KeyType::kEcP384).value().get()), EVP_sha384());
  EXPECT_EQ(SignatureDigestFor(GenerateKey(KeyType::kRsa2048).value().get()), EVP_sha256());
  EXPECT_EQ(SignatureDigestFor(GenerateKey(KeyType::kEd25519).value().get()), nullptr);
}

}  // namespace
}  // namespace svidd::crypto
