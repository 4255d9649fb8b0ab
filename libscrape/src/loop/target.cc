#include "loop/target.h"

#include <map>

#include "absl/hash/hash.h"
#include "absl/strings/str_cat.h"
#include "promlite/scrape/label_builder.h"
#include "promlite/tsdb/duration.h"
#include "util/quote.h"
#include "util/strings.h"

namespace promlite::scrape::loop {
namespace {

bool Unreserved(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_' ||
         c == '.' || c == '~';
}

void PercentByte(std::string* out, unsigned char c) {
  static const char kHex[] = "0123456789ABCDEF";
  out->push_back('%');
  out->push_back(kHex[c >> 4]);
  out->push_back(kHex[c & 15]);
}

}  // namespace

std::string QueryEscape(std::string_view s) {
  std::string out;
  for (char c : s) {
    if (Unreserved(c)) {
      out.push_back(c);
    } else if (c == ' ') {
      out.push_back('+');
    } else {
      PercentByte(&out, static_cast<unsigned char>(c));
    }
  }
  return out;
}

std::string PathEscape(std::string_view s) {
  std::string out;
  for (char c : s) {
    bool keep = Unreserved(c) || c == '$' || c == '&' || c == '+' || c == ',' || c == '/' || c == ':' || c == ';' ||
                c == '=' || c == '@';
    if (keep) {
      out.push_back(c);
    } else {
      PercentByte(&out, static_cast<unsigned char>(c));
    }
  }
  return out;
}

absl::StatusOr<PopulatedLabels> PopulateLabels(const ScrapeConfig& cfg, const LabelSet& target, const LabelSet& group) {
  LabelBuilder lb;
  for (const auto& [k, v] : target) lb.Set(k, v);
  for (const auto& [k, v] : group) {
    if (!target.count(k)) lb.Set(k, v);
  }
  const std::pair<std::string_view, std::string> defaults[] = {
      {"job", cfg.job_name},
      {"__scrape_interval__", tsdb::FormatDuration(cfg.scrape_interval_ms)},
      {"__scrape_timeout__", tsdb::FormatDuration(cfg.scrape_timeout_ms)},
      {"__metrics_path__", cfg.metrics_path},
      {"__scheme__", cfg.scheme},
  };
  for (const auto& [k, v] : defaults) {
    if (lb.Get(k).empty()) lb.Set(k, v);
  }
  for (const auto& [k, vs] : cfg.params) {
    std::string name = absl::StrCat("__param_", k);
    if (!vs.empty() && lb.Get(name).empty()) lb.Set(name, vs[0]);
  }
  PopulatedLabels out;
  out.discovered = lb.Labels();
  if (!Relabel(lb, cfg.relabel_configs, cfg.metric_name_validation_scheme)) return out;  // dropped

  std::string addr(lb.Get("__address__"));
  if (addr.empty()) return absl::InvalidArgumentError("no address");
  if (addr.find('/') != std::string::npos) {
    return absl::InvalidArgumentError(absl::StrCat(QuoteGo(addr), " is not a valid hostname"));
  }
  std::string interval(lb.Get("__scrape_interval__"));
  absl::StatusOr<int64_t> iv = tsdb::ParseDuration(interval);
  if (!iv.ok()) return absl::InvalidArgumentError(absl::StrCat("error parsing scrape interval: ", iv.status().message()));
  if (*iv == 0) return absl::InvalidArgumentError("scrape interval cannot be 0");
  std::string timeout(lb.Get("__scrape_timeout__"));
  absl::StatusOr<int64_t> to = tsdb::ParseDuration(timeout);
  if (!to.ok()) return absl::InvalidArgumentError(absl::StrCat("error parsing scrape timeout: ", to.status().message()));
  if (*to == 0) return absl::InvalidArgumentError("scrape timeout cannot be 0");
  if (*to > *iv) {
    return absl::InvalidArgumentError(absl::StrCat("scrape timeout cannot be greater than scrape interval (",
                                                   QuoteGo(timeout), " > ", QuoteGo(interval), ")"));
  }
  // Meta labels end with relabeling; other internal labels stay with the target.
  std::vector<std::string> meta;
  lb.Range([&](std::string_view n, std::string_view) {
    if (n.substr(0, 7) == "__meta_") meta.emplace_back(n);
  });
  for (const auto& n : meta) lb.Del(n);
  if (lb.Get("instance").empty()) lb.Set("instance", addr);
  out.labels = lb.Labels();
  for (size_t i = 0; i < out.labels.size(); i++) {
    tsdb::Label l = out.labels[i];
    if (!tsdb::IsValidUtf8(l.value)) {
      return absl::InvalidArgumentError(absl::StrCat("invalid label value for ", QuoteGo(l.name), ": ", QuoteGo(l.value)));
    }
  }
  return out;
}

Target::Target(tsdb::Labels labels, tsdb::Labels discovered, const ScrapeConfig& cfg)
    : labels_(std::move(labels)), discovered_(std::move(discovered)) {
  std::vector<std::pair<std::string_view, std::string_view>> pub;
  // Query parameters: the job's params, then __param_* labels overriding the first value.
  std::map<std::string, std::vector<std::string>> params = cfg.params;
  for (size_t i = 0; i < labels_.size(); i++) {
    tsdb::Label l = labels_[i];
    if (l.name.substr(0, 2) != "__") {
      pub.emplace_back(l.name, l.value);
      public_pairs_.emplace_back(std::string(l.name), std::string(l.value));
    }
    if (l.name.substr(0, 8) == "__param_") {
      auto& vs = params[std::string(l.name.substr(8))];
      if (vs.empty()) {
        vs.emplace_back(l.value);
      } else {
        vs[0] = std::string(l.value);
      }
    }
  }
  public_ = tsdb::Labels::FromSortedPairs(pub);
  scheme_ = std::string(labels_.Get("__scheme__"));
  address_ = std::string(labels_.Get("__address__"));
  std::string path(labels_.Get("__metrics_path__"));
  if (path.empty() || path[0] != '/') path.insert(path.begin(), '/');
  path_query_ = PathEscape(path);
  std::string query;
  for (const auto& [k, vs] : params) {
    for (const auto& v : vs) {
      if (!query.empty()) query.push_back('&');
      absl::StrAppend(&query, QueryEscape(k), "=", QueryEscape(v));
    }
  }
  if (!query.empty()) absl::StrAppend(&path_query_, "?", query);
  url_ = absl::StrCat(scheme_, "://", address_, path_query_);
  hash_ = absl::HashOf(labels_.Hash(), url_);
  interval_ms_ = tsdb::ParseDuration(labels_.Get("__scrape_interval__")).value_or(cfg.scrape_interval_ms);
  timeout_ms_ = tsdb::ParseDuration(labels_.Get("__scrape_timeout__")).value_or(cfg.scrape_timeout_ms);
}

void Target::SetDiscovered(tsdb::Labels d) {
  std::lock_guard<std::mutex> l(mu_);
  discovered_ = std::move(d);
}

void Target::Report(int64_t start_ms, double duration_s, const absl::Status& err) {
  std::lock_guard<std::mutex> l(mu_);
  health_ = err.ok() ? TargetHealth::kUp : TargetHealth::kDown;
  last_error_ = err.ok() ? "" : std::string(err.message());
  last_scrape_ms_ = start_ms;
  last_duration_s_ = duration_s;
}

TargetStatus Target::Status(const std::string& pool) const {
  TargetStatus s;
  s.scrape_pool = pool;
  s.labels = public_;
  s.scrape_url = url_;
  s.global_url = url_;
  s.scrape_interval_ms = interval_ms_;
  s.scrape_timeout_ms = timeout_ms_;
  std::lock_guard<std::mutex> l(mu_);
  s.discovered_labels = discovered_;
  s.health = health_;
  s.last_error = last_error_;
  s.last_scrape_ms = last_scrape_ms_;
  s.last_scrape_duration_seconds = last_duration_s_;
  return s;
}

void Target::SetMetadata(std::shared_ptr<const std::vector<MetricMetadata>> m) {
  std::lock_guard<std::mutex> l(mu_);
  metadata_ = std::move(m);
}

std::shared_ptr<const std::vector<MetricMetadata>> Target::Metadata() const {
  std::lock_guard<std::mutex> l(mu_);
  return metadata_;
}

}  // namespace promlite::scrape::loop
