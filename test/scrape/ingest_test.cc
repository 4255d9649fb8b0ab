// Ingestion of scraped bodies without HTTP: staleness, failures, limits,
// labels and the report series.
#include <bit>
#include <cmath>
#include <string>

#include <catch2/catch.hpp>

#include "fake_storage.h"
#include "loop/ingester.h"
#include "loop/target.h"
#include "promlite/scrape/config.h"
#include "promlite/tsdb/sample.h"

using namespace promlite::scrape;
using namespace promlite::scrape::loop;
using promlite::scrape::testing::FakeStorage;
using promlite::tsdb::IsStaleNaN;

namespace {

struct Fixture {
  FakeStorage store;
  std::shared_ptr<const ScrapeConfig> cfg;
  std::shared_ptr<Target> target;
  std::shared_ptr<ScrapeCache> cache = std::make_shared<ScrapeCache>();
  std::unique_ptr<Ingester> ing;

  explicit Fixture(const std::string& job_yaml = "", LabelSet group = {}) {
    auto c = LoadConfig("scrape_configs:\n- job_name: j\n" + job_yaml);
    REQUIRE(c.ok());
    cfg = std::make_shared<ScrapeConfig>(c->scrape_configs[0]);
    auto pl = PopulateLabels(*cfg, LabelSet{{"__address__", "h:1"}}, group);
    REQUIRE(pl.ok());
    target = std::make_shared<Target>(pl->labels, pl->discovered, *cfg);
    ing = std::make_unique<Ingester>(cfg, target, cache, promlite::tsdb::NewNopLogger());
  }

  IngestResult Scrape(const std::string& body, int64_t ts, const std::string& ct = "text/plain; version=0.0.4") {
    auto app = store.NewAppender();
    IngestResult r = ing->Ingest(*app, body, ct, ts);
    if (!r.status.ok()) {
      REQUIRE(app->Rollback().ok());
      app = store.NewAppender();
      REQUIRE(ing->IngestFailed(*app, ts).ok());
    }
    REQUIRE(ing->Report(*app, ts, 0.5, r, static_cast<int64_t>(body.size()), r.status).ok());
    REQUIRE(app->Commit().ok());
    return r;
  }

  // Values of a series, stale markers as "stale".
  std::vector<std::string> Values(const std::string& series) {
    std::vector<std::string> out;
    for (const auto& s : store.Samples(series)) {
      out.push_back(std::to_string(s.t) + "=" + (IsStaleNaN(s.v) ? std::string("stale") : std::to_string(static_cast<int64_t>(s.v))));
    }
    return out;
  }
};

}  // namespace

TEST_CASE("ingest: series that disappear get stale markers, new ones are added", "[ingest]") {
  Fixture f;
  auto r1 = f.Scrape("a 1\nb 2\nc 3\n", 1000);
  REQUIRE(r1.status.ok());
  CHECK(r1.total == 3);
  CHECK(r1.added == 3);
  CHECK(r1.series_added == 3);
  auto r2 = f.Scrape("a 1\nb 2\nd 4\n", 2000);
  CHECK(r2.series_added == 1);
  CHECK(f.Values("c{instance=\"h:1\", job=\"j\"}") == std::vector<std::string>{"1000=3", "2000=stale"});
  CHECK(f.Values("d{instance=\"h:1\", job=\"j\"}") == std::vector<std::string>{"2000=4"});
  CHECK(f.Values("a{instance=\"h:1\", job=\"j\"}") == std::vector<std::string>{"1000=1", "2000=1"});
  // The report series.
  CHECK(f.Values("up{instance=\"h:1\", job=\"j\"}") == std::vector<std::string>{"1000=1", "2000=1"});
  CHECK(f.store.Last("scrape_samples_scraped{instance=\"h:1\", job=\"j\"}") == 3);
  CHECK(f.store.Last("scrape_series_added{instance=\"h:1\", job=\"j\"}") == 1);
  CHECK(f.store.Last("scrape_duration_seconds{instance=\"h:1\", job=\"j\"}") == 0.5);
  // A series coming back is fresh again; c is not marked twice.
  f.Scrape("a 1\nc 5\n", 3000);
  CHECK(f.Values("c{instance=\"h:1\", job=\"j\"}") == std::vector<std::string>{"1000=3", "2000=stale", "3000=5"});
  CHECK(f.Values("b{instance=\"h:1\", job=\"j\"}") == std::vector<std::string>{"1000=2", "2000=2", "3000=stale"});
}

TEST_CASE("ingest: a malformed exposition fails as a whole and stale-marks everything", "[ingest]") {
  Fixture f;
  f.Scrape("a 1\nb 2\n", 1000);
  auto r = f.Scrape("a 7\nb 8\nc{ 9\n", 2000);
  REQUIRE(!r.status.ok());
  CHECK_THAT(std::string(r.status.message()), Catch::StartsWith("line 3, byte 4: expected label name"));
  CHECK(r.total == 2);
  // Nothing of the broken scrape is stored: a's 7 never appears.
  CHECK(f.Values("a{instance=\"h:1\", job=\"j\"}") == std::vector<std::string>{"1000=1", "2000=stale"});
  CHECK(f.store.SeriesNames().size() == 7);  // a, b + 5 report series; c never committed
  CHECK(f.Values("up{instance=\"h:1\", job=\"j\"}") == std::vector<std::string>{"1000=1", "2000=0"});
  CHECK(f.store.rollbacks() == 1);
  // Recovery: no second stale marker, values return.
  f.Scrape("a 1\nb 2\n", 3000);
  CHECK(f.Values("a{instance=\"h:1\", job=\"j\"}") == std::vector<std::string>{"1000=1", "2000=stale", "3000=1"});
}

