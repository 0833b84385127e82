// std::unique_ptr owners for every libpq handle svidd (and its tests) hold: a connection, a
// result, a parsed conninfo, and a string libpq allocated. Raw libpq pointers only borrow.
#pragma once

#include <libpq-fe.h>

#include <memory>

namespace svidd::ledger {

struct PgConnDeleter {
  void operator()(PGconn* c) const { PQfinish(c); }
};
struct PgResultDeleter {
  void operator()(PGresult* r) const { PQclear(r); }
};
struct PgConninfoDeleter {
  void operator()(PQconninfoOption* o) const { PQconninfoFree(o); }
};
struct PgFreememDeleter {
  void operator()(char* p) const { PQfreemem(p); }
};

using PgConnPtr = std::unique_ptr<PGconn, PgConnDeleter>;
using PgResultPtr = std::unique_ptr<PGresult, PgResultDeleter>;
using PgConninfoPtr = std::unique_ptr<PQconninfoOption, PgConninfoDeleter>;
using PgMemPtr = std::unique_ptr<char, PgFreememDeleter>;  // e.g. PQconninfoParse's error

}  // namespace svidd::ledger
