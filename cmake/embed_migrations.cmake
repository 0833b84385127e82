# Writes OUTPUT, a C++ source holding every migrations/NNNN_*.sql file in version order.
# ARRAY names the array (default kEmbeddedMigrations) and <ARRAY>Count its length.
if(NOT ARRAY)
  set(ARRAY kEmbeddedMigrations)
endif()
file(GLOB files ${MIGRATIONS_DIR}/*.sql)
list(SORT files)
set(body "")
set(count 0)
foreach(f ${files})
  get_filename_component(name ${f} NAME)
  string(REGEX MATCH "^([0-9]+)_" _ ${name})
  if(NOT CMAKE_MATCH_1)
    message(FATAL_ERROR "migration ${name} does not start with a number")
  endif()
  math(EXPR version "${CMAKE_MATCH_1}")
  file(READ ${f} sql)
  string(APPEND body "  {${version}, \"${name}\", R\"svidd_sql(${sql})svidd_sql\"},\n")
  math(EXPR count "${count} + 1")
endforeach()
file(WRITE ${OUTPUT}.tmp
"// Generated from migrations/ by cmake/embed_migrations.cmake. Do not edit.
#include \"ledger/embedded_migrations.h\"
namespace svidd::ledger::internal {
const EmbeddedMigration ${ARRAY}[] = {
${body}};
const size_t ${ARRAY}Count = ${count};
}  // namespace svidd::ledger::internal
")
file(COPY_FILE ${OUTPUT}.tmp ${OUTPUT} ONLY_IF_DIFFERENT)
