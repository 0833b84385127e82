#include "ledger/engine_ledger.h"

#include "ledger/ledger_tables.h"

namespace svidd::ledger::internal {
namespace {

// Every row of `q`, each read by `read` (returning T or StatusOr<T>).
template <typename T, typename Read>
absl::StatusOr<std::vector<T>> ReadAll(ReadConnection& reader, const SqlFragment& q, Read read) {
  std::vector<T> out;
  absl::Status status = reader.ForEachRow(q, [&](const ResultRow& row) -> absl::Status {
    absl::StatusOr<T> value = read(row);
    if (!value.ok()) return value.status();
    out.push_back(std::move(*value));
    return absl::OkStatus();
  });
  if (!status.ok()) return status;
  return out;
}

}  // namespace

absl::StatusOr<std::vector<CertificateRecord>> ReadCertificates(ReadConnection& reader,
                                                                const SqlFragment& q) {
  return ReadAll<CertificateRecord>(reader, q, ReadCertificateRow);
}

absl::StatusOr<int64_t> ReadCount(ReadConnection& reader, const SqlFragment& q) {
  int64_t count = 0;
  absl::Status status = reader.ForEachRow(q, [&](const ResultRow& row) {
    count = row.Int64(0);
    return absl::OkStatus();
  });
  if (!status.ok()) return status;
  return count;
}

absl::StatusOr<std::vector<GroupCount>> ReadGroupCounts(ReadConnection& reader,
                                                        const SqlFragment& q) {
  return ReadAll<GroupCount>(reader, q, ReadGroupCountRow);
}

absl::StatusOr<std::vector<IdentitySummary>> ReadIdentities(ReadConnection& reader,
                                                            const SqlFragment& q) {
  return ReadAll<IdentitySummary>(reader, q, ReadIdentityRow);
}

void CutToLimit(const CertificateQuery& query, CertificatePage& page) {
  if (query.limit() > 0 && page.records.size() > query.limit()) {
    page.records.resize(query.limit());
    page.next_page_token = query.TokenAfter(page.records.back());
  }
}

}  // namespace svidd::ledger::internal
