// Recomputes a ledger file's hash chain and every content digest against the certificate
// rows and their revocation state, checks every signed checkpoint (hash at its seq,
// signature, signer under the trust bundle) and ledger-head.json, and reports the first
// place where it breaks. Read-only: safe while svidd runs. svidd's start-up runs it from the
// newest signed checkpoint on (VerificationScope); `svidctl ledger verify` and the audit walk
// the whole chain.
#pragma once

#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "svidd/crypto/ssl_ptr.h"
#include "svidd/ledger/ledger_verification.h"

namespace svidd::ledger {

// How much of the chain a verification recomputes.
enum class VerificationScope {
  // Every event from the first, every checkpoint, every certificates row.
  kFull,
  // svidd's start-up: the newest checkpoint (for an event that exists) must be the CA's and
  // hold the stored hash of its event; the events before it are then trusted as signed, and
  // only the events after it are recomputed against their rows, with the checkpoints after
  // it. ledger-head.json, truncation behind any checkpoint, the revoked rows (each needs its
  // revocation event) and the certificates rows added after the trusted prefix are checked
  // as in kFull. An edit inside the signed prefix is left to kFull.
  kFromNewestCheckpoint,
};

// Whether ledger-head.json must exist once checkpoints do.
enum class HeadFilePolicy {
  kRequired,  // a SQLite ledger: the file beside it is svidd's own; gone is a break
  // A PostgreSQL ledger: each replica keeps its own copy in its data directory, and one
  // that never signed (or lost an emptyDir) has none. Absent is then neither a break nor a
  // warning, and a database restored from before the newest checkpoint is caught only by
  // a replica whose head file is newer (docs/ledger-integrity.md).
  kOptional,
};

struct LedgerVerifierOptions {
  std::filesystem::path ledger_path;  // <data-dir>/ledger.db
  // <data-dir>/ledger-head.json. Empty: no head file to check (a PostgreSQL ledger verified
  // without a replica's data directory); then its absence is neither a break nor a warning.
  std::filesystem::path head_file;
  std::filesystem::path trust_bundle;  // <ca-dir>/root-cert.pem: one or more roots
  // Roots svidd has dropped from the bundle after a root rotation (<data-dir>/
  // retired-roots.pem): older checkpoints were signed under them. Optional; absent is fine.
  std::filesystem::path retired_roots;

  // A PostgreSQL ledger (libpq URI) to verify instead of ledger_path: one consistent snapshot
  // of what the verification reads (all of it for kFull; from the newest checkpoint on for
  // kFromNewestCheckpoint) is copied into a private SQLite file in `scratch_dir` and walked
  // there (pg_snapshot_copy.h).
  std::string ledger_uri;
  // Where that copy goes (a new directory, removed afterwards). Required with ledger_uri or
  // walk_a_copy; never the system's temporary directory, which may be small or in memory.
  std::filesystem::path scratch_dir;
  // A SQLite ledger: walk a VACUUM INTO copy of it in `scratch_dir` instead of the live file
  // (scratch_copy.h). The read transaction on the live file then lasts as long as the copy,
  // not as long as the walk, so the WAL can start over meanwhile. Costs the ledger's size
  // in free disk space while it runs. svidd's background full walk sets it.
  bool walk_a_copy = false;

  HeadFilePolicy head_file_policy = HeadFilePolicy::kRequired;
  VerificationScope scope = VerificationScope::kFull;
  // Asked every few thousand rows (the walk, a PostgreSQL copy); true ends the verification
  // with CANCELLED. svidd's background walk stops with it at shutdown. Empty: never.
  std::function<bool()> stop_requested;

  // Each of the above where svidd keeps it: in `data_dir`, and the bundle in `ca_dir`.
  static LedgerVerifierOptions ForDataDir(const std::filesystem::path& data_dir,
                                          const std::filesystem::path& ca_dir);
  // The same for the ledger svidd and svidctl are configured with: the data directory's
  // SQLite file (`ledger_uri` empty), or the PostgreSQL ledger at `ledger_uri`, with the
  // data directory's head file optional and the directory as the scratch space.
  static LedgerVerifierOptions ForLedger(const std::filesystem::path& data_dir,
                                         const std::filesystem::path& ca_dir,
                                         const std::string& ledger_uri);
};

class LedgerVerifier {
 public:
  // Reads the trust bundle. NOT_FOUND / INVALID_ARGUMENT naming the file.
  static absl::StatusOr<LedgerVerifier> Create(LedgerVerifierOptions options);

  // Reads ledger-head.json first, then the database in one read transaction, so a checkpoint
  // svidd writes in between is never mistaken for a truncation. A broken ledger is an OK
  // result with first_break set; an error means the ledger could not be read at all.
  absl::StatusOr<LedgerVerification> Verify() const;

 private:
  LedgerVerifier(LedgerVerifierOptions options, std::vector<crypto::X509Ptr> roots)
      : options_(std::move(options)), roots_(std::move(roots)) {}

  LedgerVerifierOptions options_;
  std::vector<crypto::X509Ptr> roots_;
};

}  // namespace svidd::ledger
