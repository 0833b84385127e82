// The opaque page token of ListCertificates: where the previous page ended in its sort order
// (the last row's sort key and serial), so the next page continues strictly after it.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <variant>

#include "absl/status/statusor.h"
#include "svidd/ledger/certificate_filter.h"

namespace svidd::ledger::internal {

struct PageToken {
  CertificateSortField sort = CertificateSortField::kIssuedAt;
  bool descending = true;
  std::variant<int64_t, std::string> key;  // Unix seconds for times, text for spiffe_id
  std::string serial;

  std::string Encode() const;
  // INVALID_ARGUMENT if `text` is not a token this ledger made.
  static absl::StatusOr<PageToken> Decode(std::string_view text);
};

}  // namespace svidd::ledger::internal
