// A real test CA for the agent's tests (svidd's own Authority, bootstrapped at `now`), and
// the SVIDs and server certificates it issues.
#pragma once

#include <filesystem>
#include <memory>
#include <string>

#include "support/ledger/temp_dir.h"
#include "svidd/agent/x509_bundle.h"
#include "svidd/agent/x509_svid.h"
#include "svidd/pki/authority.h"

namespace svidd::testing {

constexpr char kAgentId[] = "spiffe://cluster.local/ns/foo/sa/bar";

class AgentTestPki {
 public:
  explicit AgentTestPki(TimePoint now);

  const pki::Authority& authority() const { return *authority_; }
  std::string roots_pem() const { return authority_->root_bundle_pem(); }
  std::shared_ptr<const agent::X509Bundle> bundle(uint64_t sequence = 1) const;

  // A leaf for `key` (a fresh EC P-256 key if null) valid over [now, now + ttl].
  std::shared_ptr<const agent::X509Svid> IssueSvid(const std::string& id, TimePoint now,
                                                   std::chrono::seconds ttl,
                                                   crypto::EvpPkeyPtr key = nullptr) const;
  // A certificate for `key`, as the PEM chain svidd would send: leaf, then intermediates.
  std::string IssueChainPem(const std::string& id, TimePoint now, std::chrono::seconds ttl,
                            const crypto::PublicKeyInfo& key) const;

  // Serving certificate for DNS "localhost": PEM chain and key.
  std::string server_chain_pem() const { return server_chain_pem_; }
  std::string server_key_pem() const { return server_key_pem_; }

 private:
  std::shared_ptr<const pki::Authority> authority_;
  std::string server_chain_pem_, server_key_pem_;
};

}  // namespace svidd::testing
