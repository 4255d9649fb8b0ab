#include "app/server_config.h"

#include <filesystem>
#include <fstream>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "yaml-cpp/yaml.h"

namespace promlite::server {
namespace {

absl::Status ParseServerSections(const std::string& text, const std::string& path, ServerConfig* cfg) {
  try {
    YAML::Node root = YAML::Load(text);
    if (!root || root.IsNull()) return absl::OkStatus();
    if (YAML::Node rf = root["rule_files"]; rf && !rf.IsNull()) {
      if (!rf.IsSequence()) {
        return absl::InvalidArgumentError(
            absl::StrCat(path, ":", rf.Mark().line + 1, ": rule_files must be a list of file patterns"));
      }
      for (const auto& n : rf) {
        if (!n.IsScalar()) {
          return absl::InvalidArgumentError(
              absl::StrCat(path, ":", n.Mark().line + 1, ": rule_files must be a list of file patterns"));
        }
        cfg->rule_files.push_back(n.Scalar());
      }
    }
    if (YAML::Node al = root["alerting"]; al) {
      if (absl::Status st = ParseAlertingConfig(al, path, &cfg->alerting); !st.ok()) return st;
    }
  } catch (const YAML::Exception& e) {
    return absl::InvalidArgumentError(absl::StrCat(path, ": ", e.what()));
  }
  return absl::OkStatus();
}

}  // namespace

std::string ConfigDir(const ServerConfig& cfg) {
  if (cfg.path.empty()) return ".";
  std::string dir = std::filesystem::path(cfg.path).parent_path().string();
  return dir.empty() ? "." : dir;
}

absl::StatusOr<ServerConfig> LoadServerConfig(const std::string& path) {
  std::ifstream f(path);
  if (!f) {
    return absl::NotFoundError(absl::StrCat("couldn't load configuration (--config.file=\"", path,
                                            "\"): open ", path, ": no such file or directory"));
  }
  std::stringstream ss;
  ss << f.rdbuf();
  ServerConfig cfg;
  cfg.source = ss.str();
  cfg.path = path;
  std::string dir = std::filesystem::path(path).parent_path().string();
  if (dir.empty()) dir = ".";
  auto sc = scrape::LoadConfig(cfg.source, path, dir);
  if (!sc.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("couldn't load configuration (--config.file=\"", path, "\"): ", sc.status().message()));
  }
  cfg.scrape = *std::move(sc);
  if (absl::Status st = ParseServerSections(cfg.source, path, &cfg); !st.ok()) return st;
  return cfg;
}

absl::StatusOr<ServerConfig> DefaultServerConfig(const std::string& self_target) {
  ServerConfig cfg;
  cfg.source = absl::StrCat(
      "# promlite's built-in configuration (no --config.file given and no ./prometheus.yml).\n"
      "global:\n"
      "  scrape_interval: 15s\n"
      "  evaluation_interval: 15s\n"
      "scrape_configs:\n"
      "  - job_name: promlite\n"
      "    static_configs:\n"
      "      - targets: [\"",
      self_target, "\"]\n");
  auto sc = scrape::LoadConfig(cfg.source, "<built-in>", ".");
  if (!sc.ok()) return sc.status();
  cfg.scrape = *std::move(sc);
  return cfg;
}

}  // namespace promlite::server
