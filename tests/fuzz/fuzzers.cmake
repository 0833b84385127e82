# libFuzzer targets (clang only), one executable per parser of untrusted bytes. Configured by
# tools/fuzz.sh and tools/sanitize.sh with -DSVIDD_FUZZ=ON and the whole tree compiled with
# -fsanitize=address,undefined,fuzzer-no-link, so the libraries carry coverage for the fuzzer
# and the same build also runs the normal tests under ASan+UBSan.
if(NOT CMAKE_CXX_COMPILER_ID MATCHES "Clang")
  message(FATAL_ERROR "SVIDD_FUZZ needs clang (CXX=clang++)")
endif()

add_custom_target(fuzzers)
function(svidd_fuzzer name)
  add_executable(fuzz_${name} ${CMAKE_SOURCE_DIR}/tests/fuzz/${name}_fuzzer.cc ${ARGN})
  target_include_directories(fuzz_${name} PRIVATE ${CMAKE_SOURCE_DIR}/tests ${CMAKE_SOURCE_DIR}/src)
  target_compile_definitions(fuzz_${name} PRIVATE SVIDD_SOURCE_DIR="${CMAKE_SOURCE_DIR}")
  target_link_options(fuzz_${name} PRIVATE -fsanitize=fuzzer)
  add_dependencies(fuzzers fuzz_${name})
endfunction()

svidd_fuzzer(csr)
target_link_libraries(fuzz_csr PRIVATE svidd_pki)
svidd_fuzzer(spiffe_id)
target_link_libraries(fuzz_spiffe_id PRIVATE svidd_spiffe)
svidd_fuzzer(jwks)
target_link_libraries(fuzz_jwks PRIVATE svidd_auth)
svidd_fuzzer(jwt)
target_link_libraries(fuzz_jwt PRIVATE svidd_auth)
svidd_fuzzer(yaml_config)
target_link_libraries(fuzz_yaml_config PRIVATE svidd_server)
svidd_fuzzer(admin_request)
target_link_libraries(fuzz_admin_request PRIVATE svidd_server svidd_test_support_fleet)
svidd_fuzzer(rotation_request)
target_link_libraries(fuzz_rotation_request PRIVATE svidd_server)
svidd_fuzzer(workload_api ${CMAKE_SOURCE_DIR}/tests/agent/agent_test_pki.cc)
target_link_libraries(fuzz_workload_api PRIVATE svidd_agent svidd_test_support_pki)

# Writes the generated seeds (CSRs, tokens, protobuf requests) into tests/fuzz/corpus/; run
# by hand when a seed format changes, its output is committed.
add_executable(svidd-fuzz-seeds ${CMAKE_SOURCE_DIR}/tests/fuzz/make_seeds.cc)
target_include_directories(svidd-fuzz-seeds PRIVATE ${CMAKE_SOURCE_DIR}/tests ${CMAKE_SOURCE_DIR}/src)
target_compile_definitions(svidd-fuzz-seeds PRIVATE SVIDD_SOURCE_DIR="${CMAKE_SOURCE_DIR}")
target_link_libraries(svidd-fuzz-seeds PRIVATE svidd_server svidd_test_support_pki
  svidd_test_support_jwt)
