#include "svidd/ca/ledger_checkpointer.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "svidd/common/atomic_file.h"
#include "svidd/common/status_macros.h"
#include "svidd/common/time_format.h"
#include "svidd/crypto/signature.h"
#include "svidd/ledger/event_chain.h"
#include "svidd/ledger/head_file.h"

namespace svidd::ca {
namespace {

// A head file that cannot be parsed is evidence, not something to overwrite.
absl::StatusOr<std::optional<ledger::LedgerCheckpoint>> ReadHeadFileOrRefuse(
    const std::filesystem::path& path) {
  absl::StatusOr<std::optional<ledger::LedgerCheckpoint>> file = ledger::ReadHeadFile(path);
  if (absl::IsInvalidArgument(file.status())) {
    return absl::FailedPreconditionError(absl::StrCat(file.status().message(),
                                                      "; not signing over it. Run `svidctl ledger "
                                                      "verify`, then move the file away"));
  }
  return file;
}

}  // namespace

absl::Status LedgerCheckpointer::MaybeCheckpoint(const pki::Authority& authority, TimePoint now) {
  MutexLock lock(&mu_);
  if (last_signed_.has_value() && now - *last_signed_ < options_.min_interval) {
    return absl::OkStatus();
  }
  return CheckpointLocked(authority, now);
}

absl::Status LedgerCheckpointer::Checkpoint(const pki::Authority& authority, TimePoint now) {
  SVIDD_RETURN_IF_ERROR(ledger_.CheckWritable());
  MutexLock lock(&mu_);
  return CheckpointLocked(authority, now);
}

void LedgerCheckpointer::AcceptCurrentChain() {
  MutexLock lock(&mu_);
  loaded_ = true;
  last_.reset();
}

std::optional<ledger::LedgerCheckpoint> LedgerCheckpointer::last() const {
  MutexLock lock(&mu_);
  return last_;
}

absl::Status LedgerCheckpointer::CheckpointLocked(const pki::Authority& authority, TimePoint now) {
  if (!loaded_) SVIDD_RETURN_IF_ERROR(LoadLast());
  SVIDD_ASSIGN_OR_RETURN(ledger::ChainHead head, ledger_.GetChainHead());
  if (head.seq == 0) return absl::OkStatus();  // nothing recorded yet
  if (last_.has_value() && last_->event_seq == head.seq && last_->head_hash == head.hash) {
    return absl::OkStatus();  // has not moved
  }
  SVIDD_RETURN_IF_ERROR(CheckExtendsLast(head));
  SVIDD_ASSIGN_OR_RETURN(ledger::LedgerCheckpoint checkpoint, Sign(authority, head, now));
  SVIDD_RETURN_IF_ERROR(ledger_.RecordCheckpoint(checkpoint));
  // Database first, then the file: a crash in between leaves the file behind (a warning),
  // never ahead of the database (which would read as a truncation).
  SVIDD_RETURN_IF_ERROR(WriteFileAtomically(options_.head_file, HeadFileJson(checkpoint), 0644));
  last_ = std::move(checkpoint);
  last_signed_ = now;
  return absl::OkStatus();
}

// The newer of the ledger's latest checkpoint and the head file's.
absl::Status LedgerCheckpointer::LoadLast() {
  SVIDD_ASSIGN_OR_RETURN(std::optional<ledger::LedgerCheckpoint> stored,
                         ledger_.LatestCheckpoint());
  SVIDD_ASSIGN_OR_RETURN(std::optional<ledger::LedgerCheckpoint> file,
                         ReadHeadFileOrRefuse(options_.head_file));
  last_ = stored;
  if (file.has_value() && (!last_.has_value() || file->event_seq > last_->event_seq)) {
    last_ = std::move(file);
  }
  loaded_ = true;
  return absl::OkStatus();
}

absl::Status LedgerCheckpointer::CheckExtendsLast(const ledger::ChainHead& head) const {
  if (!last_.has_value()) return absl::OkStatus();
  const std::string refusal = absl::StrCat("not signing the ledger head (seq ", head.seq,
                                           "): the checkpoint of seq ", last_->event_seq);
  if (head.seq < last_->event_seq) {
    return absl::FailedPreconditionError(
        absl::StrCat(refusal, " is beyond it, so the ledger was truncated"));
  }
  absl::StatusOr<ledger::LedgerEvent> signed_event = ledger_.GetEvent(last_->event_seq);
  if (absl::IsNotFound(signed_event.status())) {
    return absl::FailedPreconditionError(absl::StrCat(refusal, " names an event that is gone"));
  }
  SVIDD_RETURN_IF_ERROR(signed_event.status());
  if (signed_event->hash != last_->head_hash) {
    return absl::FailedPreconditionError(
        absl::StrCat(refusal, " no longer matches the chain, which was rewritten"));
  }
  return absl::OkStatus();
}

absl::StatusOr<ledger::LedgerCheckpoint> LedgerCheckpointer::Sign(const pki::Authority& authority,
                                                                  const ledger::ChainHead& head,
                                                                  TimePoint now) const {
  ledger::LedgerCheckpoint c;
  c.event_seq = head.seq;
  c.head_hash = head.hash;
  c.signed_at = FromUnixSeconds(ToUnixSeconds(now));  // what is stored and signed
  c.signer_chain_pem = absl::StrJoin(authority.chain_pem(), "");
  SVIDD_ASSIGN_OR_RETURN(c.algorithm, crypto::SignatureAlgorithmName(authority.signing_key()));
  SVIDD_ASSIGN_OR_RETURN(std::string message,
                         ledger::CheckpointMessage(c.event_seq, c.head_hash, c.signed_at));
  SVIDD_ASSIGN_OR_RETURN(c.signature, crypto::SignMessage(authority.signing_key(), message));
  return c;
}

}  // namespace svidd::ca
