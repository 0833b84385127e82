#include "ledger/chain_appender.h"

#include "absl/strings/str_cat.h"
#include "svidd/common/status_macros.h"
#include "svidd/ledger/event_chain.h"

namespace svidd::ledger::internal {

void ChainAppender::StartFrom(ChainHead head) {
  head_ = std::move(head);
  head_known_ = true;
}

absl::Status ChainAppender::AppendNewRecord(const CertificateRecord& record) {
  SVIDD_RETURN_IF_ERROR(AppendIssuance(record));
  if (record.status != CertStatus::kRevoked) return absl::OkStatus();
  return AppendRevocation(record.serial_hex, record.revoked_at.value_or(record.issued_at),
                          record.revocation_reason);
}

absl::Status ChainAppender::AppendIssuance(const CertificateRecord& record) {
  SVIDD_ASSIGN_OR_RETURN(std::string digest, IssuanceDigest(record));
  return Append(EventKind::kIssued, record.serial_hex, record.issued_at, std::move(digest));
}

absl::Status ChainAppender::AppendRevocation(std::string_view serial_hex, TimePoint revoked_at,
                                             std::string_view reason) {
  SVIDD_ASSIGN_OR_RETURN(std::string digest, RevocationDigest(serial_hex, revoked_at, reason));
  return Append(EventKind::kRevoked, serial_hex, revoked_at, std::move(digest));
}

absl::Status ChainAppender::Append(EventKind kind, std::string_view serial_hex, TimePoint at,
                                   std::string content_sha256) {
  if (!head_known_) return absl::InternalError("event appended before the chain head was read");
  LedgerEvent e{head_.seq + 1, kind, std::string(serial_hex), at, std::move(content_sha256),
                head_.hash,    ""};
  SVIDD_ASSIGN_OR_RETURN(e.hash, EventHash(e));
  absl::Status status = InsertEvent(e);
  if (!status.ok()) {
    return absl::Status(status.code(),
                        absl::StrCat("appending the ", EventKindName(kind), " event of ",
                                     e.serial_hex, ": ", status.message()));
  }
  head_ = ChainHead{e.seq, e.hash};
  return absl::OkStatus();
}

}  // namespace svidd::ledger::internal
