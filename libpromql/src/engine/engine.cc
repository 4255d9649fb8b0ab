// Engine and Query: parsing and preparing queries, running them under the
// query's limits, and turning the evaluator's result into the API's values.
#include "promlite/promql/engine.h"

#include <algorithm>
#include <atomic>

#include "absl/strings/str_cat.h"
#include "engine/evaluator.h"
#include "engine/labels_util.h"
#include "engine/preprocess.h"
#include "engine/query_context.h"
#include "engine/status_macros.h"
#include "engine/thread_pool.h"

namespace promlite::promql {
namespace {

using engine::Block;
using engine::RangeBlock;
using engine::RangeRow;

class QueryImpl final : public Query {
 public:
  QueryImpl(const Engine* engine, engine::ThreadPool* pool, tsdb::Queryable* storage, std::string query, ExprPtr expr,
            int64_t start, int64_t end, int64_t step, int64_t lookback)
      : engine_(engine),
        pool_(pool),
        storage_(storage),
        query_(std::move(query)),
        expr_(std::move(expr)),
        start_(start),
        end_(end),
        step_(step),
        lookback_(lookback) {}

  Result Exec() override;
  void Cancel() override { cancelled_.store(true, std::memory_order_relaxed); }
  const Expr& Statement() const override { return *expr_; }
  const QueryStats& Stats() const override { return stats_; }

 private:
  absl::StatusOr<Value> Run(engine::QueryContext* ctx);

