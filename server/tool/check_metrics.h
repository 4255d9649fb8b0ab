// `promlite-tool check metrics`: lints an exposition read from stdin like
// `promtool check metrics`.
#pragma once

namespace promlite::tool {

// argv[0] is the command name; flags: --extended (cardinality per metric on
// stdout), --help. Problems go to stderr as "<metric> <text>" lines.
// Exit codes as promtool: 0 clean, 1 unreadable or unparsable input (the
// error names line and byte), 3 lint problems.
int RunCheckMetrics(int argc, char** argv);

}  // namespace promlite::tool
