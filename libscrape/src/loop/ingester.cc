#include "loop/ingester.h"

#include <algorithm>
#include <chrono>

#include "absl/strings/str_cat.h"
#include "promlite/scrape/label_builder.h"
#include "promlite/scrape/textparse.h"
#include "promlite/tsdb/sample.h"
#include "util/quote.h"
#include "util/strings.h"

namespace promlite::scrape::loop {
namespace {

// Samples more than this far in the future are out of bounds (Prometheus' maxAheadTime).
constexpr int64_t kMaxAheadMs = 10 * 60 * 1000;

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// Go's "%.50s": at most 50 runes.
std::string_view Runes50(std::string_view s) {
  size_t runes = 0, i = 0;
  while (i < s.size() && runes < 50) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    i += c < 0x80 ? 1 : (c & 0xE0) == 0xC0 ? 2 : (c & 0xF0) == 0xE0 ? 3 : 4;
    runes++;
  }
  return s.substr(0, std::min(i, s.size()));
}

constexpr std::string_view kReportNames[8] = {
    "up", "scrape_duration_seconds", "scrape_samples_scraped", "scrape_samples_post_metric_relabeling",
    "scrape_series_added", "scrape_timeout_seconds", "scrape_sample_limit", "scrape_body_size_bytes",
};

}  // namespace

Ingester::Ingester(std::shared_ptr<const ScrapeConfig> cfg, std::shared_ptr<Target> target,
                   std::shared_ptr<ScrapeCache> cache, std::shared_ptr<tsdb::Logger> logger)
    : cfg_(std::move(cfg)), target_(std::move(target)), cache_(std::move(cache)), logger_(std::move(logger)) {
  if (cfg_->fallback_scrape_protocol) {
    fallback_media_type_ = std::string(ScrapeProtocolMediaType(*cfg_->fallback_scrape_protocol));
  }
}

tsdb::Labels Ingester::Mutate(const tsdb::Labels& scraped) const {
  LabelBuilder lb(scraped);
  const auto& target = target_->public_pairs();
  if (cfg_->honor_labels) {
    for (const auto& [n, v] : target) {
      if (!scraped.Has(n)) lb.Set(n, v);
    }
  } else {
    // Scraped labels that clash with target labels survive as exported_<name>.
    std::vector<std::pair<std::string, std::string>> conflicts;
    for (const auto& [n, v] : target) {
      std::string_view existing = scraped.Get(n);
      if (!existing.empty()) conflicts.emplace_back(n, std::string(existing));
      lb.Set(n, v);
    }
    std::stable_sort(conflicts.begin(), conflicts.end(),
                     [](const auto& a, const auto& b) { return a.first.size() < b.first.size(); });
    for (const auto& [n, v] : conflicts) {
      std::string name = n;
      for (;;) {
        name = absl::StrCat("exported_", name);
        if (lb.Get(name).empty()) {
          lb.Set(name, v);
          break;
        }
      }
    }
  }
  if (!Relabel(lb, cfg_->metric_relabel_configs, cfg_->metric_name_validation_scheme)) return tsdb::Labels();
  return lb.Labels();
}

