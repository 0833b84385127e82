// Recomputes a ledger file's hash chain and every content digest against the certificate
// rows and their revocation state, checks every signed checkpoint (hash at its seq,
// signature, signer under the trust bundle) and ledger-head.json, and reports the first
// place where it breaks. Read-only: safe while svidd runs.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "svidd/crypto/ssl_ptr.h"
#include "svidd/ledger/ledger_verification.h"

namespace svidd {

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
  // of it is copied into a private SQLite file and walked there (pg_snapshot_copy.h).
  std::string ledger_uri;

  // Each of the above where svidd keeps it: in `data_dir`, and the bundle in `ca_dir`.
  static LedgerVerifierOptions ForDataDir(const std::filesystem::path& data_dir,
                                          const std::filesystem::path& ca_dir);
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
  LedgerVerifier(LedgerVerifierOptions options, std::vector<X509Ptr> roots)
      : options_(std::move(options)), roots_(std::move(roots)) {}

  LedgerVerifierOptions options_;
  std::vector<X509Ptr> roots_;
};

}  // namespace svidd
