// Where the server's CA comes from: an operator-supplied --ca-dir (validated, refused with a
// clear message if unusable), or svidd's own root + intermediate under <data-dir>/ca, created
// and recorded in the ledger on first start and reused afterwards.
#pragma once

#include <memory>

#include "absl/status/statusor.h"
#include "svidd/ledger/ledger.h"
#include "svidd/pki/authority.h"
#include "svidd/server/server_options.h"

namespace svidd {

absl::StatusOr<std::shared_ptr<const Authority>> LoadServerAuthority(const ServerOptions& options,
                                                                     Ledger& ledger,
                                                                     TimePoint now);

}  // namespace svidd
