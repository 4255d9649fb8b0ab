// Status endpoints, format_query and parse_query.
#include <unistd.h>

#include <fstream>
#include <thread>

#include "absl/strings/str_cat.h"
#include "api/params.h"
#include "api/v1.h"
#include "app/version.h"
#include "nlohmann/json.hpp"
#include "promlite/promql/parser.h"
#include "promlite/promql/printer.h"
#include "promlite/tsdb/duration.h"
#include "web/json.h"

namespace promlite::server {
namespace {

using nlohmann::json;

json MatchersJson(const std::vector<tsdb::Matcher>& ms) {
  json out = json::array();
  for (const auto& m : ms) {
    out.push_back({{"name", m.name()}, {"value", m.value()}, {"type", std::string(tsdb::MatchTypeString(m.type()))}});
  }
  return out;
}

json StartOrEndJson(promql::StartOrEnd s) {
  if (s == promql::StartOrEnd::kStart) return "start";
  if (s == promql::StartOrEnd::kEnd) return "end";
  return nullptr;
}

json TimestampJson(const std::optional<int64_t>& t) { return t ? json(*t) : json(nullptr); }

json StringList(const std::vector<std::string>& v) {
  json out = json::array();
  for (const auto& s : v) out.push_back(s);
  return out;
}

// The JSON tree of /api/v1/parse_query, as Prometheus' translateAST writes it
// (Go marshals maps with sorted keys; nlohmann's objects are sorted too).
json AstJson(const promql::Expr* e) {
  using namespace promql;
  if (e == nullptr) return nullptr;
  switch (e->kind()) {
    case NodeKind::kAggregate: {
      const auto* n = e->As<AggregateExpr>();
      return {{"type", "aggregation"},
              {"op", std::string(AggregateOpString(n->op))},
              {"expr", AstJson(n->expr.get())},
              {"param", AstJson(n->param.get())},
              {"grouping", StringList(n->grouping)},
              {"without", n->without}};
    }
    case NodeKind::kBinary: {
      const auto* n = e->As<BinaryExpr>();
      json matching = nullptr;
      if (n->matching) {
        matching = {{"card", std::string(CardinalityString(n->matching->card))},
                    {"labels", StringList(n->matching->matching_labels)},
                    {"on", n->matching->on},
                    {"include", StringList(n->matching->include)}};
      }
      return {{"type", "binaryExpr"},
              {"op", std::string(BinaryOpString(n->op))},
              {"lhs", AstJson(n->lhs.get())},
              {"rhs", AstJson(n->rhs.get())},
              {"matching", matching},
              {"bool", n->return_bool}};
    }
    case NodeKind::kCall: {
      const auto* n = e->As<Call>();
      json args = json::array();
      for (const auto& a : n->args) args.push_back(AstJson(a.get()));
      json arg_types = json::array();
      for (auto t : n->func->arg_types) arg_types.push_back(std::string(ValueTypeName(t)));
      return {{"type", "call"},
              {"func",
               {{"name", std::string(n->func->name)},
                {"argTypes", arg_types},
                {"variadic", n->func->variadic},
                {"returnType", std::string(ValueTypeName(n->func->return_type))}}},
              {"args", args}};
    }
    case NodeKind::kMatrixSelector: {
      const auto* n = e->As<MatrixSelector>();
      const auto& vs = n->selector();
      return {{"type", "matrixSelector"},       {"name", vs.name},
              {"range", n->range_ms},           {"offset", vs.offset_ms},
              {"matchers", MatchersJson(vs.matchers)}, {"timestamp", TimestampJson(vs.at_ms)},
              {"startOrEnd", StartOrEndJson(vs.start_or_end)}};
    }
    case NodeKind::kSubquery: {
      const auto* n = e->As<SubqueryExpr>();
      return {{"type", "subquery"},       {"expr", AstJson(n->expr.get())},
              {"range", n->range_ms},     {"offset", n->offset_ms},
              {"step", n->step_ms},       {"timestamp", TimestampJson(n->at_ms)},
              {"startOrEnd", StartOrEndJson(n->start_or_end)}};
    }
    case NodeKind::kNumberLiteral:
      return {{"type", "numberLiteral"}, {"val", JsonWriter::FormatFloat(e->As<NumberLiteral>()->value)}};
    case NodeKind::kParen:
      return {{"type", "parenExpr"}, {"expr", AstJson(e->As<ParenExpr>()->expr.get())}};
    case NodeKind::kStringLiteral:
      return {{"type", "stringLiteral"}, {"val", e->As<StringLiteral>()->value}};
    case NodeKind::kUnary: {
      const auto* n = e->As<UnaryExpr>();
      return {{"type", "unaryExpr"}, {"op", n->op == UnaryOp::kMinus ? "-" : "+"}, {"expr", AstJson(n->expr.get())}};
    }
    case NodeKind::kVectorSelector: {
      const auto* n = e->As<VectorSelector>();
      return {{"type", "vectorSelector"},
              {"name", n->name},
              {"offset", n->offset_ms},
              {"matchers", MatchersJson(n->matchers)},
              {"timestamp", TimestampJson(n->at_ms)},
              {"startOrEnd", StartOrEndJson(n->start_or_end)}};
    }
    case NodeKind::kStepInvariant:
      return AstJson(e->As<StepInvariantExpr>()->expr.get());
    case NodeKind::kDuration:
      return {{"type", "durationExpr"}, {"expr", promql::Format(*e)}};
  }
  return nullptr;
}

// The "Threads:" line of /proc/self/status; 0 when it cannot be read.
int64_t ProcessThreadCount() {
  std::ifstream in("/proc/self/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("Threads:", 0) == 0) {
      try {
        return std::stoll(line.substr(8));
      } catch (...) {
        return 0;
      }
    }
  }
  return 0;
}

void WriteStats(JsonWriter& w, const std::vector<std::pair<std::string, uint64_t>>& v) {
  w.BeginArray();
  for (const auto& [name, count] : v) {
    w.BeginObject();
    w.Key("name");
    w.String(name);
    w.Key("value");
    w.Uint(count);
    w.EndObject();
  }
  w.EndArray();
}

}  // namespace

