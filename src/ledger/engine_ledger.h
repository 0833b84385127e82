// What SqliteLedger and PostgresLedger share, written once: issuance through the engine's
// group-commit `Writer` (none when the ledger is read-only, and then every write is refused
// the same way), the writability probe through that writer, and the certificate listings,
// counts and identity summaries, whose rows the engine only fetches (WithReader). The engine
// implements the rest of Ledger in its own dialect.
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
#include "ledger/result_row.h"
#include "svidd/ledger/ledger.h"

namespace svidd::ledger::internal {

// A reader connection lent for one call.
class ReadConnection {
 public:
  // Runs `q` (a shared query: `?` placeholders, CertificateQuery's) and calls `each` with its
  // rows in order, stopping at the first error.
  virtual absl::Status ForEachRow(const SqlFragment& q,
                                  const std::function<absl::Status(const ResultRow&)>& each) = 0;

 protected:
  ~ReadConnection() = default;
};

// The engine-independent halves of EngineLedger's reads.
absl::StatusOr<std::vector<CertificateRecord>> ReadCertificates(ReadConnection& reader,
                                                                const SqlFragment& q);
absl::StatusOr<int64_t> ReadCount(ReadConnection& reader, const SqlFragment& q);
absl::StatusOr<std::vector<GroupCount>> ReadGroupCounts(ReadConnection& reader,
                                                        const SqlFragment& q);
absl::StatusOr<std::vector<IdentitySummary>> ReadIdentities(ReadConnection& reader,
                                                            const SqlFragment& q);
// `page` cut to `query`'s limit, with the token for the next page if rows were cut.
void CutToLimit(const CertificateQuery& query, CertificatePage& page);

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
    absl::StatusOr<CertificatePage> page = ReadPage(filter, /*with_total=*/false);
    if (!page.ok()) return page.status();
    return std::move(page->records);
  }

  absl::StatusOr<CertificatePage> QueryCertificates(
      const CertificateFilter& filter) const override {
    return ReadPage(filter, /*with_total=*/true);
  }

  absl::StatusOr<int64_t> CountCertificates(const CertificateFilter& filter) const override {
    absl::StatusOr<CertificateQuery> query = CertificateQuery::Build(WhereOnly(filter), dialect_);
    if (!query.ok()) return query.status();
    return Read<int64_t>([&](ReadConnection& r) { return ReadCount(r, query->Count()); });
  }

  absl::StatusOr<std::vector<GroupCount>> CountCertificatesBy(
      CertificateGroup group, const CertificateFilter& filter) const override {
    absl::StatusOr<CertificateQuery> query = CertificateQuery::Build(WhereOnly(filter), dialect_);
    if (!query.ok()) return query.status();
    return Read<std::vector<GroupCount>>(
        [&](ReadConnection& r) { return ReadGroupCounts(r, query->CountBy(group)); });
  }

  absl::StatusOr<std::vector<IdentitySummary>> ListIdentities(
      const IdentityFilter& filter) const override {
    return Read<std::vector<IdentitySummary>>(
        [&](ReadConnection& r) { return ReadIdentities(r, IdentitiesQuery(filter)); });
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
  // Lends a pooled reader connection to `body`. With `snapshot`, all of body's queries read
  // one consistent snapshot (a page and its total agree with each other).
  virtual absl::Status WithReader(
      bool snapshot, const std::function<absl::Status(ReadConnection&)>& body) const = 0;
  // The engine's query for ListIdentities, selecting the columns ReadIdentityRow reads.
  virtual SqlFragment IdentitiesQuery(const IdentityFilter& filter) const = 0;

  const SqlDialect dialect_;
  const std::string name_;
  // Null when read-only. The engine's destructor resets it first, so the queue drains while
  // the engine's connections are still there.
  std::unique_ptr<Writer> writer_;

 private:
  template <typename T>
  absl::StatusOr<T> Read(const std::function<absl::StatusOr<T>(ReadConnection&)>& read,
                         bool snapshot = false) const {
    absl::StatusOr<T> out;
    absl::Status status = WithReader(snapshot, [&](ReadConnection& r) {
      out = read(r);
      return out.status();
    });
    if (!status.ok()) return status;
    return out;
  }

  absl::StatusOr<CertificatePage> ReadPage(const CertificateFilter& filter, bool with_total) const {
    absl::StatusOr<CertificateQuery> query = CertificateQuery::Build(filter, dialect_);
    if (!query.ok()) return query.status();
    absl::StatusOr<CertificatePage> page = Read<CertificatePage>(
        [&](ReadConnection& r) -> absl::StatusOr<CertificatePage> {
          CertificatePage page;
          absl::StatusOr<std::vector<CertificateRecord>> records =
              ReadCertificates(r, query->Page());
          if (!records.ok()) return records.status();
          page.records = std::move(*records);
          absl::StatusOr<int64_t> total =
              with_total ? ReadCount(r, query->Count()) : static_cast<int64_t>(page.records.size());
          if (!total.ok()) return total.status();
          page.total = *total;
          return page;
        },
        /*snapshot=*/true);
    if (page.ok()) CutToLimit(*query, *page);
    return page;
  }
};

}  // namespace svidd::ledger::internal
