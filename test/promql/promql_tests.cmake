# One CTest test per Prometheus PromQL test script in shared/promql-tests:
# `promlite-tool test promql <file>`, which fails when any eval of the file
# fails (evals needing native histograms or start timestamps are reported as
# skipped by the tool, not failed). Included from test/CMakeLists.txt.
get_filename_component(PROMLITE_PROMQL_TESTS_DIR "${PROJECT_SOURCE_DIR}/../shared/promql-tests" ABSOLUTE)
if(NOT IS_DIRECTORY "${PROMLITE_PROMQL_TESTS_DIR}")
  message(STATUS "promql-tests: ${PROMLITE_PROMQL_TESTS_DIR} not found; no PromQL script tests registered")
elseif(NOT TARGET promlite-tool)
  message(STATUS "promql-tests: promlite-tool is not built (PROMLITE_BUILD_SERVER=OFF); no PromQL script tests registered")
else()
  file(GLOB _promql_test_files CONFIGURE_DEPENDS "${PROMLITE_PROMQL_TESTS_DIR}/*.test")
  list(SORT _promql_test_files)
  foreach(_file IN LISTS _promql_test_files)
    get_filename_component(_name "${_file}" NAME_WE)
    add_test(NAME "promql-tests: ${_name}" COMMAND promlite-tool test promql "${_file}")
    set_tests_properties("promql-tests: ${_name}" PROPERTIES LABELS "promqltest" TIMEOUT 900)
  endforeach()
  list(LENGTH _promql_test_files _n)
  message(STATUS "promql-tests: ${_n} script tests registered from ${PROMLITE_PROMQL_TESTS_DIR}")
endif()