  const Engine* engine_;
  engine::ThreadPool* pool_;
  tsdb::Queryable* storage_;
  std::string query_;
  ExprPtr expr_;
  int64_t start_, end_, step_, lookback_;
  std::atomic<bool> cancelled_{false};
  bool executed_ = false;
  QueryStats stats_;
};

// Removes the metric name (and __type__/__unit__) where an operation asked
// for it and merges the rows that become equal, as Prometheus' final
// cleanupMetricLabels does with delayed name removal.
absl::Status CleanupBlock(engine::Evaluator& ev, Block* b) {
  for (size_t r = 0; r < b->rows(); r++) {
    engine::RowMeta& m = b->meta(r);
    if (m.drop_name) m.metric = engine::DropMetadata(m.metric);
  }
  return ev.MergeSameLabels(b);
}

absl::Status CleanupRange(RangeBlock* rb) {
  absl::flat_hash_map<tsdb::Labels, size_t> first;
  RangeBlock out;
  for (RangeRow& r : *rb) {
    if (r.drop_name) r.metric = engine::DropMetadata(r.metric);
    auto [it, inserted] = first.emplace(r.metric, out.size());
    if (inserted) {
      out.push_back(std::move(r));
      continue;
    }
    RangeRow& base = out[it->second];
    base.pts.insert(base.pts.end(), r.pts.begin(), r.pts.end());
    std::stable_sort(base.pts.begin(), base.pts.end(),
                     [](const tsdb::Sample& a, const tsdb::Sample& b) { return a.t < b.t; });
    for (size_t i = 1; i < base.pts.size(); i++) {
      if (base.pts[i].t == base.pts[i - 1].t) {
        return engine::ExecutionError("vector cannot contain metrics with the same labelset");
      }
    }
  }
  *rb = std::move(out);
  return absl::OkStatus();
}

Matrix ToMatrix(RangeBlock rb) {
  Matrix m;
  m.reserve(rb.size());
  for (RangeRow& r : rb) {
    Series s;
    s.metric = std::move(r.metric);
    s.floats.reserve(r.pts.size());
    for (const tsdb::Sample& p : r.pts) s.floats.push_back(FPoint{p.t, p.v});
    m.push_back(std::move(s));
  }
  std::sort(m.begin(), m.end(), [](const Series& a, const Series& b) { return a.metric < b.metric; });
  return m;
}

absl::StatusOr<Value> QueryImpl::Run(engine::QueryContext* ctx) {
  PL_RETURN_IF_ERROR(ctx->CheckInterrupt("query execution"));
  absl::Time prepare_start = absl::Now();
  auto [mint, maxt] = engine::FindMinMaxTime(*expr_, start_, end_, lookback_);
  absl::StatusOr<std::unique_ptr<tsdb::Querier>> querier = storage_->NewQuerier(mint, maxt);
  if (!querier.ok()) return querier.status();
  ctx->querier = querier->get();
  stats_.prepare_seconds = absl::ToDoubleSeconds(absl::Now() - prepare_start);

  // Selectors with @ are evaluated once, at the start of the query.
  engine::SetOffsetsForAtModifier(start_, *expr_, ctx);
  const bool instant = start_ == end_ && step_ == 0;
  engine::Evaluator ev(ctx, start_, end_, instant ? 1 : step_);
  PL_ASSIGN_OR_RETURN(engine::Value v, ev.Eval(*expr_));
  PL_RETURN_IF_ERROR(ctx->CheckInterrupt("expression evaluation"));

  if (auto* s = std::get_if<engine::StringValue>(&v)) return Value(String{start_, std::move(s->v)});
  if (auto* rb = std::get_if<RangeBlock>(&v)) {
    if (ctx->delayed_name_removal) PL_RETURN_IF_ERROR(CleanupRange(rb));
    return Value(ToMatrix(std::move(*rb)));
  }
  Block& b = std::get<Block>(v);
  if (ctx->delayed_name_removal) PL_RETURN_IF_ERROR(CleanupBlock(ev, &b));
  if (instant) {
    if (expr_->Type() == ValueType::kScalar) {
      return Value(Scalar{start_, b.rows() > 0 ? b.Get(0, 0) : 0});
    }
    Vector vec;
    vec.reserve(b.rows());
    for (size_t r = 0; r < b.rows(); r++) {
      if (b.Has(r, 0)) vec.push_back(promql::Sample{b.meta(r).metric, start_, b.Get(r, 0)});
    }
    return Value(std::move(vec));
  }
  RangeBlock rows = ev.BlockToRange(b);
  return Value(ToMatrix(std::move(rows)));
}

Result QueryImpl::Exec() {
  Result res;
  if (executed_) {
    res.status = absl::FailedPreconditionError("query has already been executed");
    return res;
  }
  executed_ = true;
  absl::Time t0 = absl::Now();
  const EngineOptions& o = engine_->options();
  engine::QueryContext ctx;
  ctx.query = query_;
  ctx.lookback_ms = lookback_;
  ctx.max_samples = o.max_samples;
  ctx.default_subquery_step_ms = o.default_subquery_step_ms;
  ctx.delayed_name_removal = o.enable_delayed_name_removal;
  ctx.type_and_unit_labels = o.enable_type_and_unit_labels;
  if (o.timeout > absl::ZeroDuration() && o.timeout != absl::InfiniteDuration()) ctx.deadline = t0 + o.timeout;
  ctx.cancelled = &cancelled_;
  ctx.pool = pool_;
  ctx.parallelism = std::max(1, o.parallelism);
  ctx.stats = &stats_;

  absl::StatusOr<Value> v = Run(&ctx);
  if (v.ok()) {
    res.value = std::move(*v);
  } else {
    res.status = v.status();
  }
  res.annotations = ctx.annotations.Format(query_);
  stats_.peak_samples = ctx.peak_samples.load();
  stats_.total_samples = ctx.total_samples.load();
  stats_.exec_seconds = absl::ToDoubleSeconds(absl::Now() - t0);
  return res;
}

absl::StatusOr<ExprPtr> Parse(const EngineOptions& o, std::string_view query) { return ParseExpr(query, o.parse); }

}  // namespace

Engine::Engine(EngineOptions opts) : opts_(std::move(opts)) {
  if (opts_.lookback_delta_ms <= 0) opts_.lookback_delta_ms = 5 * 60 * 1000;
  if (opts_.default_subquery_step_ms <= 0) opts_.default_subquery_step_ms = 60 * 1000;
  if (opts_.parallelism > 1) pool_ = std::make_unique<engine::ThreadPool>(opts_.parallelism - 1);
}

Engine::~Engine() = default;

absl::StatusOr<std::unique_ptr<Query>> Engine::NewInstantQuery(tsdb::Queryable* storage, std::string_view query,
                                                                int64_t ts_ms, const QueryOptions& opts) {
  PL_ASSIGN_OR_RETURN(ExprPtr expr, Parse(opts_, query));
  int64_t lookback = opts.lookback_delta_ms > 0 ? opts.lookback_delta_ms : opts_.lookback_delta_ms;
  PL_RETURN_IF_ERROR(engine::PreprocessExpr(expr, ts_ms, ts_ms, 0));
  return std::unique_ptr<Query>(
      new QueryImpl(this, pool_.get(), storage, std::string(query), std::move(expr), ts_ms, ts_ms, 0, lookback));
}

absl::StatusOr<std::unique_ptr<Query>> Engine::NewRangeQuery(tsdb::Queryable* storage, std::string_view query,
                                                              int64_t start_ms, int64_t end_ms, int64_t step_ms,
                                                              const QueryOptions& opts) {
  if (step_ms <= 0) {
    return absl::InvalidArgumentError(
        "zero or negative query resolution step widths are not accepted. Try a positive integer");
  }
  if (end_ms < start_ms) return absl::InvalidArgumentError("end timestamp must not be before start time");
  PL_ASSIGN_OR_RETURN(ExprPtr expr, Parse(opts_, query));
  if (expr->Type() != ValueType::kVector && expr->Type() != ValueType::kScalar) {
    return absl::InvalidArgumentError(absl::StrCat("invalid expression type \"", std::string(DocumentedType(expr->Type())),
                                                   "\" for range query, must be Scalar or instant Vector"));
  }
  int64_t lookback = opts.lookback_delta_ms > 0 ? opts.lookback_delta_ms : opts_.lookback_delta_ms;
  PL_RETURN_IF_ERROR(engine::PreprocessExpr(expr, start_ms, end_ms, step_ms));
  return std::unique_ptr<Query>(new QueryImpl(this, pool_.get(), storage, std::string(query), std::move(expr),
                                              start_ms, end_ms, step_ms, lookback));
}

}  // namespace promlite::promql
