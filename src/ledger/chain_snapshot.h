// A read-only, consistent view of a ledger file for verification: one connection holding
// one read transaction (WAL lets svidd keep writing meanwhile), and the queries the
// verifier needs. Lookups by serial use the schema's indexes; the searches that scan whole
// tables run only once a break has been found, or once per verification.
#pragma once

#include <filesystem>
#include <memory>
#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "ledger/sqlite_connection.h"
#include "ledger/sqlite_handle.h"
#include "svidd/ledger/certificate_record.h"

namespace svidd::internal {

// A certificates row that no event covers.
struct UncoveredCertificate {
  int64_t seq = 0;
  std::string serial_hex;
  bool issuance_missing = false;  // else: revoked without a revocation event
};

class ChainSnapshot {
 public:
  // NOT_FOUND if there is no file; FAILED_PRECONDITION if its schema is not this binary's.
  static absl::StatusOr<std::unique_ptr<ChainSnapshot>> Open(const std::filesystem::path& path);
  ~ChainSnapshot();  // ends the read transaction
  ChainSnapshot(const ChainSnapshot&) = delete;
  ChainSnapshot& operator=(const ChainSnapshot&) = delete;

  // Cursors over every event (by seq) and every checkpoint (by event_seq, then id).
  absl::StatusOr<Statement> Events();
  absl::StatusOr<Statement> Checkpoints();

  // The certificates row with `serial_hex`, or nullopt. DATA_LOSS if it cannot be read.
  absl::StatusOr<std::optional<CertificateRecord>> FindCertificate(const std::string& serial_hex);
  // certificates.seq of `serial_hex`, 0 if there is no such row.
  absl::StatusOr<int64_t> CertificateSeq(const std::string& serial_hex);
  // The lowest seq of an event whose stored hash is `hash`, or nullopt. Scans the log.
  absl::StatusOr<std::optional<int64_t>> FindEventWithHash(const std::string& hash);
  // The lowest seq of an event repeating the (serial, kind) of an earlier one, or nullopt.
  absl::StatusOr<std::optional<int64_t>> FirstDuplicateEvent();
  // The first certificates row (by seq) without its issuance or revocation event.
  absl::StatusOr<std::optional<UncoveredCertificate>> FirstUncoveredCertificate();
  absl::StatusOr<int64_t> CountCertificates();

 private:
  ChainSnapshot(std::shared_ptr<Connection> connection, Statement find_certificate)
      : connection_(std::move(connection)), find_certificate_(std::move(find_certificate)) {}
  sqlite3* db() const { return connection_->db.get(); }

  std::shared_ptr<Connection> connection_;
  Statement find_certificate_;
};

}  // namespace svidd::internal
