#include "record/record.h"

#include <catch2/catch.hpp>

#include <bit>
#include <cmath>
#include <random>
#include <string>
#include <vector>

#include "promlite/tsdb/labels.h"

using namespace promlite::tsdb;
using namespace promlite::tsdb::record;

namespace {

std::string Hex(std::string_view s) {
  static const char* d = "0123456789abcdef";
  std::string out;
  for (unsigned char c : s) {
    out.push_back(d[c >> 4]);
    out.push_back(d[c & 15]);
  }
  return out;
}

std::string Bytes(std::initializer_list<int> v) {
  std::string s;
  for (int b : v) s.push_back(static_cast<char>(b));
  return s;
}

}  // namespace

TEST_CASE("record: samples encode to Prometheus' bytes", "[record]") {
  std::vector<RefSample> in = {{2, 1000, 1.5}, {3, 1010, -2.0}, {1, 990, 0.0}};
  std::string rec;
  EncodeSamples(in, &rec);
  std::string want = Bytes({0x02,                                            // type
                            0, 0, 0, 0, 0, 0, 0, 2,                          // BE64 first ref
                            0, 0, 0, 0, 0, 0, 0x03, 0xe8,                    // BE64 first t
                            0x00, 0x00, 0x3f, 0xf8, 0, 0, 0, 0, 0, 0,        // +0, +0, 1.5
                            0x02, 0x14, 0xc0, 0x00, 0, 0, 0, 0, 0, 0,        // +1, +10, -2
                            0x01, 0x13, 0x00, 0x00, 0, 0, 0, 0, 0, 0});      // -1, -10, 0
  CHECK(Hex(rec) == Hex(want));
  CHECK(GetType(rec) == Type::kSamples);

  std::vector<RefSample> out;
  REQUIRE(DecodeSamples(rec, &out).ok());
  REQUIRE(out.size() == 3);
  for (size_t i = 0; i < 3; ++i) {
    CHECK(out[i].ref == in[i].ref);
    CHECK(out[i].t == in[i].t);
    CHECK(std::bit_cast<uint64_t>(out[i].v) == std::bit_cast<uint64_t>(in[i].v));
  }
}

TEST_CASE("record: series encode to Prometheus' bytes", "[record]") {
  std::vector<RefSeries> in = {{5, Labels{{"__name__", "up"}, {"job", "a"}}}};
  std::string rec;
  EncodeSeries(in, &rec);
  std::string want = Bytes({0x01, 0, 0, 0, 0, 0, 0, 0, 5, 0x02}) + "\x08__name__" + "\x02up" + "\x03job" + "\x01" "a";
  CHECK(Hex(rec) == Hex(want));
  std::vector<RefSeries> out;
  REQUIRE(DecodeSeries(rec, &out).ok());
  REQUIRE(out.size() == 1);
  CHECK(out[0].ref == 5);
  CHECK(out[0].labels == in[0].labels);
}

TEST_CASE("record: tombstones encode to Prometheus' bytes", "[record]") {
  std::vector<Stone> in = {{7, -5, 300}};
  std::string rec;
  EncodeTombstones(in, &rec);
  CHECK(Hex(rec) == Hex(Bytes({0x03, 0, 0, 0, 0, 0, 0, 0, 7, 0x09, 0xd8, 0x04})));
  std::vector<Stone> out;
  REQUIRE(DecodeTombstones(rec, &out).ok());
  CHECK(out == in);
}

