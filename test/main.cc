// Catch2's main, after switching off Abseil's debug deadlock detector
// (Debian builds Abseil without NDEBUG; see promlite/tsdb/runtime.h).
#define CATCH_CONFIG_RUNNER
#include <catch2/catch.hpp>

#include "promlite/tsdb/runtime.h"

int main(int argc, char* argv[]) {
  promlite::tsdb::DisableMutexDeadlockDetection();
  return Catch::Session().run(argc, argv);
}
