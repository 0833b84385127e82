#include "svidd/ledger/event_chain.h"

#include <cstdint>

#include "absl/strings/str_cat.h"
#include "svidd/common/status_macros.h"
#include "svidd/common/time_format.h"
#include "svidd/crypto/digest.h"

namespace svidd::ledger {
namespace {

// Builds the framed encoding described in event_chain.h.
class Frames {
 public:
  explicit Frames(std::string_view label) { Bytes(label); }
  Frames& Bytes(std::string_view bytes) {
    BigEndian(static_cast<uint64_t>(bytes.size()));
    out_.append(bytes);
    return *this;
  }
  Frames& Int(int64_t value) {
    BigEndian(8);
    BigEndian(static_cast<uint64_t>(value));
    return *this;
  }
  Frames& Time(TimePoint t) { return Int(ToUnixSeconds(t)); }
  // A digest or hash given as hex, framed as its raw bytes.
  absl::Status Digest(std::string_view hex, const char* what) {
    absl::StatusOr<std::string> raw = crypto::DecodeHex(hex);
    if (!raw.ok() || raw->size() != crypto::kSha256Size) {
      return absl::InvalidArgumentError(
          absl::StrCat(what, " is not a SHA-256 in hex: \"", std::string(hex.substr(0, 80)), "\""));
    }
    Bytes(*raw);
    return absl::OkStatus();
  }
  const std::string& encoded() const { return out_; }

 private:
  void BigEndian(uint64_t v) {
    for (int shift = 56; shift >= 0; shift -= 8) out_.push_back(static_cast<char>(v >> shift));
  }
  std::string out_;
};

}  // namespace

const char kGenesisHash[] = "0000000000000000000000000000000000000000000000000000000000000000";

const char* EventKindName(EventKind kind) {
  return kind == EventKind::kIssued ? "issued" : "revoked";
}

absl::StatusOr<std::string> IssuanceDigest(const CertificateRecord& r) {
  Frames f("svidd.ledger.issuance.v1");
  f.Bytes(r.serial_hex).Bytes(r.spiffe_id).Bytes(CertKindName(r.kind));
  f.Time(r.issued_at).Time(r.not_before).Time(r.not_after);
  f.Bytes(r.issuer_serial_hex).Bytes(r.issuer_subject).Bytes(r.public_key_sha256);
  f.Bytes(r.key_type).Bytes(r.auth_method).Bytes(r.auth_principal);
  f.Bytes(r.certificate_pem).Bytes(r.supersedes_serial_hex);
  return crypto::Sha256Hex(f.encoded());
}

absl::StatusOr<std::string> RevocationDigest(std::string_view serial_hex, TimePoint revoked_at,
                                             std::string_view reason) {
  Frames f("svidd.ledger.revocation.v1");
  f.Bytes(serial_hex).Time(revoked_at).Bytes(reason);
  return crypto::Sha256Hex(f.encoded());
}

absl::StatusOr<std::string> EventHash(const LedgerEvent& e) {
  Frames f("svidd.ledger.event.v1");
  SVIDD_RETURN_IF_ERROR(f.Digest(e.prev_hash, "prev_hash"));
  f.Int(e.seq).Bytes(EventKindName(e.kind)).Bytes(e.serial_hex).Time(e.at);
  SVIDD_RETURN_IF_ERROR(f.Digest(e.content_sha256, "content_sha256"));
  return crypto::Sha256Hex(f.encoded());
}

absl::StatusOr<std::string> CheckpointMessage(int64_t event_seq, std::string_view head_hash,
                                              TimePoint signed_at) {
  Frames f("svidd.ledger.checkpoint.v1");
  f.Int(event_seq);
  SVIDD_RETURN_IF_ERROR(f.Digest(head_hash, "head_hash"));
  f.Time(signed_at);
  return f.encoded();
}

}  // namespace svidd::ledger
