// A read-only, consistent view of a ledger file for verification: one connection holding
// one read transaction (WAL lets svidd keep writing meanwhile), and the queries the
// verifier needs. Lookups by serial use the schema's indexes; the searches that scan whole
// tables run only once a break has been found, or once per verification.
#pragma once

#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "ledger/sqlite_connection.h"
#include "ledger/sqlite_handle.h"
#include "svidd/ledger/certificate_record.h"
#include "svidd/ledger/ledger_event.h"

namespace svidd::ledger::internal {

// A certificates row that no event covers.
struct UncoveredCertificate {
  int64_t seq = 0;
  std::string serial_hex;
  bool issuance_missing = false;  // else: revoked without a revocation event
};

class ChainSnapshot {
 public:
  // NOT_FOUND if there is no file; FAILED_PRECONDITION if its schema is not this binary's.
  // `map_file`: read the file through mmap, for a walk that reads every page; a check that
  // reads a few thousand rows scattered over the file (start-up) is faster through SQLite's
  // page cache, as each first touch of a mapped page is a page fault.
  static absl::StatusOr<std::unique_ptr<ChainSnapshot>> Open(const std::filesystem::path& path,
                                                             bool map_file);
  ~ChainSnapshot();  // ends the read transaction
  ChainSnapshot(const ChainSnapshot&) = delete;
  ChainSnapshot& operator=(const ChainSnapshot&) = delete;

  // Ends whatever query runs (it fails with SQLITE_INTERRUPT) once `*stop` returns true,
  // asked every so many SQLite steps: the whole-table searches of a full walk take seconds at
  // a million rows. `stop` must outlive the snapshot.
  void InterruptWhen(const std::function<bool()>* stop);

  // Cursors over the events after seq `after` (by seq) and the checkpoints (by event_seq, then
  // id): every one, or those for events after `after`.
  absl::StatusOr<Statement> Events(int64_t after = 0);
  absl::StatusOr<Statement> Checkpoints(std::optional<int64_t> after = std::nullopt);
  // A cursor over the revocation events at or before seq `up_to`, by seq (the partial index
  // of migration 0009: as many rows as revocations, whatever the log's length).
  absl::StatusOr<Statement> RevocationEvents(int64_t up_to);

  // The last event's seq and stored hash, or nullopt for an empty log.
  absl::StatusOr<std::optional<ChainHead>> LastEvent();
  // The stored hash of event `seq`, or nullopt if there is none.
  absl::StatusOr<std::optional<std::string>> EventHashAt(int64_t seq);
  // The newest checkpoint for an event at or before `seq` (highest event_seq, then id), or
  // nullopt. Its row id in `id`. DATA_LOSS if it cannot be read.
  absl::StatusOr<std::optional<LedgerCheckpoint>> NewestCheckpointUpTo(int64_t seq, int64_t& id);
  // Whether a stored checkpoint equals `c` (seq, hash, time and signature).
  absl::StatusOr<bool> HasCheckpoint(const LedgerCheckpoint& c);
  // certificates.seq of the row the last issuance event at or before `seq` vouches for; 0 if
  // there is none (or its row is gone).
  absl::StatusOr<int64_t> LastIssuedCertificateSeqUpTo(int64_t seq);

  // The certificates row with `serial_hex`, or nullopt. DATA_LOSS if it cannot be read.
  absl::StatusOr<std::optional<CertificateRecord>> FindCertificate(const std::string& serial_hex);
  // certificates.seq of `serial_hex`, 0 if there is no such row.
  absl::StatusOr<int64_t> CertificateSeq(const std::string& serial_hex);
  // The lowest seq of an event whose stored hash is `hash`, or nullopt. Scans the log.
  absl::StatusOr<std::optional<int64_t>> FindEventWithHash(const std::string& hash);
  // The lowest seq after `after` of an event repeating the (serial, kind) of an earlier one,
  // or nullopt. Each event after `after` is one index lookup.
  absl::StatusOr<std::optional<int64_t>> FirstDuplicateEvent(int64_t after = 0);
  // The first certificates row (by seq) without its issuance or revocation event. Scans the
  // table.
  absl::StatusOr<std::optional<UncoveredCertificate>> FirstUncoveredCertificate();
  // The same over the rows after certificates.seq `after` and the revoked rows (a partial
  // index), without scanning the rest.
  absl::StatusOr<std::optional<UncoveredCertificate>> FirstUncoveredCertificateAfter(int64_t after);
  absl::StatusOr<int64_t> CountCertificates();

 private:
  ChainSnapshot(SqliteDbPtr db, Statement find_certificate)
      : db_(std::move(db)), find_certificate_(std::move(find_certificate)) {}
  sqlite3* db() const { return db_.get(); }
  // The first uncovered row among those `where` (" WHERE", or " WHERE <term> AND", with an
  // index hint before it) selects; ?1 bound to `bound` if given.
  absl::StatusOr<std::optional<UncoveredCertificate>> FirstUncovered(const std::string& where,
                                                                     std::optional<int64_t> bound);

  SqliteDbPtr db_;  // this snapshot's own connection: nobody else uses it
  Statement find_certificate_;
};

}  // namespace svidd::ledger::internal
