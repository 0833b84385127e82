// The SQLite Ledger: one GroupCommitWriter through which every write goes (issuance records
// in group commits; revocations, refusal counts, admin audit rows and checkpoints each in a
// transaction of its own on the same connection), and a small pool of connections for
// reads. WAL lets readers run beside the writer. What it shares with the PostgreSQL ledger is
// in EngineLedger. Private; code outside src/ledger/ uses OpenSqliteLedger and the Ledger
// interface.
#pragma once

#include <filesystem>
#include <memory>
#include <string>

#include "ledger/engine_ledger.h"
#include "ledger/group_commit_writer.h"
#include "ledger/sqlite_connection.h"
#include "ledger/wal_checkpointer.h"
#include "svidd/ledger/ledger.h"
#include "svidd/ledger/sqlite_ledger.h"

namespace svidd::ledger::internal {

class SqliteLedger final : public EngineLedger<GroupCommitWriter> {
 public:
  static absl::StatusOr<std::unique_ptr<SqliteLedger>> Open(const std::filesystem::path& path,
                                                            const SqliteLedgerOptions& options);
  ~SqliteLedger() override;  // drains the writer's queue first

  absl::StatusOr<CertificateRecord> GetCertificate(std::string_view serial_hex) const override;
  absl::Status AddRefusalCounts(const std::vector<RefusalCount>& counts) override;
  absl::StatusOr<std::vector<RefusalCount>> ListRefusalCounts(TimePoint since) const override;
  absl::Status RecordAdminCall(const AdminCallRecord& call) override;
  absl::StatusOr<std::vector<AdminCallRecord>> ListAdminCalls(TimePoint since,
                                                              size_t limit) const override;
  absl::Status RevokeCertificate(std::string_view serial_hex, std::string_view reason,
                                 TimePoint at) override;
  absl::StatusOr<bool> IsRevoked(std::string_view serial_hex) const override;
  absl::StatusOr<ChainHead> GetChainHead() const override;
  // Zero for a read-only or in-memory ledger (no WAL).
  WalCheckpointStats wal_checkpoint_stats() const {
    return checkpointer_ == nullptr ? WalCheckpointStats{} : checkpointer_->stats();
  }
  absl::StatusOr<LedgerEvent> GetEvent(int64_t seq) const override;
  absl::StatusOr<std::vector<LedgerEvent>> ListEvents(const EventRange& range) const override;
  absl::StatusOr<std::optional<LedgerCheckpoint>> LatestCheckpoint() const override;
  absl::Status RecordCheckpoint(const LedgerCheckpoint& checkpoint) override;

 private:
  SqliteLedger(std::filesystem::path path, std::unique_ptr<ConnectionPool> readers,
               std::unique_ptr<GroupCommitWriter> writer,
               std::unique_ptr<WalCheckpointer> checkpointer)
      : EngineLedger(SqlDialect::kSqlite, path.string(), std::move(writer)),
        path_(std::move(path)),
        readers_(std::move(readers)),
        checkpointer_(std::move(checkpointer)) {}
  absl::Status Named(const absl::Status& status) const override;
  absl::Status WithReader(bool snapshot,
                          const std::function<absl::Status(ReadConnection&)>& body) const override;
  SqlFragment IdentitiesQuery(const IdentityFilter& filter) const override;

  const std::filesystem::path path_;
  std::unique_ptr<ConnectionPool> readers_;
  std::unique_ptr<WalCheckpointer> checkpointer_;  // absent read-only and in memory
};

}  // namespace svidd::ledger::internal