TEST_CASE("record: round trips", "[record]") {
  std::mt19937_64 rng(7);
  std::vector<RefSample> samples;
  for (int i = 0; i < 5000; ++i) {
    samples.push_back({rng() % 100000, static_cast<int64_t>(rng()) >> (rng() % 64),
                       std::bit_cast<double>(rng())});
  }
  samples.push_back({~0ull, kMaxTime, StaleNaN()});
  samples.push_back({0, kMinTime, -0.0});
  std::string rec;
  EncodeSamples(samples, &rec);
  std::vector<RefSample> out;
  REQUIRE(DecodeSamples(rec, &out).ok());
  REQUIRE(out.size() == samples.size());
  for (size_t i = 0; i < samples.size(); ++i) {
    REQUIRE(out[i].ref == samples[i].ref);
    REQUIRE(out[i].t == samples[i].t);
    REQUIRE(std::bit_cast<uint64_t>(out[i].v) == std::bit_cast<uint64_t>(samples[i].v));
  }
  CHECK(IsStaleNaN(out[out.size() - 2].v));

  // Decoders append.
  REQUIRE(DecodeSamples(rec, &out).ok());
  CHECK(out.size() == 2 * samples.size());

  std::vector<RefSeries> series;
  for (int i = 0; i < 100; ++i) {
    series.push_back({static_cast<SeriesRef>(i * 7919),
                      Labels{{"__name__", "metric_" + std::to_string(i)},
                             {"instance", std::string(i * 3, 'x')},
                             {"job", "node"}}});
  }
  rec.clear();
  EncodeSeries(series, &rec);
  std::vector<RefSeries> sout;
  REQUIRE(DecodeSeries(rec, &sout).ok());
  REQUIRE(sout.size() == series.size());
  for (size_t i = 0; i < series.size(); ++i) {
    CHECK(sout[i].ref == series[i].ref);
    CHECK(sout[i].labels == series[i].labels);
  }

  std::vector<Stone> stones = {{1, kMinTime, kMaxTime}, {~0ull, 0, 0}, {42, -1, 1}};
  rec.clear();
  EncodeTombstones(stones, &rec);
  std::vector<Stone> tout;
  REQUIRE(DecodeTombstones(rec, &tout).ok());
  CHECK(tout == stones);
}

TEST_CASE("record: empty batches", "[record]") {
  std::string rec;
  EncodeSamples({}, &rec);
  CHECK(rec == "\x02");
  std::vector<RefSample> out;
  CHECK(DecodeSamples(rec, &out).ok());
  CHECK(out.empty());
  rec.clear();
  EncodeSeries({}, &rec);
  std::vector<RefSeries> s;
  CHECK(DecodeSeries(rec, &s).ok());
  CHECK(s.empty());
}

TEST_CASE("record: samples_v2 written by Prometheus 3 decode without start times", "[record]") {
  // Hand-encoded per tsdb/record: first sample varint ref/t/st + BE64 value,
  // then varint ref delta (to previous), varint t delta (to first), marker.
  std::string rec = Bytes({0x0b,
                           0x14, 0xd0, 0x0f, 0x00, 0x3f, 0xf0, 0, 0, 0, 0, 0, 0,  // ref 10, t 1000, st 0, 1.0
                           0x02, 0x1e, 0x00, 0x40, 0x00, 0, 0, 0, 0, 0, 0,        // +1, +15, no st, 2.0
                           0x01, 0x3c, 0x02, 0x0a, 0x40, 0x08, 0, 0, 0, 0, 0, 0}); // -1, +30, st +5, 3.0
  CHECK(GetType(rec) == Type::kSamplesV2);
  std::vector<RefSample> out;
  REQUIRE(DecodeSamples(rec, &out).ok());
  REQUIRE(out.size() == 3);
  CHECK(out[0].ref == 10);
  CHECK(out[0].t == 1000);
  CHECK(out[0].v == 1.0);
  CHECK(out[1].ref == 11);
  CHECK(out[1].t == 1015);
  CHECK(out[1].v == 2.0);
  CHECK(out[2].ref == 10);
  CHECK(out[2].t == 1030);
  CHECK(out[2].v == 3.0);
  rec[15] = 7;  // invalid start time marker of the second sample
  out.clear();
  auto st = DecodeSamples(rec, &out);
  CHECK(!st.ok());
  CHECK_THAT(std::string(st.message()), Catch::Contains("marker"));
}

TEST_CASE("record: types", "[record]") {
  CHECK(GetType("") == Type::kUnknown);
  CHECK(GetType("\x04") == Type::kExemplars);
  CHECK(GetType("\x06") == Type::kMetadata);
  CHECK(GetType("\x07") == Type::kHistogramSamples);
  CHECK(GetType(std::string_view("\x00", 1)) == Type::kUnknown);
  CHECK(GetType("\x0e") == Type::kUnknown);
  CHECK(GetType("\xff") == Type::kUnknown);
  CHECK(TypeName(Type::kSeries) == "series");
  CHECK(TypeName(Type::kFloatHistogramSamples) == "float_histogram_samples");
  CHECK(TypeName(Type::kUnknown) == "unknown");

  std::vector<RefSample> out;
  auto st = DecodeSamples("\x01", &out);
  CHECK(absl::IsInvalidArgument(st));
  CHECK_THAT(std::string(st.message()), Catch::Contains("invalid record type 1"));
  std::vector<RefSeries> s;
  CHECK(!DecodeSeries("\x02", &s).ok());
  CHECK(!DecodeSeries("", &s).ok());
  std::vector<Stone> t;
  CHECK(!DecodeTombstones("\x04", &t).ok());
}