absl::Status Ingester::Validate(const tsdb::Labels& lset) const {
  if (!lset.Has(tsdb::kMetricName)) return absl::InvalidArgumentError("missing metric name (__name__ label)");
  const bool legacy = cfg_->metric_name_validation_scheme == NameValidation::kLegacy;
  for (size_t i = 0; i < lset.size(); i++) {
    tsdb::Label l = lset[i];
    bool ok = legacy ? tsdb::IsValidLegacyLabelName(l.name) : tsdb::IsValidLabelName(l.name);
    if (l.name == tsdb::kMetricName) {
      ok = legacy ? tsdb::IsValidLegacyMetricName(l.value) : tsdb::IsValidLabelName(l.value);
    }
    ok = ok && tsdb::IsValidUtf8(l.value);
    if (!ok) return absl::InvalidArgumentError(absl::StrCat("invalid metric name or label names: ", lset.ToString()));
    if (i > 0 && lset[i - 1].name == l.name) {
      return absl::InvalidArgumentError(absl::StrCat("label name ", QuoteGo(l.name), " is not unique: invalid sample"));
    }
  }
  std::string_view met = lset.MetricName();
  if (cfg_->label_limit > 0 && lset.size() > cfg_->label_limit) {
    return absl::InvalidArgumentError(absl::StrCat("label_limit exceeded (metric: ", A(Runes50(met)),
                                                   ", number of labels: ", lset.size(), ", limit: ", cfg_->label_limit,
                                                   ")"));
  }
  for (size_t i = 0; i < lset.size(); i++) {
    tsdb::Label l = lset[i];
    if (cfg_->label_name_length_limit > 0 && l.name.size() > cfg_->label_name_length_limit) {
      return absl::InvalidArgumentError(absl::StrCat("label_name_length_limit exceeded (metric: ", A(Runes50(met)),
                                                     ", label name: ", A(Runes50(l.name)), ", length: ", l.name.size(),
                                                     ", limit: ", cfg_->label_name_length_limit, ")"));
    }
    if (cfg_->label_value_length_limit > 0 && l.value.size() > cfg_->label_value_length_limit) {
      return absl::InvalidArgumentError(absl::StrCat(
          "label_value_length_limit exceeded (metric: ", A(Runes50(met)), ", label name: ", A(Runes50(l.name)),
          ", value: ", QuoteGo(Runes50(l.value)), ", length: ", l.value.size(), ", limit: ",
          cfg_->label_value_length_limit, ")"));
    }
  }
  return absl::OkStatus();
}

void Ingester::NoteMetadata(std::string_view family, MetricType type, const std::string_view* help,
                            const std::string_view* unit, bool set_type) {
  auto it = meta_.end();
  if (meta_hint_ != meta_.end()) {
    if (meta_hint_->first == family) {
      it = meta_hint_;
    } else if (auto next = std::next(meta_hint_); next != meta_.end() && next->first == family) {
      it = next;
    }
  }
  if (it == meta_.end()) it = meta_.find(family);
  if (it == meta_.end()) {
    it = meta_.emplace(std::string(family), Meta{}).first;
    meta_changed_ = true;
  }
  meta_hint_ = it;
  Meta& m = it->second;
  if (set_type && m.type != type) {
    m.type = type;
    meta_changed_ = true;
  }
  if (help && m.help != *help) {
    m.help.assign(*help);
    meta_changed_ = true;
  }
  if (unit && m.unit != *unit) {
    m.unit.assign(*unit);
    meta_changed_ = true;
  }
  m.last_iter = cache_->iter();
}

void Ingester::PublishMetadata() {
  // Families keep their metadata for 10 scrapes after they vanish, as in Prometheus.
  for (auto it = meta_.begin(); it != meta_.end();) {
    if (cache_->iter() - it->second.last_iter > 10) {
      if (it == meta_hint_) meta_hint_ = meta_.end();
      it = meta_.erase(it);
      meta_changed_ = true;
    } else {
      ++it;
    }
  }
  if (!meta_changed_) return;
  meta_changed_ = false;
  auto snap = std::make_shared<std::vector<MetricMetadata>>();
  snap->reserve(meta_.size());
  for (const auto& [f, m] : meta_) snap->push_back(MetricMetadata{f, m.type, m.help, m.unit});
  target_->SetMetadata(std::move(snap));
}

absl::Status Ingester::AppendStale(tsdb::Appender& app, int64_t ts) {
  absl::Status err;
  const double stale = tsdb::StaleNaN();
  cache_->ForEachStale([&](tsdb::SeriesRef ref) {
    absl::StatusOr<tsdb::SeriesRef> r = app.Append(ref, tsdb::Labels(), ts, stale);
    // Out of order is expected when the series already came back elsewhere;
    // an unknown ref means the storage already dropped the series.
    if (!r.ok() && !tsdb::IsOutOfOrder(r.status()) && !tsdb::IsDuplicateSample(r.status()) &&
        !tsdb::IsUnknownSeriesRef(r.status())) {
      err = r.status();
      return false;
    }
    return true;
  });
  return err;
}

