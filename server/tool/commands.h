// Subcommands of promlite-tool register themselves here (one file each):
//
//   static promlite::tool::Registration reg({"tsdb", "bench", "write"}, Run, "help text");
//
// A command gets argv[0] = its name ("tsdb bench write") and its own
// arguments, and returns the process exit code.
#pragma once

#include <string>
#include <vector>

namespace promlite::tool {

struct Command {
  std::vector<std::string> words;
  int (*run)(int argc, char** argv);
  std::string help;
};

std::vector<Command>& Commands();

struct Registration {
  Registration(std::vector<std::string> words, int (*run)(int, char**), std::string help) {
    Commands().push_back(Command{std::move(words), run, std::move(help)});
  }
};

}  // namespace promlite::tool
