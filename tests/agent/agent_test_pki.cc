#include "agent/agent_test_pki.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include "support/pki/external_verify.h"
#include "svidd/crypto/keys.h"
#include "svidd/crypto/pem.h"
#include "svidd/pki/leaf_profile.h"

namespace svidd::testing {

AgentTestPki::AgentTestPki(TimePoint now) {
  authority_ = MakeTestAuthority(now).value();
  crypto::EvpPkeyPtr key = GenerateKey(crypto::KeyType::kEcP256).value();
  pki::LeafProfile profile =
      BuildLeafProfile(spiffe::SpiffeId::Parse("spiffe://cluster.local/svidd/server").value(),
                       std::chrono::hours(24), pki::TtlPolicy{}, now, authority_->not_after(),
                       {"localhost"})
          .value();
  server_chain_pem_ = authority_->SignLeaf(profile, key.get()).value().pem;
  for (const std::string& pem : authority_->chain_pem()) server_chain_pem_ += pem;
  server_key_pem_ = crypto::PrivateKeyToPkcs8Pem(key.get()).value();
}

std::shared_ptr<const agent::X509Bundle> AgentTestPki::bundle(uint64_t sequence) const {
  return agent::X509Bundle::Create("cluster.local", sequence, roots_pem(), {}).value();
}

std::string AgentTestPki::IssueChainPem(const std::string& id, TimePoint now,
                                        std::chrono::seconds ttl,
                                        const crypto::PublicKeyInfo& key) const {
  pki::TtlPolicy policy{ttl, ttl, std::chrono::seconds(0)};
  pki::LeafProfile profile = BuildLeafProfile(spiffe::SpiffeId::Parse(id).value(), ttl, policy, now,
                                              authority_->not_after())
                                 .value();
  std::string pem = authority_->SignLeaf(profile, key).value().pem;
  for (const std::string& intermediate : authority_->chain_pem()) pem += intermediate;
  return pem;
}

std::shared_ptr<const agent::X509Svid> AgentTestPki::IssueSvid(const std::string& id, TimePoint now,
                                                               std::chrono::seconds ttl,
                                                               crypto::EvpPkeyPtr key) const {
  if (key == nullptr) key = GenerateKey(crypto::KeyType::kEcP256).value();
  std::string pem = IssueChainPem(id, now, ttl, crypto::PublicKeyInfoOf(key.get()).value());
  return agent::X509Svid::Create(crypto::ParseCertificatesPem(pem).value(), std::move(key)).value();
}

}  // namespace svidd::testing
