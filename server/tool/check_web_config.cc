// promlite-tool check web-config FILE...: promtool's `check web-config`.
// Each file is validated as the server validates --web.config.file at
// start-up (strict YAML, headers, bcrypt hashes, and when TLS is configured,
// the certificate, key and client CAs). Prints "<file> SUCCESS" or
// "<file> FAILED: <error>"; exits 1 when any file failed.
#include <cstdio>
#include <string>
#include <vector>

#include "CLI/CLI.hpp"
#include "tool/commands.h"
#include "web/web_config.h"

namespace promlite::tool {
namespace {

int Run(int argc, char** argv) {
  CLI::App app{"Check if the web config files are valid or not.", argv[0]};
  std::vector<std::string> files;
  app.add_option("web-config-files", files, "The web config files to check.")->required();
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }
  bool failed = false;
  for (const std::string& f : files) {
    absl::Status st = server::ValidateWebConfig(f);
    if (st.ok()) {
      std::printf("%s SUCCESS\n", f.c_str());
    } else {
      failed = true;
      std::fprintf(stderr, "%s FAILED: %s\n", f.c_str(), std::string(st.message()).c_str());
    }
  }
  return failed ? 1 : 0;
}

Registration reg({"check", "web-config"}, Run, "check web config files like promtool check web-config (exit 1 invalid)");

}  // namespace
}  // namespace promlite::tool
