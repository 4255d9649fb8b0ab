// Metadata endpoints: series, labels, label values, metadata, targets.
#include <algorithm>
#include <set>

#include "absl/strings/str_cat.h"
#include "api/params.h"
#include "api/v1.h"
#include "promlite/promql/parser.h"
#include "promlite/tsdb/duration.h"
#include "web/json.h"

namespace promlite::server {
namespace {

struct TimeRange {
  int64_t start = kApiMinTimeMs;
  int64_t end = kApiMaxTimeMs;
};

bool ParseRange(const HttpRequest& req, TimeRange* r, HttpResponse* res) {
  for (const char* name : {"start", "end"}) {
    std::string v = req.Param(name);
    if (v.empty()) continue;
    auto t = ParseTimeParam(v);
    if (!t.ok()) {
      RespondError(res, ErrorType::kBadData, InvalidParam(name, t.status()).message());
      return false;
    }
    (std::string_view(name) == "start" ? r->start : r->end) = *t;
  }
  return true;
}

bool ParseLimit(const HttpRequest& req, size_t* limit, HttpResponse* res) {
  *limit = 0;
  std::string v = req.Param("limit");
  if (v.empty()) return true;
  try {
    size_t used;
    long long n = std::stoll(v, &used);
    if (used != v.size() || n < 0) throw std::invalid_argument("");
    *limit = static_cast<size_t>(n);
    return true;
  } catch (...) {
    RespondError(res, ErrorType::kBadData, absl::StrCat("invalid parameter \"limit\": cannot parse \"", v,
                                                        "\": must be a non-negative integer"));
    return false;
  }
}

bool ParseMatcherSets(const HttpRequest& req, std::vector<std::vector<tsdb::Matcher>>* sets, HttpResponse* res) {
  for (const auto& m : req.Params("match[]")) {
    auto ms = promql::ParseMetricSelector(m);
    if (!ms.ok()) {
      RespondError(res, ErrorType::kBadData, ms.status().message());
      return false;
    }
    // Prometheus refuses selectors that match everything.
    bool any_nonempty = false;
    for (const auto& x : *ms) any_nonempty |= !x.MatchesEmpty();
    if (!any_nonempty) {
      RespondError(res, ErrorType::kBadData, "match[] must contain at least one non-empty matcher");
      return false;
    }
    sets->push_back(*std::move(ms));
  }
  return true;
}

void WriteStrings(const std::vector<std::string>& v, std::string* out) {
  JsonWriter w(out);
  w.BeginArray();
  for (const auto& s : v) w.String(s);
  w.EndArray();
}

// Truncates to `limit` (when set), noting it as Prometheus does.
void ApplyLimit(std::vector<std::string>* v, size_t limit, promql::Annotations* ann) {
  if (limit > 0 && v->size() > limit) {
    v->resize(limit);
    ann->warnings.push_back("results truncated due to limit");
  }
}

void WriteLabels(JsonWriter& w, const tsdb::Labels& l) {
  w.BeginObject();
  for (size_t i = 0; i < l.size(); i++) {
    w.Key(l[i].name);
    w.String(l[i].value);
  }
  w.EndObject();
}

// The union of `fetch(querier, matchers)` over every match[] set (all series
// when none), answered as a sorted string list with the limit applied.
template <typename Fetch>
void RespondStringUnion(tsdb::DB* db, const HttpRequest& req, HttpResponse* res, Fetch fetch) {
  TimeRange r;
  size_t limit;
  std::vector<std::vector<tsdb::Matcher>> sets;
  if (!ParseRange(req, &r, res) || !ParseLimit(req, &limit, res) || !ParseMatcherSets(req, &sets, res)) return;
  auto q = db->NewQuerier(r.start, r.end);
  if (!q.ok()) return RespondError(res, ErrorType::kInternal, q.status().message());
  std::set<std::string> all;
  if (sets.empty()) sets.emplace_back();
  for (const auto& ms : sets) {
    absl::StatusOr<std::vector<std::string>> part = fetch(**q, ms);
    if (!part.ok()) return RespondError(res, ErrorType::kExecution, part.status().message());
    all.insert(part->begin(), part->end());
  }
  std::vector<std::string> v(all.begin(), all.end());
  promql::Annotations ann;
  ApplyLimit(&v, limit, &ann);
  std::string out;
  WriteStrings(v, &out);
  RespondData(res, out, &ann);
}

}  // namespace

void ApiV1::Series(const HttpRequest& req, HttpResponse* res) {
  TimeRange r;
  size_t limit;
  std::vector<std::vector<tsdb::Matcher>> sets;
  if (!req.HasParam("match[]")) return RespondError(res, ErrorType::kBadData, "no match[] parameter provided");
  if (!ParseRange(req, &r, res) || !ParseLimit(req, &limit, res) || !ParseMatcherSets(req, &sets, res)) return;
  auto q = ctx_.db->NewQuerier(r.start, r.end);
  if (!q.ok()) return RespondError(res, ErrorType::kInternal, q.status().message());
  std::set<tsdb::Labels> all;
  tsdb::SelectHints hints;
  hints.start = r.start;
  hints.end = r.end;
  hints.func = "series";
  for (const auto& ms : sets) {
    auto ss = (*q)->Select(false, &hints, ms);
    while (ss->Next()) all.insert(ss->At().labels());
    if (!ss->Err().ok()) return RespondError(res, ErrorType::kExecution, ss->Err().message());
  }
  promql::Annotations ann;
  std::string out;
  JsonWriter w(&out);
  w.BeginArray();
  size_t n = 0;
  for (const auto& l : all) {
    if (limit > 0 && n == limit) {
      ann.warnings.push_back("results truncated due to limit");
      break;
    }
    WriteLabels(w, l);
    n++;
  }
  w.EndArray();
  RespondData(res, out, &ann);
}

void ApiV1::Labels(const HttpRequest& req, HttpResponse* res) {
  RespondStringUnion(ctx_.db, req, res, [](tsdb::Querier& q, const std::vector<tsdb::Matcher>& ms) {
    return q.LabelNames(ms);
  });
}

void ApiV1::LabelValues(const HttpRequest& req, HttpResponse* res) {
  std::string name = req.path_args.empty() ? "" : req.path_args[0];
  // Prometheus 3 accepts UTF-8 names escaped as U__<hex-escaped> in the path.
  if (name.rfind("U__", 0) == 0) {
    std::string decoded;
    std::string_view rest = std::string_view(name).substr(3);
    for (size_t i = 0; i < rest.size(); i++) {
      if (rest[i] == '_' && i + 1 < rest.size() && rest[i + 1] == '_') {
        decoded.push_back('_');
        i++;
      } else if (rest[i] == '_') {
        size_t end = rest.find('_', i + 1);
        if (end == std::string_view::npos) break;
        unsigned cp = static_cast<unsigned>(std::stoul(std::string(rest.substr(i + 1, end - i - 1)), nullptr, 16));
        if (cp < 0x80) {
          decoded.push_back(static_cast<char>(cp));
        } else if (cp < 0x800) {
          decoded.push_back(static_cast<char>(0xC0 | (cp >> 6)));
          decoded.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
        } else if (cp < 0x10000) {
          decoded.push_back(static_cast<char>(0xE0 | (cp >> 12)));
          decoded.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
          decoded.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
        } else {
          decoded.push_back(static_cast<char>(0xF0 | (cp >> 18)));
          decoded.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
          decoded.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
          decoded.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
        }
        i = end;
      } else {
        decoded.push_back(rest[i]);
      }
    }
    name = decoded;
  }
  if (!tsdb::IsValidLabelName(name)) {
    return RespondError(res, ErrorType::kBadData, absl::StrCat("invalid label name: \"", name, "\""));
  }
  RespondStringUnion(ctx_.db, req, res, [&name](tsdb::Querier& q, const std::vector<tsdb::Matcher>& ms) {
    return q.LabelValues(name, ms);
  });
}

void ApiV1::Metadata(const HttpRequest& req, HttpResponse* res) {
  size_t limit;
  if (!ParseLimit(req, &limit, res)) return;
  size_t per_metric = 0;
  if (std::string v = req.Param("limit_per_metric"); !v.empty()) {
    try {
      per_metric = static_cast<size_t>(std::stoull(v));
    } catch (...) {
      return RespondError(res, ErrorType::kBadData, "limit_per_metric must be a number");
    }
  }
  std::string metric = req.Param("metric");
  // metric name -> unique (type, help, unit), in first-seen order.
  std::map<std::string, std::vector<scrape::MetricMetadata>> by_metric;
  if (ctx_.scrape != nullptr) {
    for (const auto& tm : ctx_.scrape->Metadata()) {
      const auto& md = tm.metadata;
      if (!metric.empty() && md.metric_family != metric) continue;
      auto& list = by_metric[md.metric_family];
      bool dup = std::any_of(list.begin(), list.end(), [&](const scrape::MetricMetadata& o) {
        return o.type == md.type && o.help == md.help && o.unit == md.unit;
      });
      if (!dup) list.push_back(md);
    }
  }
  std::string out;
  JsonWriter w(&out);
  w.BeginObject();
  size_t n = 0;
  for (const auto& [name, list] : by_metric) {
    if (limit > 0 && n++ >= limit) break;
    w.Key(name);
    w.BeginArray();
    size_t k = 0;
    for (const auto& md : list) {
      if (per_metric > 0 && k++ >= per_metric) break;
      w.BeginObject();
      w.Key("type");
      w.String(scrape::MetricTypeName(md.type));
      w.Key("help");
      w.String(md.help);
      w.Key("unit");
      w.String(md.unit);
      w.EndObject();
    }
    w.EndArray();
  }
  w.EndObject();
  RespondData(res, out);
}

void ApiV1::Targets(const HttpRequest& req, HttpResponse* res) {
  std::string state = req.Param("state");
  if (state.empty()) state = "any";
  std::string pool = req.Param("scrapePool");
  bool active = state == "any" || state == "active";
  bool dropped = state == "any" || state == "dropped";
  std::string out;
  JsonWriter w(&out);
  w.BeginObject();
  w.Key("activeTargets");
  w.BeginArray();
  if (active && ctx_.scrape != nullptr) {
    for (const auto& t : ctx_.scrape->ActiveTargets()) {
      if (!pool.empty() && t.scrape_pool != pool) continue;
      w.BeginObject();
      w.Key("discoveredLabels");
      WriteLabels(w, t.discovered_labels);
      w.Key("labels");
      WriteLabels(w, t.labels);
      w.Key("scrapePool");
      w.String(t.scrape_pool);
      w.Key("scrapeUrl");
      w.String(t.scrape_url);
      w.Key("globalUrl");
      w.String(t.global_url);
      w.Key("lastError");
      w.String(t.last_error);
      w.Key("lastScrape");
      w.String(t.last_scrape_ms == 0 ? "0001-01-01T00:00:00Z" : FormatRfc3339(t.last_scrape_ms));
      w.Key("lastScrapeDuration");
      w.Double(t.last_scrape_duration_seconds);
      w.Key("health");
      w.String(scrape::TargetHealthName(t.health));
      w.Key("scrapeInterval");
      w.String(tsdb::FormatDuration(t.scrape_interval_ms));
      w.Key("scrapeTimeout");
      w.String(tsdb::FormatDuration(t.scrape_timeout_ms));
      w.EndObject();
    }
  }
  w.EndArray();
  w.Key("droppedTargets");
  w.BeginArray();
  if (dropped && ctx_.scrape != nullptr) {
    for (const auto& t : ctx_.scrape->DroppedTargets()) {
      if (!pool.empty() && t.scrape_pool != pool) continue;
      w.BeginObject();
      w.Key("discoveredLabels");
      WriteLabels(w, t.discovered_labels);
      w.Key("scrapePool");
      w.String(t.scrape_pool);
      w.EndObject();
    }
  }
  w.EndArray();
  w.Key("droppedTargetCounts");
  w.BeginObject();
  if (dropped && ctx_.scrape != nullptr) {
    for (const auto& [p, n] : ctx_.scrape->DroppedTargetCounts()) {
      if (!pool.empty() && p != pool) continue;
      w.Key(p);
      w.Uint(n);
    }
  }
  w.EndObject();
  w.EndObject();
  RespondData(res, out);
}

void ApiV1::TargetsMetadata(const HttpRequest& req, HttpResponse* res) {
  size_t limit;
  if (!ParseLimit(req, &limit, res)) return;
  std::vector<tsdb::Matcher> target_matchers;
  if (std::string m = req.Param("match_target"); !m.empty()) {
    auto ms = promql::ParseMetricSelector(m);
    if (!ms.ok()) return RespondError(res, ErrorType::kBadData, ms.status().message());
    target_matchers = *std::move(ms);
  }
  std::string metric = req.Param("metric");
  std::string out;
  JsonWriter w(&out);
  w.BeginArray();
  size_t n = 0;
  if (ctx_.scrape != nullptr) {
    for (const auto& tm : ctx_.scrape->Metadata()) {
      if (!metric.empty() && tm.metadata.metric_family != metric) continue;
      if (!tsdb::MatchesAll(tm.target, target_matchers)) continue;
      if (limit > 0 && n++ >= limit) break;
      w.BeginObject();
      w.Key("target");
      WriteLabels(w, tm.target);
      // Prometheus leaves the metric name out when the request named it.
      if (metric.empty()) {
        w.Key("metric");
        w.String(tm.metadata.metric_family);
      }
      w.Key("type");
      w.String(scrape::MetricTypeName(tm.metadata.type));
      w.Key("help");
      w.String(tm.metadata.help);
      w.Key("unit");
      w.String(tm.metadata.unit);
      w.EndObject();
    }
  }
  w.EndArray();
  RespondData(res, out);
}

}  // namespace promlite::server
