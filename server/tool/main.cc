// promlite-tool: promtool's counterpart. Dispatches on the subcommand words.
#include <algorithm>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "promlite/tsdb/runtime.h"
#include "tool/commands.h"

namespace promlite::tool {

std::vector<Command>& Commands() {
  static std::vector<Command> commands;
  return commands;
}

}  // namespace promlite::tool

namespace {

using promlite::tool::Command;
using promlite::tool::Commands;

std::string Name(const Command& c) {
  std::string name;
  for (const auto& w : c.words) name += (name.empty() ? "" : " ") + w;
  return name;
}

void Usage(FILE* out) {
  std::fprintf(out, "usage: promlite-tool <command> [<args>]\n\ncommands:\n");
  std::vector<Command> sorted = Commands();
  std::sort(sorted.begin(), sorted.end(), [](const Command& a, const Command& b) { return a.words < b.words; });
  for (const auto& c : sorted) std::fprintf(out, "  %-32s %s\n", Name(c).c_str(), c.help.c_str());
  std::fprintf(out, "\nRun 'promlite-tool <command> --help' for the command's flags.\n");
}

}  // namespace

int main(int argc, char** argv) {
  promlite::tsdb::DisableMutexDeadlockDetection();
  if (argc < 2 || std::strcmp(argv[1], "--help") == 0 || std::strcmp(argv[1], "-h") == 0 ||
      std::strcmp(argv[1], "help") == 0) {
    Usage(argc < 2 ? stderr : stdout);
    return argc < 2 ? 2 : 0;
  }
  for (const auto& c : Commands()) {
    size_t n = c.words.size();
    if (static_cast<size_t>(argc) < n + 1) continue;
    bool match = true;
    for (size_t i = 0; i < n && match; i++) match = c.words[i] == argv[i + 1];
    if (!match) continue;
    std::string name = Name(c);
    std::vector<char*> args;
    args.push_back(name.data());
    for (int i = static_cast<int>(n) + 1; i < argc; i++) args.push_back(argv[i]);
    return c.run(static_cast<int>(args.size()), args.data());
  }
  std::fprintf(stderr, "promlite-tool: unknown command '%s'\n\n", argv[1]);
  Usage(stderr);
  return 2;
}
