// The PostgreSQL Ledger: a PgGroupCommitWriter for issuance records, a small pool of
// connections for reads, revocations, checkpoints and operator records. What it shares with
// the SQLite ledger is in EngineLedger. Private; code outside src/ledger/ uses
// OpenPostgresLedger and the Ledger interface.
#pragma once

#include <memory>
#include <string>

#include "ledger/engine_ledger.h"
#include "ledger/pg_connection.h"
#include "ledger/pg_group_commit_writer.h"
#include "svidd/ledger/ledger.h"
#include "svidd/ledger/postgres_ledger.h"

namespace svidd::ledger::internal {

class PostgresLedger final : public EngineLedger<PgGroupCommitWriter> {
 public:
  static absl::StatusOr<std::unique_ptr<PostgresLedger>> Open(const std::string& uri,
                                                              const PostgresLedgerOptions& options);
  ~PostgresLedger() override;  // drains the writer's queue first

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
  absl::StatusOr<LedgerEvent> GetEvent(int64_t seq) const override;
  absl::StatusOr<std::vector<LedgerEvent>> ListEvents(const EventRange& range) const override;
  absl::StatusOr<std::optional<LedgerCheckpoint>> LatestCheckpoint() const override;
  absl::Status RecordCheckpoint(const LedgerCheckpoint& checkpoint) override;

  // The ledger as messages name it: the URI without its password.
  const std::string& name() const { return name_; }

 private:
  PostgresLedger(std::string name, std::unique_ptr<PgConnectionPool> readers,
                 std::unique_ptr<PgGroupCommitWriter> writer)
      : EngineLedger(SqlDialect::kPostgres, std::move(name), std::move(writer)),
        readers_(std::move(readers)) {}
  absl::Status Named(const absl::Status& status) const override;
  absl::Status WithReader(bool snapshot,
                          const std::function<absl::Status(ReadConnection&)>& body) const override;
  SqlFragment IdentitiesQuery(const IdentityFilter& filter) const override;

  std::unique_ptr<PgConnectionPool> readers_;
};

}  // namespace svidd::ledger::internal