TEST_CASE("ingest: explicit timestamps, honor_timestamps and their staleness", "[ingest]") {
  SECTION("honored and not tracked by default") {
    Fixture f;
    f.Scrape("a 1 500\nb 2\n", 1000);
    f.Scrape("b 2\n", 2000);
    CHECK(f.Values("a{instance=\"h:1\", job=\"j\"}") == std::vector<std::string>{"500=1"});
  }
  SECTION("track_timestamps_staleness") {
    Fixture f("  track_timestamps_staleness: true\n");
    f.Scrape("a 1 500\n", 1000);
    f.Scrape("b 2\n", 2000);
    CHECK(f.Values("a{instance=\"h:1\", job=\"j\"}") == std::vector<std::string>{"500=1", "2000=stale"});
  }
  SECTION("honor_timestamps: false uses the scrape time") {
    Fixture f("  honor_timestamps: false\n");
    f.Scrape("a 1 500\n", 1000);
    CHECK(f.Values("a{instance=\"h:1\", job=\"j\"}") == std::vector<std::string>{"1000=1"});
  }
  SECTION("far future samples are out of bounds, not fatal") {
    Fixture f;
    auto r = f.Scrape("a 1 99999999999999\nb 2\n", 1000);
    CHECK(r.status.ok());
    CHECK(f.Values("a{instance=\"h:1\", job=\"j\"}").empty());
    CHECK(f.Values("b{instance=\"h:1\", job=\"j\"}").size() == 1);
  }
  SECTION("a repeated series is a duplicate, not fatal") {
    Fixture f;
    auto r = f.Scrape("a 1\na 2\n", 1000);
    CHECK(r.status.ok());
    CHECK(r.total == 2);
    CHECK(f.Values("a{instance=\"h:1\", job=\"j\"}") == std::vector<std::string>{"1000=1"});
  }
}

TEST_CASE("ingest: target labels, honor_labels and exported_ prefixes", "[ingest]") {
  SECTION("conflicts become exported_") {
    Fixture f("", LabelSet{{"exported_job", "taken"}});
    f.Scrape("m{job=\"x\",instance=\"y\",exported_instance=\"z\"} 1\n", 1000);
    auto names = f.store.SeriesNames();
    CHECK(std::find(names.begin(), names.end(),
                    "m{exported_exported_instance=\"y\", exported_exported_job=\"x\", exported_instance=\"z\", "
                    "exported_job=\"taken\", instance=\"h:1\", job=\"j\"}") != names.end());
  }
  SECTION("honor_labels keeps the scraped values") {
    Fixture f("  honor_labels: true\n");
    f.Scrape("m{job=\"x\"} 1\n", 1000);
    CHECK(f.Values("m{instance=\"h:1\", job=\"x\"}").size() == 1);
  }
}

TEST_CASE("ingest: metric relabeling drops and rewrites, remembered per series", "[ingest]") {
  Fixture f(
      "  metric_relabel_configs:\n"
      "  - {source_labels: [__name__], regex: 'go_.*', action: drop}\n"
      "  - {source_labels: [__name__], target_label: __name__, regex: '(.*)_total', replacement: '${1}_sum'}\n");
  auto r = f.Scrape("go_goroutines 10\nreq_total 5\nok 1\n", 1000);
  CHECK(r.total == 3);
  CHECK(r.added == 2);
  CHECK(f.store.Last("scrape_samples_post_metric_relabeling{instance=\"h:1\", job=\"j\"}") == 2);
  CHECK(f.Values("req_sum{instance=\"h:1\", job=\"j\"}").size() == 1);
  CHECK(f.Values("go_goroutines{instance=\"h:1\", job=\"j\"}").empty());
  r = f.Scrape("go_goroutines 11\nreq_total 6\nok 1\n", 2000);
  CHECK(r.added == 2);
  CHECK(f.Values("req_sum{instance=\"h:1\", job=\"j\"}").size() == 2);
}

TEST_CASE("ingest: sample_limit fails the scrape and stores nothing of it", "[ingest]") {
  Fixture f("  sample_limit: 2\n");
  REQUIRE(f.Scrape("a 1\nb 2\n", 1000).status.ok());
  auto r = f.Scrape("a 1\nb 2\nc 3\n", 2000);
  REQUIRE(!r.status.ok());
  CHECK(r.status.message() == "sample limit exceeded");
  CHECK(r.total == 3);
  CHECK(f.store.Last("scrape_samples_scraped{instance=\"h:1\", job=\"j\"}") == 3);
  CHECK(f.store.Last("up{instance=\"h:1\", job=\"j\"}") == 0);
  CHECK(f.Values("a{instance=\"h:1\", job=\"j\"}") == std::vector<std::string>{"1000=1", "2000=stale"});
  CHECK(f.Values("c{instance=\"h:1\", job=\"j\"}").empty());
}

