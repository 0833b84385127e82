#include "ledger/checkpoint_checker.h"

#include "absl/strings/str_cat.h"
#include "pki/chain_verifier.h"
#include "svidd/common/status_macros.h"
#include "svidd/common/time_format.h"
#include "svidd/crypto/pem.h"
#include "svidd/crypto/signature.h"
#include "svidd/crypto/x509_fields.h"
#include "svidd/ledger/event_chain.h"

namespace svidd::ledger::internal {
namespace {

LedgerBreak Broken(BreakKind kind, std::string detail) {
  LedgerBreak b;
  b.kind = kind;
  b.detail = std::move(detail);
  return b;
}

}  // namespace

const absl::StatusOr<std::vector<crypto::X509Ptr>>& CheckpointChecker::SignerChain(
    const std::string& pem) {
  auto it = chains_.find(pem);
  if (it == chains_.end()) it = chains_.emplace(pem, crypto::ParseCertificatesPem(pem)).first;
  return it->second;
}

absl::StatusOr<std::optional<LedgerBreak>> CheckpointChecker::Check(
    const LedgerCheckpoint& checkpoint) {
  const absl::StatusOr<std::vector<crypto::X509Ptr>>& chain =
      SignerChain(checkpoint.signer_chain_pem);
  if (!chain.ok()) {
    return Broken(
        BreakKind::kUntrustedSigner,
        absl::StrCat("the signer certificate cannot be read: ", chain.status().message()));
  }
  pki::internal::ChainCheck check;
  check.leaf = chain->front().get();
  for (size_t i = 1; i < chain->size(); ++i) check.untrusted.push_back((*chain)[i].get());
  check.roots = &roots_;
  check.at = checkpoint.signed_at;
  absl::Status trusted =
      pki::internal::VerifyChain(check, absl::StatusCode::kPermissionDenied,
                                 absl::StrCat("signer \"", crypto::SubjectString(check.leaf),
                                              "\" at ", FormatRfc3339(checkpoint.signed_at)));
  if (absl::IsPermissionDenied(trusted)) {
    return Broken(BreakKind::kUntrustedSigner,
                  absl::StrCat("not signed under the trust bundle: ", trusted.message()));
  }
  SVIDD_RETURN_IF_ERROR(trusted);
  return CheckSignature(checkpoint, check.leaf);
}

absl::StatusOr<std::optional<LedgerBreak>> CheckpointChecker::CheckSignature(
    const LedgerCheckpoint& checkpoint, const X509* signer) {
  const EVP_PKEY* key = X509_get0_pubkey(signer);
  if (key == nullptr) {
    crypto::ClearOpenSslErrors();
    return Broken(BreakKind::kBadSignature, "the signer certificate's key cannot be read");
  }
  absl::StatusOr<std::string> algorithm = crypto::SignatureAlgorithmName(key);
  if (!algorithm.ok() || *algorithm != checkpoint.algorithm) {
    return Broken(BreakKind::kBadSignature,
                  absl::StrCat("the checkpoint names algorithm \"", checkpoint.algorithm,
                               "\" but its signer's key signs with \"",
                               algorithm.ok() ? *algorithm : "nothing known", "\""));
  }
  absl::StatusOr<std::string> message =
      CheckpointMessage(checkpoint.event_seq, checkpoint.head_hash, checkpoint.signed_at);
  if (!message.ok())
    return Broken(BreakKind::kBadSignature, std::string(message.status().message()));
  absl::Status verified = crypto::VerifyMessageSignature(key, *message, checkpoint.signature);
  if (absl::IsUnauthenticated(verified)) {
    return Broken(BreakKind::kBadSignature,
                  absl::StrCat("the signature does not verify with the key of \"",
                               crypto::SubjectString(signer), "\""));
  }
  SVIDD_RETURN_IF_ERROR(verified);
  return std::nullopt;
}

}  // namespace svidd::ledger::internal