TEST_CASE("record: every truncation is reported, never a crash", "[record]") {
  std::vector<RefSample> samples = {{100, 5000, 1}, {300, 5015, 2}, {99, 100000000, 3}};
  std::vector<RefSeries> series = {{1, Labels{{"a", "b"}, {"c", "d"}}}, {1u << 20, Labels{{"x", "y"}}}};
  std::vector<Stone> stones = {{1, -100000, 100000}, {2, 1, 2}};
  std::string rs, rr, rt;
  EncodeSamples(samples, &rs);
  EncodeSeries(series, &rr);
  EncodeTombstones(stones, &rt);
  // Prefixes that are themselves complete records: the bare type byte, the
  // header without samples (Prometheus accepts it too), and each sample end.
  auto boundaries_samples = [&](size_t n) { return n == 1 || n == 17 || n == 27 || n == 38 || n == rs.size(); };
  for (size_t n = 0; n < rs.size(); ++n) {
    std::vector<RefSample> out;
    absl::Status st = DecodeSamples(std::string_view(rs).substr(0, n), &out);
    if (boundaries_samples(n)) {
      CHECK(st.ok());
    } else {
      INFO("prefix " << n);
      CHECK(!st.ok());
    }
  }
  for (size_t n = 1; n < rr.size(); ++n) {
    std::vector<RefSeries> out;
    absl::Status st = DecodeSeries(std::string_view(rr).substr(0, n), &out);
    INFO("prefix " << n << ": " << st);
    // Only the end of the first series (1 + 8 + 1 + 4 + 4 bytes) is a boundary.
    CHECK(st.ok() == (n == 1 || n == 18));
  }
  for (size_t n = 1; n < rt.size(); ++n) {
    std::vector<Stone> out;
    absl::Status st = DecodeTombstones(std::string_view(rt).substr(0, n), &out);
    INFO("prefix " << n << ": " << st);
    CHECK(st.ok() == (n == 1 || n == 1 + 8 + 3 + 3));
  }
  std::vector<RefSample> out;
  absl::Status st = DecodeSamples(std::string_view(rs).substr(0, rs.size() - 3), &out);
  CHECK_THAT(std::string(st.message()), Catch::Contains("after 2 entries"));
}

TEST_CASE("record: garbage input never crashes", "[record]") {
  std::mt19937_64 rng(1234);
  for (int i = 0; i < 20000; ++i) {
    std::string rec(rng() % 64, '\0');
    for (char& c : rec) c = static_cast<char>(rng() % 4 == 0 ? 0xff : rng());
    if (!rec.empty()) rec[0] = static_cast<char>(1 + rng() % 3);
    std::vector<RefSample> a;
    std::vector<RefSeries> b;
    std::vector<Stone> c;
    (void)DecodeSamples(rec, &a);
    (void)DecodeSeries(rec, &b);
    (void)DecodeTombstones(rec, &c);
  }
  // A label count far beyond the record's size must not be trusted.
  std::string huge = Bytes({0x01, 0, 0, 0, 0, 0, 0, 0, 1, 0xff, 0xff, 0xff, 0xff, 0x0f});
  std::vector<RefSeries> s;
  CHECK(!DecodeSeries(huge, &s).ok());
  // A varint longer than 10 bytes.
  std::string long_varint = Bytes({0x03, 0, 0, 0, 0, 0, 0, 0, 1, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
                                   0xff, 0xff, 0x01, 0x00});
  std::vector<Stone> t;
  CHECK(!DecodeTombstones(long_varint, &t).ok());
}

TEST_CASE("record: series with unsorted or empty labels are normalised", "[record]") {
  std::string rec = Bytes({0x01, 0, 0, 0, 0, 0, 0, 0, 9, 0x03}) + "\x01z\x01" "1" + "\x01" "a\x01" "2" + std::string("\x01m\x00", 3);
  std::vector<RefSeries> out;
  REQUIRE(DecodeSeries(rec, &out).ok());
  REQUIRE(out.size() == 1);
  CHECK(out[0].labels == Labels{{"a", "2"}, {"z", "1"}});
}