TEST_CASE("ingest: label limits with Prometheus' messages", "[ingest]") {
  {
    Fixture f("  label_limit: 3\n");
    auto r = f.Scrape("m{a=\"1\",b=\"2\"} 1\n", 1000);
    REQUIRE(!r.status.ok());
    CHECK(r.status.message() == "label_limit exceeded (metric: m, number of labels: 5, limit: 3)");
  }
  {
    Fixture f("  label_value_length_limit: 3\n");
    auto r = f.Scrape("m{a=\"long\"} 1\n", 1000);
    REQUIRE(!r.status.ok());
    CHECK(r.status.message() ==
          "label_value_length_limit exceeded (metric: m, label name: a, value: \"long\", length: 4, limit: 3)");
  }
  {
    // __name__ and instance (8 bytes) fit; the scraped label does not.
    Fixture f("  label_name_length_limit: 9\n");
    auto r = f.Scrape("m{abcdefghij=\"1\"} 1\n", 1000);
    REQUIRE(!r.status.ok());
    CHECK(r.status.message() ==
          "label_name_length_limit exceeded (metric: m, label name: abcdefghij, length: 10, limit: 9)");
  }
}

TEST_CASE("ingest: formats, content types, names and empty bodies", "[ingest]") {
  Fixture f;
  auto r = f.Scrape("# TYPE a counter\n# HELP a Help.\na_total 1 1.5 # {x=\"y\"} 1\n# EOF\n", 1000,
                    "application/openmetrics-text; version=1.0.0; charset=utf-8");
  REQUIRE(r.status.ok());
  CHECK(f.Values("a_total{instance=\"h:1\", job=\"j\"}") == std::vector<std::string>{"1500=1"});
  auto md = f.target->Metadata();
  REQUIRE(md);
  REQUIRE(md->size() == 1);
  CHECK((*md)[0].metric_family == "a");
  CHECK((*md)[0].type == MetricType::kCounter);
  CHECK((*md)[0].help == "Help.");

  r = f.Scrape("a 1\n", 2000, "application/json");
  CHECK(!r.status.ok());
  CHECK_THAT(std::string(r.status.message()), Catch::Contains("unsupported Content-Type"));

  r = f.Scrape("{\"my.metric\"} 3\n", 3000);
  REQUIRE(r.status.ok());
  CHECK(f.Values("{\"my.metric\", instance=\"h:1\", job=\"j\"}").size() == 1);

  r = f.Scrape("", 4000);
  CHECK(r.status.ok());
  CHECK(f.Values("{\"my.metric\", instance=\"h:1\", job=\"j\"}").back() == "4000=stale");

  Fixture legacy("  metric_name_validation_scheme: legacy\n");
  r = legacy.Scrape("{\"my.metric\"} 3\n", 1000);
  REQUIRE(!r.status.ok());
  CHECK_THAT(std::string(r.status.message()), Catch::StartsWith("invalid metric name or label names"));
}

TEST_CASE("ingest: the cache keeps refs and evicts what is gone", "[ingest]") {
  Fixture f;
  f.Scrape("a 1\nb 2\n", 1000);
  CHECK(f.cache->size() == 2);
  f.Scrape("a 1\nb 2\n", 2000);
  CHECK(f.cache->size() == 2);
  f.Scrape("a 1\n", 3000);
  CHECK(f.cache->size() == 1);
  // Two spellings of one series share a ref; neither goes stale while one remains.
  f.Scrape("x{a=\"1\",b=\"2\"} 1\nx{b=\"2\",a=\"1\"} 1\n", 4000);
  f.Scrape("x{b=\"2\",a=\"1\"} 1\n", 5000);
  CHECK(f.Values("x{a=\"1\", b=\"2\", instance=\"h:1\", job=\"j\"}") ==
        std::vector<std::string>{"4000=1", "5000=1"});
}

TEST_CASE("ingest: a series the storage dropped is re-created from its labels", "[ingest]") {
  Fixture f;
  const std::string a = "a{instance=\"h:1\", job=\"j\"}";
  const std::string b = "b{instance=\"h:1\", job=\"j\"}";
  f.Scrape("a 1\nb 2\n", 1000);
  // The cache holds refs only; both series vanish from the storage.
  f.store.Forget(a);
  f.store.Forget(b);
  // `a` comes back through its labels; `b` is gone from the scrape and from
  // the storage, so its staleness marker has nowhere to go and is skipped.
  IngestResult r = f.Scrape("a 3\n", 2000);
  REQUIRE(r.status.ok());
  CHECK(f.Values(a) == std::vector<std::string>{"2000=3"});
  CHECK(f.Values(b).empty());
  f.Scrape("a 4\n", 3000);
  CHECK(f.Values(a) == std::vector<std::string>{"2000=3", "3000=4"});
}
