# Rule unit tests in promtool's format (test/data/rules/*_test.yml), run by
# `promlite-tool test rules`. The same files pass under Debian's
# `promtool test rules` (checked by hand when they change).
# Included from test/CMakeLists.txt.
if(TARGET promlite-tool)
  file(GLOB _rule_test_files CONFIGURE_DEPENDS "${PROJECT_SOURCE_DIR}/test/data/rules/*_test.yml")
  list(SORT _rule_test_files)
  foreach(_file IN LISTS _rule_test_files)
    get_filename_component(_name "${_file}" NAME_WE)
    add_test(NAME "rules: ${_name}" COMMAND promlite-tool test rules "${_file}")
    set_tests_properties("rules: ${_name}" PROPERTIES LABELS "rules" TIMEOUT 120)
  endforeach()
endif()