IngestResult Ingester::Ingest(tsdb::Appender& app, std::string_view body, std::string_view content_type, int64_t ts) {
  IngestResult res;
  cache_->BeginIter();
  if (body.empty()) {
    // Like Prometheus: a successful empty scrape stale-marks everything.
    res.status = AppendStale(app, ts);
    cache_->EndIter(res.status.ok(), /*flush=*/false);
    return res;
  }
  std::string warning;
  absl::StatusOr<std::unique_ptr<Parser>> parser =
      NewParserForContentType(body, content_type, fallback_media_type_, {}, &warning);
  if (!parser.ok()) {
    res.status = parser.status();
    return res;
  }
  if (!warning.empty()) logger_->Debug("scrape", "Invalid content type on scrape, using fallback setting",
                                       {{"target", target_->url()}, {"warning", warning}});
  Parser& p = **parser;
  const int64_t max_t = NowMs() + kMaxAheadMs;
  const uint64_t sample_limit = cfg_->sample_limit;
  const bool honor_ts = cfg_->honor_timestamps;
  const bool track_ts = cfg_->track_timestamps_staleness;
  uint64_t limited = 0;  // appends counted against sample_limit
  bool limit_hit = false;
  size_t ooo = 0, dups = 0, bounds = 0;
  absl::Status err;
  for (;;) {
    absl::StatusOr<EntryType> e = p.Next();
    if (!e.ok()) {
      err = e.status();
      break;
    }
    if (*e == EntryType::kEOF) break;
    switch (*e) {
      case EntryType::kType: {
        NoteMetadata(p.MetricFamily(), p.Type(), nullptr, nullptr, true);
        continue;
      }
      case EntryType::kHelp: {
        std::string_view help = p.Help();
        std::string_view family = p.MetricFamily();
        NoteMetadata(family, MetricType::kUnknown, &help, nullptr, false);
        continue;
      }
      case EntryType::kUnit: {
        std::string_view unit = p.Unit();
        NoteMetadata(p.MetricFamily(), MetricType::kUnknown, nullptr, &unit, false);
        continue;
      }
      case EntryType::kComment:
      case EntryType::kEOF:
        continue;
      case EntryType::kSeries:
        break;
    }
    res.total++;
    const bool has_ts = honor_ts && p.HasTimestamp();
    const int64_t t = has_ts ? p.Timestamp() : ts;
    const double v = p.Value();
    std::string_view key = p.Series();
    // Known series first: dropped ones are rare, and a key is never in both.
    bool dup = false;
    int32_t idx = cache_->Find(key, &dup);
    if (idx < 0 && cache_->IsDropped(key)) continue;
    // Known series are appended by ref alone: the cache keeps no label set
    // (the storage has it), which is most of what a cached series costs.
    tsdb::Labels fresh;
    tsdb::SeriesRef ref = 0;
    auto compute_labels = [&]() -> bool {
      fresh = Mutate(p.Labels());
      if (fresh.empty()) return false;
      if (absl::Status st = Validate(fresh); !st.ok()) err = st;
      return true;
    };
    if (idx >= 0) {
      ref = cache_->at(static_cast<uint32_t>(idx)).ref;
    } else {
      if (!compute_labels()) {
        cache_->AddDropped(key);
        continue;
      }
      if (!err.ok()) break;
    }

    absl::Status aerr;
    bool limited_out = false;
    if (dup && !has_ts) {
      aerr = tsdb::ErrDuplicateSampleForTimestamp();
    } else if (t > max_t) {
      aerr = tsdb::ErrOutOfBounds();
    } else if (sample_limit > 0 && (ref == 0 || !tsdb::IsStaleNaN(v)) && ++limited > sample_limit) {
      // Keep parsing to report the real sample count; the scrape fails below.
      limit_hit = true;
      limited_out = true;
    } else {
      absl::StatusOr<tsdb::SeriesRef> r = app.Append(ref, fresh, t, v);
      if (!r.ok() && tsdb::IsUnknownSeriesRef(r.status())) {
        // The storage dropped the series (head garbage collection): start
        // over from the labels, which the cache entry had not changed.
        if (compute_labels()) {
          if (!err.ok()) break;
          r = app.Append(0, fresh, t, v);
        }
      }
      if (r.ok()) {
        ref = *r;
      } else {
        aerr = r.status();
      }
    }
    bool appended = aerr.ok() && !limited_out;
    if (!aerr.ok()) {
      if (tsdb::IsOutOfOrder(aerr)) {
        ooo++;
      } else if (tsdb::IsDuplicateSample(aerr)) {
        dups++;
      } else if (tsdb::IsOutOfBounds(aerr)) {
        bounds++;
      } else {
        err = aerr;
        break;
      }
    }
    if (appended) {
      uint32_t u;
      if (idx >= 0) {
        u = static_cast<uint32_t>(idx);
        cache_->at(u).ref = ref;
      } else {
        u = cache_->Add(key, ref);
        if (!limit_hit) res.series_added++;
      }
      // Explicit timestamps opt out of staleness unless asked for.
      if (!has_ts || track_ts) cache_->Touch(u);
    }
    res.added++;
  }
  if (err.ok() && limit_hit) err = absl::ResourceExhaustedError("sample limit exceeded");
  if (ooo > 0) {
    logger_->Warn("scrape", "Error on ingesting out-of-order samples",
                  {{"target", target_->url()}, {"num_dropped", std::to_string(ooo)}});
  }
  if (dups > 0) {
    logger_->Warn("scrape", "Error on ingesting samples with different value but same timestamp",
                  {{"target", target_->url()}, {"num_dropped", std::to_string(dups)}});
  }
  if (bounds > 0) {
    logger_->Warn("scrape", "Error on ingesting samples that are too old or are too far into the future",
                  {{"target", target_->url()}, {"num_dropped", std::to_string(bounds)}});
  }
  if (err.ok()) err = AppendStale(app, ts);
  if (err.ok()) {
    cache_->EndIter(true, /*flush=*/true);
    PublishMetadata();
  }
  res.status = err;
  return res;
}

