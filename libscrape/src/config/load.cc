// Loading prometheus.yml: the top level, job name uniqueness and
// scrape_config_files.
#include <glob.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "config/config_internal.h"
#include "re2/re2.h"
#include "util/quote.h"
#include "util/strings.h"

namespace promlite::scrape {
namespace {

using yamlcfg::Ctx;
using yamlcfg::ErrorAt;
using yamlcfg::Map;

// Sections of prometheus.yml that other components parse.
constexpr std::string_view kOtherSections[] = {"runtime", "alerting", "rule_files", "storage",
                                               "tracing", "remote_write", "remote_read", "otlp"};

absl::StatusOr<std::string> ReadFile(std::string_view path) {
  std::ifstream f{std::string(path), std::ios::binary};
  if (!f) return absl::NotFoundError(absl::StrCat("open ", A(path), ": ", std::strerror(errno)));
  std::stringstream ss;
  ss << f.rdbuf();
  if (f.bad()) return absl::InternalError(absl::StrCat("read ", A(path), ": ", std::strerror(errno)));
  return ss.str();
}

std::string DirOf(std::string_view path) {
  std::filesystem::path p{std::string(path)};
  std::string d = p.parent_path().string();
  return d.empty() ? "." : d;
}

absl::StatusOr<std::vector<std::string>> Glob(const std::string& pattern) {
  glob_t g{};
  int rc = ::glob(pattern.c_str(), 0, nullptr, &g);
  std::vector<std::string> out;
  if (rc == 0) {
    for (size_t i = 0; i < g.gl_pathc; i++) out.emplace_back(g.gl_pathv[i]);
  }
  globfree(&g);
  if (rc != 0 && rc != GLOB_NOMATCH) {
    return absl::InvalidArgumentError(absl::StrCat("error retrieving scrape config files for ", QuoteGo(pattern)));
  }
  return out;
}

// The scrape_configs list of a document, validated against `global`.
absl::Status ReadJobs(const Ctx& ctx, const YAML::Node& list, const GlobalConfig& global,
                      std::map<std::string, std::string>* job_files, Config* cfg) {
  if (list.IsNull()) return absl::OkStatus();
  if (!list.IsSequence()) {
    return ErrorAt(ctx, list, absl::StrCat("cannot unmarshal ", yamlcfg::Describe(list), " into []*config.ScrapeConfig"));
  }
  for (const auto& e : list) {
    ScrapeConfig sc;
    if (absl::Status st = yamlcfg::ReadScrapeConfig(ctx, e, global, &sc); !st.ok()) return st;
    auto [it, inserted] = job_files->emplace(sc.job_name, ctx.file.empty() ? "main config file" : ctx.file);
    if (!inserted) {
      return ErrorAt(ctx, e, absl::StrCat("found multiple scrape configs with job name ", QuoteGo(sc.job_name),
                                          ", first found in ", it->second));
    }
    cfg->scrape_configs.push_back(std::move(sc));
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<Config> LoadConfig(std::string_view yaml, std::string_view filename, std::string_view base_dir) {
  Config cfg;
  Ctx ctx{std::string(filename), std::string(base_dir), &cfg.warnings};
  absl::StatusOr<YAML::Node> doc = yamlcfg::Parse(ctx, yaml);
  if (!doc.ok()) return doc.status();
  absl::StatusOr<Map> top = Map::Read(ctx, *doc, "config.plain");
  if (!top.ok()) return top.status();
  absl::Status st;
  if (const YAML::Node* g = top->Take("global"); g && !g->IsNull()) {
    if (!(st = yamlcfg::ReadGlobal(ctx, *g, &cfg.global)).ok()) return st;
  }
  for (std::string_view other : kOtherSections) top->Take(other);
  if (const YAML::Node* f = top->Take("scrape_config_files")) {
    if (!(st = yamlcfg::ReadStringList(ctx, *f, &cfg.scrape_config_files)).ok()) return st;
    static const re2::RE2 kPattern("^[^*]*(\\*[^/]*)?$");
    for (std::string& p : cfg.scrape_config_files) {
      if (!re2::RE2::FullMatch(p, kPattern)) {
        return ErrorAt(ctx, *f, absl::StrCat("invalid scrape config file path ", QuoteGo(p)));
      }
      p = yamlcfg::JoinDir(ctx, p);
    }
  }
  const YAML::Node* jobs = top->Take("scrape_configs");
  if (!(st = top->Done()).ok()) return st;

  std::map<std::string, std::string> job_files;
  if (jobs && !(st = ReadJobs(ctx, *jobs, cfg.global, &job_files, &cfg)).ok()) return st;

  // scrape_config_files: documents with only a scrape_configs list, checked
  // against the same global section and job names.
  for (const std::string& pattern : cfg.scrape_config_files) {
    absl::StatusOr<std::vector<std::string>> files = Glob(pattern);
    if (!files.ok()) return files.status();
    for (const std::string& file : *files) {
      absl::StatusOr<std::string> text = ReadFile(file);
      if (!text.ok()) return text.status();
      Ctx sub{file, DirOf(file), &cfg.warnings};
      absl::StatusOr<YAML::Node> d = yamlcfg::Parse(sub, *text);
      if (!d.ok()) return d.status();
      absl::StatusOr<Map> m = Map::Read(sub, *d, "config.ScrapeConfigs");
      if (!m.ok()) return m.status();
      const YAML::Node* list = m->Take("scrape_configs");
      if (!(st = m->Done()).ok()) return st;
      if (list && !(st = ReadJobs(sub, *list, cfg.global, &job_files, &cfg)).ok()) return st;
    }
  }
  return cfg;
}

absl::StatusOr<Config> LoadConfigFile(std::string_view path) {
  absl::StatusOr<std::string> text = ReadFile(path);
  if (!text.ok()) return text.status();
  return LoadConfig(*text, path, DirOf(path));
}

}  // namespace promlite::scrape
