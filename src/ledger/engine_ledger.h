// What SqliteLedger and PostgresLedger share, written once: issuance through the engine's
// group-commit `Writer` (none when the ledger is read-only, and then every write is refused
// the same way), the writability probe through that writer, and the certificate listings and
// counts that CertificateQuery builds. The engine runs their SQL and implements the rest of
// Ledger in its own dialect.
#pragma once

#include <functional>
#include <future>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "ledger/certificate_query.h"
#include "ledger/group_commit_writer.h"
#include "svidd/common/status_macros.h"
#include "svidd/ledger/ledger.h"

namespace svidd::internal {

template <typename Writer>
class EngineLedger : public Ledger {
 public:
  void RecordIssuanceAsync(CertificateRecord record,
                           std::function<void(absl::Status)> done) override {
    if (writer_ == nullptr) return done(ReadOnlyError("record a certificate"));
    writer_->Enqueue(std::move(record), std::move(done));
  }

  absl::Status CheckWritable() override {
    if (writer_ == nullptr) return ReadOnlyError("write");
    auto promise = std::make_shared<std::promise<absl::Status>>();
    std::future<absl::Status> result = promise->get_future();
    writer_->EnqueueProbe([promise](absl::Status s) { promise->set_value(std::move(s)); });
    absl::Status status = result.get();
    if (status.ok()) return status;
    return Named(
        absl::Status(status.code(), absl::StrCat("ledger is not writable: ", status.message())));
  }

  absl::StatusOr<std::vector<CertificateRecord>> ListCertificates(
      const CertificateFilter& filter) const override {
    SVIDD_ASSIGN_OR_RETURN(CertificatePage page, ReadPage(filter, /*with_total=*/false));
    return std::move(page.records);
  }

  absl::StatusOr<CertificatePage> QueryCertificates(
      const CertificateFilter& filter) const override {
    return ReadPage(filter, /*with_total=*/true);
  }

  absl::StatusOr<int64_t> CountCertificates(const CertificateFilter& filter) const override {
    SVIDD_ASSIGN_OR_RETURN(CertificateQuery query,
                           CertificateQuery::Build(WhereOnly(filter), dialect_));
    return ReadCount(query.Count());
  }

  absl::StatusOr<std::vector<GroupCount>> CountCertificatesBy(
      CertificateGroup group, const CertificateFilter& filter) const override {
    SVIDD_ASSIGN_OR_RETURN(CertificateQuery query,
                           CertificateQuery::Build(WhereOnly(filter), dialect_));
    return ReadGroupCounts(query.CountBy(group));
  }

  // Zero for a read-only ledger.
  WriterStats writer_stats() const { return writer_ == nullptr ? WriterStats{} : writer_->stats(); }

 protected:
  // `name`: the ledger as messages name it (its file, or its URI without the password).
  EngineLedger(SqlDialect dialect, std::string name, std::unique_ptr<Writer> writer)
      : dialect_(dialect), name_(std::move(name)), writer_(std::move(writer)) {}

  absl::Status ReadOnlyError(const char* what) const {
    return absl::FailedPreconditionError(
        absl::StrCat("cannot ", what, ": ledger ", name_, " is open read-only"));
  }

  // `status` with the ledger named the way this engine's messages name it.
  virtual absl::Status Named(const absl::Status& status) const = 0;
  // query.Page()'s rows and, if `with_total`, query.Count() in `total`, from one read snapshot
  // so that they agree with each other.
  virtual absl::StatusOr<CertificatePage> ReadPageRows(const CertificateQuery& query,
                                                       bool with_total) const = 0;
  virtual absl::StatusOr<int64_t> ReadCount(const SqlFragment& count) const = 0;
  virtual absl::StatusOr<std::vector<GroupCount>> ReadGroupCounts(
      const SqlFragment& count_by) const = 0;

  const SqlDialect dialect_;
  const std::string name_;
  // Null when read-only. The engine's destructor resets it first, so the queue drains while
  // the engine's connections are still there.
  std::unique_ptr<Writer> writer_;

 private:
  absl::StatusOr<CertificatePage> ReadPage(const CertificateFilter& filter, bool with_total) const {
    SVIDD_ASSIGN_OR_RETURN(CertificateQuery query, CertificateQuery::Build(filter, dialect_));
    SVIDD_ASSIGN_OR_RETURN(CertificatePage page, ReadPageRows(query, with_total));
    if (!with_total) page.total = static_cast<int64_t>(page.records.size());
    if (query.limit() > 0 && page.records.size() > query.limit()) {
      page.records.resize(query.limit());
      page.next_page_token = query.TokenAfter(page.records.back());
    }
    return page;
  }
};

}  // namespace svidd::internal
