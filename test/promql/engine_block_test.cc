// The evaluator's row storage: rows span only the steps they have values
// at, so series that exist briefly in a long range stay cheap.
#include <catch2/catch.hpp>

#include "engine/block.h"
#include "engine_testutil.h"

namespace promlite::promql::enginetest {
namespace {

using engine::Block;
using engine::SparseRows;

TEST_CASE("engine block: rows are trimmed to their values", "[engine]") {
  Block b(100);
  std::vector<double> v(100, 0);
  std::vector<uint8_t> h(100, 0);
  h[10] = h[12] = 1;
  v[10] = 1.5;
  v[12] = 2.5;
  REQUIRE(b.AddDenseRow(tsdb::Labels{{"a", "1"}}, false, v.data(), h.data()));
  CHECK(!b.AddDenseRow(tsdb::Labels{{"a", "2"}}, false, v.data(), std::vector<uint8_t>(100, 0).data()));
  REQUIRE(b.rows() == 1);
  CHECK(b.lo(0) == 10);
  CHECK(b.hi(0) == 13);
  CHECK(b.Has(0, 10));
  CHECK(!b.Has(0, 11));
  CHECK(!b.Has(0, 99));
  CHECK(b.Get(0, 12) == 2.5);
  b.Widen(0, 5, 20);
  CHECK(b.lo(0) == 5);
  CHECK(b.hi(0) == 20);
  CHECK(b.Get(0, 10) == 1.5);
  CHECK(b.RowPoints(0) == 2);

  SparseRows s(1000);
  size_t r0 = s.AddRow(tsdb::Labels{{"x", "0"}}, true);
  s.AddRow(tsdb::Labels{{"x", "1"}}, false);
  s.Set(r0, 500, 7);
  s.Set(r0, 501, 8);
  Block out = std::move(s).Build();
  REQUIRE(out.rows() == 1);
  CHECK(out.meta(0).drop_name);
  CHECK(out.hi(0) - out.lo(0) == 2);
  CHECK(out.Points() == 2);
}

TEST_CASE("engine block: churning series over a long range", "[engine]") {
  // 300 series that each live for 20s (plus 5m of lookback) of a
  // 3000-step range: 100k points, while dense rows would need 900k slots.
  TestDB db;
  for (int i = 0; i < 300; i++) {
    db.Add({"churn{pod=\"" + std::to_string(i) + "\"}", i * 10 * 1000, 10 * 1000, Ramp(1, 0, 2)});
  }
  EngineOptions o = TestOptions();
  o.max_samples = 200000;
  Engine e(o);
  Result r = Range(e, db.db(), "count(churn)", 0, 3000 * 1000, 1000);
  INFO(r.status.message());
  REQUIRE(r.status.ok());
  const Matrix& m = std::get<Matrix>(r.value);
  REQUIRE(m.size() == 1);
  // Pod i is visible in [10i s, 10i+320 s): 32 overlap at a time.
  double max = 0;
  for (const FPoint& p : m[0].floats) max = std::max(max, p.f);
  CHECK(max == 32);
  r = Range(e, db.db(), "churn * 2 > 1", 0, 3000 * 1000, 1000);
  REQUIRE(r.status.ok());
  CHECK(std::get<Matrix>(r.value).size() == 300);
}

}  // namespace
}  // namespace promlite::promql::enginetest
