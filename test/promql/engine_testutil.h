// Helpers for the engine tests: an in-memory DB with series written as
// (labels, start, step, values) and queries whose results are printed in a
// compact, comparable form.
#pragma once

#include <cmath>
#include <limits>
#include <map>
#include <stdexcept>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "promlite/promql/engine.h"
#include "promlite/tsdb/db.h"

namespace promlite::promql::enginetest {

inline constexpr int64_t kMin = 60 * 1000;

// One series: values[k] is written at start + k*step; nullopt leaves a gap.
struct SeriesSpec {
  std::string labels;  // Prometheus text form: name{a="b"}
  int64_t start = 0;
  int64_t step = kMin;
  std::vector<std::optional<double>> values;
};

inline std::vector<std::optional<double>> Ramp(double from, double inc, int n) {
  std::vector<std::optional<double>> v;
  for (int i = 0; i <= n; i++) v.push_back(from + inc * i);
  return v;
}

// Series are buffered and written on first use, all of them in time order:
// the head only accepts samples within half a block range of its newest one.
class TestDB {
 public:
  TestDB() : db_(tsdb::DB::OpenInMemory()) {}
  tsdb::DB* db() {
    Flush();
    return db_.get();
  }

  void Add(const SeriesSpec& s) { pending_.push_back(s); }

 private:
  void Flush() {
    if (pending_.empty()) return;
    std::map<int64_t, std::vector<std::pair<size_t, double>>> by_time;
    std::vector<tsdb::Labels> labels(pending_.size());
    for (size_t i = 0; i < pending_.size(); i++) {
      const SeriesSpec& s = pending_[i];
      absl::Status st = tsdb::Labels::Parse(s.labels, &labels[i]);
      if (!st.ok()) throw std::runtime_error(std::string(st.message()));
      for (size_t k = 0; k < s.values.size(); k++) {
        // tsdb::StaleNaN() values write staleness markers.
        if (s.values[k]) by_time[s.start + static_cast<int64_t>(k) * s.step].emplace_back(i, *s.values[k]);
      }
    }
    for (auto& [t, samples] : by_time) {
      auto app = db_->NewAppender();
      for (auto& [i, v] : samples) {
        auto r = app->Append(0, labels[i], t, v);
        if (!r.ok()) throw std::runtime_error(std::string(r.status().message()));
      }
      absl::Status c = app->Commit();
      if (!c.ok()) throw std::runtime_error(std::string(c.message()));
    }
    pending_.clear();
  }

  std::unique_ptr<tsdb::DB> db_;
  std::vector<SeriesSpec> pending_;
};

inline std::string Num(double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  std::ostringstream o;
  o.precision(17);
  o << v;
  return o.str();
}

// "labels value" per element, one line each, in result order; a matrix
// prints "labels v@t v@t ..."; errors print "error: <message>".
inline std::string Show(const Result& r) {
  if (!r.status.ok()) return absl::StrCat("error: ", std::string(r.status.message()));
  std::string out;
  if (auto* v = std::get_if<Vector>(&r.value)) {
    for (const Sample& s : *v) absl::StrAppend(&out, s.metric.ToString(), " ", Num(s.f), "\n");
  } else if (auto* m = std::get_if<Matrix>(&r.value)) {
    for (const Series& s : *m) {
      absl::StrAppend(&out, s.metric.ToString());
      for (const FPoint& p : s.floats) absl::StrAppend(&out, " ", Num(p.f), "@", p.t / 1000);
      out += "\n";
    }
  } else if (auto* s = std::get_if<Scalar>(&r.value)) {
    absl::StrAppend(&out, "scalar ", Num(s->v), "\n");
  } else if (auto* s = std::get_if<String>(&r.value)) {
    absl::StrAppend(&out, "string ", s->v, "\n");
  }
  return out;
}

inline Result Instant(Engine& e, tsdb::Queryable* q, std::string_view query, int64_t t_ms) {
  auto qq = e.NewInstantQuery(q, query, t_ms);
  if (!qq.ok()) return Result{qq.status(), {}, {}};
  return (*qq)->Exec();
}

inline Result Range(Engine& e, tsdb::Queryable* q, std::string_view query, int64_t start, int64_t end, int64_t step) {
  auto qq = e.NewRangeQuery(q, query, start, end, step);
  if (!qq.ok()) return Result{qq.status(), {}, {}};
  return (*qq)->Exec();
}

inline EngineOptions TestOptions() {
  EngineOptions o = EngineOptions::ForTests();
  o.max_samples = 10000;
  return o;
}

}  // namespace promlite::promql::enginetest
