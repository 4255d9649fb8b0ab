// Registration, response envelopes and the query endpoints.
#include "api/v1.h"

#include <chrono>

#include "absl/strings/str_cat.h"
#include "api/params.h"
#include "web/json.h"

namespace promlite::server {

std::string_view ErrorTypeName(ErrorType t) {
  switch (t) {
    case ErrorType::kTimeout: return "timeout";
    case ErrorType::kCanceled: return "canceled";
    case ErrorType::kExecution: return "execution";
    case ErrorType::kBadData: return "bad_data";
    case ErrorType::kInternal: return "internal";
    case ErrorType::kUnavailable: return "unavailable";
    case ErrorType::kNotFound: return "not_found";
  }
  return "internal";
}

int ErrorStatusCode(ErrorType t) {
  switch (t) {
    case ErrorType::kBadData: return 400;
    case ErrorType::kExecution: return 422;
    case ErrorType::kCanceled: return 499;
    case ErrorType::kTimeout: return 503;
    case ErrorType::kInternal: return 500;
    case ErrorType::kUnavailable: return 503;
    case ErrorType::kNotFound: return 404;
  }
  return 500;
}

void RespondError(HttpResponse* res, ErrorType type, std::string_view msg) {
  res->status = ErrorStatusCode(type);
  res->content_type = "application/json";
  res->body.clear();
  JsonWriter w(&res->body);
  w.BeginObject();
  w.Key("status");
  w.String("error");
  w.Key("errorType");
  w.String(ErrorTypeName(type));
  w.Key("error");
  w.String(msg);
  w.EndObject();
}

void RespondData(HttpResponse* res, std::string_view data_json, const promql::Annotations* ann) {
  res->status = 200;
  res->content_type = "application/json";
  std::string& out = res->body;
  out.clear();
  out.reserve(data_json.size() + 64);
  out.append("{\"status\":\"success\",\"data\":");
  out.append(data_json);
  if (ann != nullptr) {
    JsonWriter w(&out);
    if (!ann->warnings.empty()) {
      out.append(",\"warnings\":");
      w.BeginArray();
      for (const auto& s : ann->warnings) w.String(s);
      w.EndArray();
    }
    if (!ann->infos.empty()) {
      out.append(",\"infos\":");
      JsonWriter w2(&out);
      w2.BeginArray();
      for (const auto& s : ann->infos) w2.String(s);
      w2.EndArray();
    }
  }
  out.push_back('}');
}

bool QueryLimiter::Acquire(std::chrono::milliseconds max_wait) {
  std::unique_lock<std::mutex> l(mu_);
  if (!cv_.wait_for(l, max_wait, [&] { return active_.load() < max_; })) return false;
  active_++;
  return true;
}

void QueryLimiter::Release() {
  {
    std::lock_guard<std::mutex> l(mu_);
    active_--;
  }
  cv_.notify_one();
}

namespace {

void WriteMetric(JsonWriter& w, const tsdb::Labels& l) {
  w.BeginObject();
  for (size_t i = 0; i < l.size(); i++) {
    tsdb::Label lb = l[i];
    w.Key(lb.name);
    w.String(lb.value);
  }
  w.EndObject();
}

void WritePoint(JsonWriter& w, int64_t t, double v) {
  w.BeginArray();
  w.Timestamp(t);
  w.SampleValue(v);
  w.EndArray();
}

ErrorType ErrorTypeForEval(const absl::Status& st) {
  switch (st.code()) {
    case absl::StatusCode::kDeadlineExceeded: return ErrorType::kTimeout;
    case absl::StatusCode::kCancelled: return ErrorType::kCanceled;
    case absl::StatusCode::kUnavailable:
    case absl::StatusCode::kInternal:
    case absl::StatusCode::kDataLoss: return ErrorType::kInternal;
    default: return ErrorType::kExecution;
  }
}

// lookback_delta and stats; false after responding with an error.
bool ParseQueryOptions(const HttpRequest& req, promql::QueryOptions* qo, HttpResponse* res) {
  if (std::string lb = req.Param("lookback_delta"); !lb.empty()) {
    auto d = ParseDurationParam(lb);
    if (!d.ok()) {
      RespondError(res, ErrorType::kBadData, InvalidParam("lookback_delta", d.status()).message());
      return false;
    }
    qo->lookback_delta_ms = *d;
  }
  qo->enable_per_step_stats = req.Param("stats") == "all";
  return true;
}

}  // namespace

void WriteQueryData(const promql::Value& v, std::string* out, const promql::QueryStats* stats) {
  JsonWriter w(out);
  w.BeginObject();
  w.Key("resultType");
  w.String(promql::ValueTypeName(promql::TypeOf(v)));
  w.Key("result");
  if (const auto* vec = std::get_if<promql::Vector>(&v)) {
    w.BeginArray();
    for (const auto& s : *vec) {
      w.BeginObject();
      w.Key("metric");
      WriteMetric(w, s.metric);
      w.Key("value");
      WritePoint(w, s.t, s.f);
      w.EndObject();
    }
    w.EndArray();
  } else if (const auto* m = std::get_if<promql::Matrix>(&v)) {
    w.BeginArray();
    for (const auto& s : *m) {
      w.BeginObject();
      w.Key("metric");
      WriteMetric(w, s.metric);
      w.Key("values");
      w.BeginArray();
      for (const auto& p : s.floats) WritePoint(w, p.t, p.f);
      w.EndArray();
      w.EndObject();
    }
    w.EndArray();
  } else if (const auto* sc = std::get_if<promql::Scalar>(&v)) {
    WritePoint(w, sc->t, sc->v);
  } else if (const auto* str = std::get_if<promql::String>(&v)) {
    w.BeginArray();
    w.Timestamp(str->t);
    w.String(str->v);
    w.EndArray();
  } else {
    w.Null();
  }
  if (stats != nullptr) {
    w.Key("stats");
    w.BeginObject();
    w.Key("timings");
    w.BeginObject();
    w.Key("evalTotalTime");
    w.Double(stats->exec_seconds);
    w.Key("resultSortTime");
    w.Double(0);
    w.Key("queryPreparationTime");
    w.Double(stats->prepare_seconds);
    w.Key("innerEvalTime");
    w.Double(stats->exec_seconds - stats->prepare_seconds);
    w.Key("execQueueTime");
    w.Double(0);
    w.Key("execTotalTime");
    w.Double(stats->exec_seconds);
    w.EndObject();
    w.Key("samples");
    w.BeginObject();
    w.Key("totalQueryableSamples");
    w.Int(stats->total_samples);
    w.Key("peakSamples");
    w.Int(stats->peak_samples);
    if (!stats->samples_per_step.empty()) {
      w.Key("totalQueryableSamplesPerStep");
      w.BeginArray();
      for (const auto& [t, n] : stats->samples_per_step) {
        w.BeginArray();
        w.Timestamp(t);
        w.Int(n);
        w.EndArray();
      }
      w.EndArray();
    }
    w.EndObject();
    w.EndObject();
  }
  w.EndObject();
}

void ApiV1::RunQuery(std::unique_ptr<promql::Query> q, const HttpRequest& req, HttpResponse* res) {
  if (!ctx_.limiter->Acquire(std::chrono::milliseconds(ctx_.query_timeout_ms))) {
    RespondError(res, ErrorType::kTimeout, "query timed out in query queue");
    return;
  }
  auto start = std::chrono::steady_clock::now();
  promql::Result r = q->Exec();
  ctx_.limiter->Release();
  if (ctx_.observe_query) {
    ctx_.observe_query(std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
  }
  if (!r.status.ok()) {
    RespondError(res, ErrorTypeForEval(r.status), r.status.message());
    return;
  }
  std::string data;
  std::string stats_param = req.Param("stats");
  WriteQueryData(r.value, &data, stats_param.empty() ? nullptr : &q->Stats());
  RespondData(res, data, &r.annotations);
}

void ApiV1::Query(const HttpRequest& req, HttpResponse* res) {
  int64_t ts;
  if (req.HasParam("time") && !req.Param("time").empty()) {
    auto t = ParseTimeParam(req.Param("time"));
    if (!t.ok()) return RespondError(res, ErrorType::kBadData, InvalidParam("time", t.status()).message());
    ts = *t;
  } else {
    ts = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
             .count();
  }
  promql::QueryOptions qo;
  if (!ParseQueryOptions(req, &qo, res)) return;
  auto q = ctx_.engine->NewInstantQuery(ctx_.db, req.Param("query"), ts, qo);
  if (!q.ok()) return RespondError(res, ErrorType::kBadData, InvalidParam("query", q.status()).message());
  RunQuery(*std::move(q), req, res);
}

void ApiV1::QueryRange(const HttpRequest& req, HttpResponse* res) {
  auto start = ParseTimeParam(req.Param("start"));
  if (!start.ok()) return RespondError(res, ErrorType::kBadData, InvalidParam("start", start.status()).message());
  auto end = ParseTimeParam(req.Param("end"));
  if (!end.ok()) return RespondError(res, ErrorType::kBadData, InvalidParam("end", end.status()).message());
  if (*end < *start) {
    return RespondError(res, ErrorType::kBadData,
                        InvalidParam("end", absl::InvalidArgumentError("end timestamp must not be before start time"))
                            .message());
  }
  auto step = ParseDurationParam(req.Param("step"));
  if (!step.ok()) return RespondError(res, ErrorType::kBadData, InvalidParam("step", step.status()).message());
  if (*step <= 0) {
    return RespondError(
        res, ErrorType::kBadData,
        InvalidParam("step", absl::InvalidArgumentError(
                                 "zero or negative query resolution step widths are not accepted. Try a positive integer"))
            .message());
  }
  // Prometheus refuses more than 11,000 points per series.
  if ((*end - *start) / *step > 11000) {
    return RespondError(res, ErrorType::kBadData,
                        "exceeded maximum resolution of 11,000 points per timeseries. Try decreasing the query "
                        "resolution (?step=XX)");
  }
  promql::QueryOptions qo;
  if (!ParseQueryOptions(req, &qo, res)) return;
  auto q = ctx_.engine->NewRangeQuery(ctx_.db, req.Param("query"), *start, *end, *step, qo);
  if (!q.ok()) return RespondError(res, ErrorType::kBadData, InvalidParam("query", q.status()).message());
  promql::ValueType t = (*q)->Statement().Type();
  if (t != promql::ValueType::kVector && t != promql::ValueType::kScalar) {
    return RespondError(res, ErrorType::kBadData,
                        absl::StrCat("invalid parameter \"query\": invalid expression type \"",
                                     std::string(promql::DocumentedType(t)),
                                     "\" for range query, must be Scalar or instant Vector"));
  }
  RunQuery(*std::move(q), req, res);
}

void ApiV1::Register(HttpServer* s) {
  auto bind = [this](void (ApiV1::*fn)(const HttpRequest&, HttpResponse*)) {
    return [this, fn](const HttpRequest& req, HttpResponse* res) { (this->*fn)(req, res); };
  };
  auto both = [&](const std::string& path, void (ApiV1::*fn)(const HttpRequest&, HttpResponse*)) {
    s->Get(path, bind(fn));
    s->Post(path, bind(fn));
  };
  both("/api/v1/query", &ApiV1::Query);
  both("/api/v1/query_range", &ApiV1::QueryRange);
  both("/api/v1/series", &ApiV1::Series);
  both("/api/v1/labels", &ApiV1::Labels);
  s->Get("/api/v1/label/([^/]+)/values", bind(&ApiV1::LabelValues));
  s->Get("/api/v1/metadata", bind(&ApiV1::Metadata));
  s->Get("/api/v1/targets", bind(&ApiV1::Targets));
  s->Get("/api/v1/targets/metadata", bind(&ApiV1::TargetsMetadata));
  s->Get("/api/v1/status/config", bind(&ApiV1::StatusConfig));
  s->Get("/api/v1/status/flags", bind(&ApiV1::StatusFlags));
  s->Get("/api/v1/status/buildinfo", bind(&ApiV1::StatusBuildinfo));
  s->Get("/api/v1/status/runtimeinfo", bind(&ApiV1::StatusRuntimeinfo));
  s->Get("/api/v1/status/tsdb", bind(&ApiV1::StatusTsdb));
  both("/api/v1/format_query", &ApiV1::FormatQuery);
  both("/api/v1/parse_query", &ApiV1::ParseQuery);
  // Endpoints whose features come later answer with their empty shapes so
  // Grafana's checks pass.
  s->Get("/api/v1/status/walreplay", [](const HttpRequest&, HttpResponse* res) {
    RespondData(res, "{\"min\":0,\"max\":0,\"current\":0}");
  });
  auto exemplars = [](const HttpRequest&, HttpResponse* res) { RespondData(res, "[]"); };
  s->Get("/api/v1/query_exemplars", exemplars);
  s->Post("/api/v1/query_exemplars", exemplars);
  // /api/v1/rules, /api/v1/alerts and /api/v1/alertmanagers: RegisterRulesApi (v1_rules.cc).
}

}  // namespace promlite::server
