# Warnings and sanitizers, applied to promlite's own targets only.
add_library(promlite_warnings INTERFACE)
target_compile_options(promlite_warnings INTERFACE
  $<$<CXX_COMPILER_ID:GNU,Clang>:-Wall -Wextra -Wno-unused-parameter -Wno-missing-field-initializers>)

if(PROMLITE_SANITIZE)
  string(REPLACE "," ";" _san_list "${PROMLITE_SANITIZE}")
  foreach(_s IN LISTS _san_list)
    if(NOT _s MATCHES "^(address|undefined|thread|fuzzer-no-link)$")
      message(FATAL_ERROR "PROMLITE_SANITIZE: unknown sanitizer '${_s}'")
    endif()
  endforeach()
  add_compile_options(-fsanitize=${PROMLITE_SANITIZE} -fno-omit-frame-pointer -g)
  add_link_options(-fsanitize=${PROMLITE_SANITIZE})
  if(PROMLITE_SANITIZE MATCHES "undefined")
    add_compile_options(-fno-sanitize-recover=undefined)
  endif()
endif()

# Where a promlite library's private headers live, for its tests and benchmarks.
function(promlite_internal_includes target)
  target_include_directories(${target} PRIVATE
    ${PROJECT_SOURCE_DIR}/libtsdb/src
    ${PROJECT_SOURCE_DIR}/libpromql/src
    ${PROJECT_SOURCE_DIR}/libscrape/src)
endfunction()