absl::Status Ingester::IngestFailed(tsdb::Appender& app, int64_t ts) {
  // A new attempt on top of the failed one: nothing is written, so every
  // series of the last successful scrape is stale.
  cache_->BeginIter();
  absl::Status st = AppendStale(app, ts);
  cache_->EndIter(false, false);
  return st;
}

absl::Status Ingester::AppendReport(tsdb::Appender& app, size_t slot, std::string_view name, int64_t ts, double v) {
  if (report_lsets_[slot].empty()) {
    // {__name__=name} plus the target labels (public ones never clash with
    // __name__, so Prometheus' exported_ handling has nothing to do here).
    LabelBuilder lb(tsdb::Labels{{tsdb::kMetricName, name}});
    for (const auto& [n, val] : target_->public_pairs()) lb.Set(n, val);
    report_lsets_[slot] = lb.Labels();
  }
  absl::StatusOr<tsdb::SeriesRef> r = app.Append(report_refs_[slot], report_lsets_[slot], ts, v);
  if (r.ok()) {
    report_refs_[slot] = *r;
    return absl::OkStatus();
  }
  if (tsdb::IsOutOfOrder(r.status()) || tsdb::IsDuplicateSample(r.status())) return absl::OkStatus();
  return r.status();
}

absl::Status Ingester::Report(tsdb::Appender& app, int64_t ts, double duration_s, const IngestResult& r,
                              int64_t body_bytes, const absl::Status& scrape_err) {
  const double values[8] = {scrape_err.ok() ? 1.0 : 0.0,
                            duration_s,
                            static_cast<double>(r.total),
                            static_cast<double>(r.added),
                            static_cast<double>(r.series_added),
                            static_cast<double>(target_->timeout_ms()) / 1000.0,
                            static_cast<double>(cfg_->sample_limit),
                            static_cast<double>(body_bytes)};
  size_t n = cfg_->extra_scrape_metrics ? 8 : 5;
  for (size_t i = 0; i < n; i++) {
    if (absl::Status st = AppendReport(app, i, kReportNames[i], ts, values[i]); !st.ok()) return st;
  }
  return absl::OkStatus();
}

absl::Status Ingester::ReportStale(tsdb::Appender& app, int64_t ts) {
  size_t n = cfg_->extra_scrape_metrics ? 8 : 5;
  for (size_t i = 0; i < n; i++) {
    if (absl::Status st = AppendReport(app, i, kReportNames[i], ts, tsdb::StaleNaN()); !st.ok()) return st;
  }
  return absl::OkStatus();
}

}  // namespace promlite::scrape::loop