void ApiV1::StatusConfig(const HttpRequest&, HttpResponse* res) {
  std::string out;
  JsonWriter w(&out);
  w.BeginObject();
  w.Key("yaml");
  w.String(ctx_.config_yaml ? ctx_.config_yaml() : std::string());
  w.EndObject();
  RespondData(res, out);
}

void ApiV1::StatusFlags(const HttpRequest&, HttpResponse* res) {
  std::string out;
  JsonWriter w(&out);
  w.BeginObject();
  if (ctx_.flags != nullptr) {
    for (const auto& [k, v] : ctx_.flags->AsMap()) {
      w.Key(k);
      w.String(v);
    }
  }
  w.EndObject();
  RespondData(res, out);
}

void ApiV1::StatusBuildinfo(const HttpRequest&, HttpResponse* res) {
  std::string out;
  JsonWriter w(&out);
  w.BeginObject();
  w.Key("version");
  w.String(kCompatVersion);
  w.Key("revision");
  w.String(BuildRevision());
  w.Key("branch");
  w.String(absl::StrCat("promlite-", std::string(kVersion)));
  w.Key("buildUser");
  w.String("promlite");
  w.Key("buildDate");
  w.String(BuildDate());
  w.Key("goVersion");
  w.String("none (C++)");
  w.EndObject();
  RespondData(res, out);
}

void ApiV1::StatusRuntimeinfo(const HttpRequest&, HttpResponse* res) {
  std::string out;
  JsonWriter w(&out);
  w.BeginObject();
  const RuntimeState* rt = ctx_.runtime;
  w.Key("startTime");
  w.String(FormatRfc3339(rt ? rt->start_time_ms : 0));
  w.Key("CWD");
  w.String(rt ? rt->cwd : "");
  w.Key("reloadConfigSuccess");
  w.Bool(rt ? rt->reload_success.load() : true);
  w.Key("lastConfigTime");
  w.String(FormatRfc3339(rt ? rt->last_config_time_ms.load() : 0));
  w.Key("corruptionCount");
  w.Int(0);
  // Go's goroutines have no C++ equivalent; the process' threads are the
  // closest figure (Prometheus' UI shows the number).
  w.Key("goroutineCount");
  w.Int(ProcessThreadCount());
  w.Key("GOMAXPROCS");
  w.Int(static_cast<int64_t>(std::thread::hardware_concurrency()));
  w.Key("GOMEMLIMIT");
  w.Int(INT64_MAX);
  w.Key("GOGC");
  w.String("");
  w.Key("GODEBUG");
  w.String("");
  w.Key("storageRetention");
  w.String(rt ? rt->storage_retention : "");
  w.EndObject();
  RespondData(res, out);
}

void ApiV1::StatusTsdb(const HttpRequest& req, HttpResponse* res) {
  size_t limit = 10;
  if (std::string v = req.Param("limit"); !v.empty()) {
    try {
      long long n = std::stoll(v);
      if (n <= 0) throw std::invalid_argument("");
      limit = static_cast<size_t>(n);
    } catch (...) {
      return RespondError(res, ErrorType::kBadData, "limit must be a positive number");
    }
  }
  tsdb::CardinalityStats c = ctx_.db->HeadCardinality(limit);
  std::string out;
  JsonWriter w(&out);
  w.BeginObject();
  w.Key("headStats");
  w.BeginObject();
  w.Key("numSeries");
  w.Uint(c.num_series);
  w.Key("numLabelPairs");
  w.Uint(c.num_label_pairs);
  w.Key("chunkCount");
  w.Uint(c.chunk_count);
  w.Key("minTime");
  w.Int(c.num_series == 0 ? INT64_MAX : c.min_time);
  w.Key("maxTime");
  w.Int(c.num_series == 0 ? INT64_MIN : c.max_time);
  w.EndObject();
  w.Key("seriesCountByMetricName");
  WriteStats(w, c.series_count_by_metric_name);
  w.Key("labelValueCountByLabelName");
  WriteStats(w, c.label_value_count_by_label_name);
  w.Key("memoryInBytesByLabelName");
  WriteStats(w, c.memory_in_bytes_by_label_name);
  w.Key("seriesCountByLabelValuePair");
  WriteStats(w, c.series_count_by_label_value_pair);
  w.EndObject();
  RespondData(res, out);
}

void ApiV1::FormatQuery(const HttpRequest& req, HttpResponse* res) {
  auto e = promql::ParseExpr(req.Param("query"), ctx_.engine->options().parse);
  if (!e.ok()) return RespondError(res, ErrorType::kBadData, InvalidParam("query", e.status()).message());
  std::string out;
  JsonWriter w(&out);
  w.String(promql::Prettify(**e));
  RespondData(res, out);
}

void ApiV1::ParseQuery(const HttpRequest& req, HttpResponse* res) {
  auto e = promql::ParseExpr(req.Param("query"), ctx_.engine->options().parse);
  if (!e.ok()) return RespondError(res, ErrorType::kBadData, InvalidParam("query", e.status()).message());
  RespondData(res, AstJson(e->get()).dump());
}

}  // namespace promlite::server
