// Whether a checkpoint is the CA's: its signer chains to the trust bundle (at the time it
// signed), its algorithm is the one the signer's key signs with, and its signature verifies.
// Without the trust bundle anyone could re-sign a rewritten chain with a key of their own.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "svidd/crypto/ssl_ptr.h"
#include "svidd/ledger/ledger_event.h"
#include "svidd/ledger/ledger_verification.h"

namespace svidd::ledger::internal {

class CheckpointChecker {
 public:
  // `roots` must outlive the checker.
  explicit CheckpointChecker(const std::vector<crypto::X509Ptr>& roots) : roots_(roots) {}

  // nullopt if authentic; else a kUntrustedSigner or kBadSignature break with its detail
  // (the caller says where). An error only if the check itself could not run.
  absl::StatusOr<std::optional<LedgerBreak>> Check(const LedgerCheckpoint& checkpoint);

 private:
  // Parsed once per distinct PEM: svidd signs with one CA for long stretches.
  const absl::StatusOr<std::vector<crypto::X509Ptr>>& SignerChain(const std::string& pem);
  absl::StatusOr<std::optional<LedgerBreak>> CheckSignature(const LedgerCheckpoint& checkpoint,
                                                            const X509* signer);

  const std::vector<crypto::X509Ptr>& roots_;
  std::map<std::string, absl::StatusOr<std::vector<crypto::X509Ptr>>> chains_;
};

}  // namespace svidd::ledger::internal
