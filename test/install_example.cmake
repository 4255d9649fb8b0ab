# Installs promlite into a scratch prefix, builds examples/ against it with
# find_package(promlite) as a host application would, and runs the example.
# Invoked by CTest with -DSRC=<source dir> -DBIN=<build dir>.
set(work ${BIN}/install-test)
file(REMOVE_RECURSE ${work})
execute_process(COMMAND ${CMAKE_COMMAND} --install ${BIN} --prefix ${work}/prefix
                RESULT_VARIABLE rc OUTPUT_QUIET)
if(rc)
  message(FATAL_ERROR "cmake --install failed: ${rc}")
endif()
execute_process(COMMAND ${CMAKE_COMMAND} -S ${SRC}/examples -B ${work}/build
                        -DCMAKE_PREFIX_PATH=${work}/prefix -DCMAKE_BUILD_TYPE=Release
                RESULT_VARIABLE rc)
if(rc)
  message(FATAL_ERROR "configuring the examples against the installed package failed")
endif()
execute_process(COMMAND ${CMAKE_COMMAND} --build ${work}/build -j 2 RESULT_VARIABLE rc)
if(rc)
  message(FATAL_ERROR "building the examples against the installed package failed")
endif()
execute_process(COMMAND ${work}/build/embed_tsdb ${work}/data RESULT_VARIABLE rc OUTPUT_VARIABLE out)
message("${out}")
# Every sample is back after the reopen. (How many come from the WAL and how
# many from chunks_head/ depends on the clock: a chunk is cut at each 2h
# boundary and a cut chunk is memory-mapped, not replayed.)
if(rc OR NOT out MATCHES "after reopen" OR NOT out MATCHES "host=\"c\", job=\"embed\"}: 10 samples")
  message(FATAL_ERROR "embed_tsdb built against the installed package did not work")
endif()
