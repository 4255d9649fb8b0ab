// file_sd_configs: target groups from JSON/YAML files matched by globs.
//
// Files are polled (cheap stat calls) so that edits show up within a second,
// and all of them are re-read every refresh_interval as Prometheus does. A
// file that fails to parse keeps its previous groups; a file that disappears
// removes them.
#include <glob.h>
#include <sys/stat.h>

#include <algorithm>
#include <fstream>
#include <set>
#include <sstream>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "discovery/registry.h"
#include "discovery/targetgroup.h"
#include "promlite/scrape/sd_configs.h"
#include "re2/re2.h"
#include "util/quote.h"
#include "util/strings.h"

namespace promlite::scrape {
namespace {

struct FileStamp {
  int64_t mtime_ns = 0;
  int64_t size = 0;
  uint64_t ino = 0;
  bool operator==(const FileStamp&) const = default;
};

class FileDiscoverer final : public Discoverer {
 public:
  FileDiscoverer(const FileSDConfig& cfg, const DiscovererOptions& opts) : cfg_(cfg), opts_(opts) {}

  void Run(const StopSignal& stop, const std::function<void(std::vector<TargetGroup>)>& send) override {
    auto last_refresh = std::chrono::steady_clock::now();
    bool first = true;
    for (;;) {
      std::map<std::string, FileStamp> now = List();
      auto t = std::chrono::steady_clock::now();
      bool due = t - last_refresh >= std::chrono::milliseconds(cfg_.refresh_interval_ms);
      if (first || due || now != stamps_) {
        send(Refresh(now));
        stamps_ = std::move(now);
        last_refresh = t;
        first = false;
      }
      auto poll = std::min<std::chrono::milliseconds>(opts_.file_poll_interval,
                                                      std::chrono::milliseconds(cfg_.refresh_interval_ms));
      if (stop.WaitFor(poll)) return;
    }
  }

 private:
  std::map<std::string, FileStamp> List() const {
    std::map<std::string, FileStamp> out;
    for (const std::string& pattern : cfg_.files) {
      glob_t g{};
      if (::glob(pattern.c_str(), 0, nullptr, &g) == 0) {
        for (size_t i = 0; i < g.gl_pathc; i++) {
          struct stat st {};
          if (::stat(g.gl_pathv[i], &st) != 0 || !S_ISREG(st.st_mode)) continue;
          out[g.gl_pathv[i]] = FileStamp{static_cast<int64_t>(st.st_mtim.tv_sec) * 1'000'000'000 + st.st_mtim.tv_nsec,
                                         static_cast<int64_t>(st.st_size), static_cast<uint64_t>(st.st_ino)};
        }
      }
      globfree(&g);
    }
    return out;
  }

  absl::StatusOr<std::vector<TargetGroup>> ReadFile(const std::string& path) const {
    std::ifstream f(path, std::ios::binary);
    if (!f) return absl::NotFoundError(absl::StrCat("open ", path, ": ", std::strerror(errno)));
    std::stringstream ss;
    ss << f.rdbuf();
    std::string text = ss.str();
    std::string ext = absl::AsciiStrToLower(A(path.substr(path.rfind('.') + 1)));
    absl::StatusOr<std::vector<TargetGroup>> groups = ext == "json" ? discovery::ParseTargetGroupsJSON(text)
                                                                    : discovery::ParseTargetGroupsYAML(text, path);
    if (!groups.ok()) return groups.status();
    for (size_t i = 0; i < groups->size(); i++) {
      TargetGroup& tg = (*groups)[i];
      tg.source = absl::StrCat(path, ":", i);
      tg.labels["__meta_filepath"] = path;
    }
    return groups;
  }

  std::vector<TargetGroup> Refresh(const std::map<std::string, FileStamp>& files) {
    std::vector<TargetGroup> out;
    std::map<std::string, size_t> counts;
    for (const auto& [path, stamp] : files) {
      absl::StatusOr<std::vector<TargetGroup>> groups = ReadFile(path);
      if (!groups.ok()) {
        if (opts_.logger) {
          opts_.logger->Error("discovery", "Error reading file",
                              {{"job", opts_.job_name}, {"path", path}, {"err", std::string(groups.status().message())}});
        }
        if (auto it = counts_.find(path); it != counts_.end()) counts[path] = it->second;  // keep what we had
        continue;
      }
      counts[path] = groups->size();
      for (TargetGroup& g : *groups) out.push_back(std::move(g));
    }
    // Sources that vanished (a file removed, or fewer groups in it) are
    // cleared with empty groups.
    for (const auto& [path, n] : counts_) {
      size_t now = counts.count(path) ? counts[path] : 0;
      for (size_t i = now; i < n; i++) out.push_back(TargetGroup{{}, {}, absl::StrCat(path, ":", i)});
    }
    counts_ = std::move(counts);
    return out;
  }

  FileSDConfig cfg_;
  DiscovererOptions opts_;
  std::map<std::string, FileStamp> stamps_;
  std::map<std::string, size_t> counts_;  // groups sent per file
};

}  // namespace

bool FileSDConfig::Equals(const DiscoveryConfig& o) const {
  const auto* f = dynamic_cast<const FileSDConfig*>(&o);
  return f && f->files == files && f->refresh_interval_ms == refresh_interval_ms;
}

absl::StatusOr<std::unique_ptr<Discoverer>> FileSDConfig::NewDiscoverer(const DiscovererOptions& opts) const {
  return std::make_unique<FileDiscoverer>(*this, opts);
}

namespace discovery {

absl::StatusOr<std::shared_ptr<const DiscoveryConfig>> ParseFileSD(const yamlcfg::Ctx& ctx, const YAML::Node& n) {
  auto c = std::make_shared<FileSDConfig>();
  absl::StatusOr<yamlcfg::Map> m = yamlcfg::Map::Read(ctx, n, "file.SDConfig");
  if (!m.ok()) return m.status();
  absl::Status st;
  if (const YAML::Node* f = m->Take("files"); f && !(st = yamlcfg::ReadStringList(ctx, *f, &c->files)).ok()) return st;
  const YAML::Node* ri = m->Take("refresh_interval");
  if (ri && !(st = yamlcfg::ReadDuration(ctx, *ri, &c->refresh_interval_ms)).ok()) return st;
  if (ri && c->refresh_interval_ms == 0) c->refresh_interval_ms = 5 * 60 * 1000;
  if (!(st = m->Done()).ok()) return st;
  if (c->files.empty()) return yamlcfg::ErrorAt(ctx, n, "file service discovery config must contain at least one path name");
  static const re2::RE2 kName("^[^*]*(\\*[^/]*)?\\.(json|yml|yaml|JSON|YML|YAML)$");
  for (std::string& f : c->files) {
    if (!re2::RE2::FullMatch(f, kName)) {
      return yamlcfg::ErrorAt(ctx, n, absl::StrCat("path name ", QuoteGo(f), " is not valid for file discovery"));
    }
    f = yamlcfg::JoinDir(ctx, f);
  }
  return c;
}

}  // namespace discovery
}  // namespace promlite::scrape
