// promlite-tool tsdb create-blocks-from openmetrics FILE [DIR]: backfilling
// as promtool does it. Samples (with timestamps) are read from an
// OpenMetrics file and written as blocks aligned to the block duration
// (2h by default) into DIR, ready to be moved into a data directory.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <map>
#include <string>
#include <vector>

#include "CLI/CLI.hpp"
#include "absl/container/flat_hash_map.h"
#include "block/writer.h"
#include "blocks/series_set.h"
#include "fileutil/fileutil.h"
#include "promlite/tsdb/duration.h"
#include "promlite/tsdb/labels.h"
#include "tool/commands.h"

namespace promlite::tool {
namespace {

using namespace promlite::tsdb;

bool ParseValue(std::string_view s, double* v) {
  if (s == "+Inf" || s == "Inf") return *v = INFINITY, true;
  if (s == "-Inf") return *v = -INFINITY, true;
  if (s == "NaN") return *v = NAN, true;
  std::string t(s);
  char* end;
  *v = std::strtod(t.c_str(), &end);
  return end == t.c_str() + t.size() && !t.empty();
}

// Reads `name{labels} value timestamp` lines; comments and # EOF skipped.
bool ReadSamples(const std::string& path, std::map<Labels, std::vector<Sample>>* out, std::string* err) {
  std::ifstream f(path);
  if (!f) {
    *err = "open " + path;
    return false;
  }
  std::string line;
  size_t lineno = 0;
  while (std::getline(f, line)) {
    lineno++;
    if (line.empty() || line[0] == '#') continue;
    size_t end_labels = line.find('}');
    size_t sp = end_labels != std::string::npos ? line.find(' ', end_labels) : line.find(' ');
    if (sp == std::string::npos) {
      *err = "line " + std::to_string(lineno) + ": expected value after metric";
      return false;
    }
    Labels l;
    if (absl::Status st = Labels::Parse(line.substr(0, sp), &l); !st.ok()) {
      *err = "line " + std::to_string(lineno) + ": " + std::string(st.message());
      return false;
    }
    std::string rest = line.substr(sp + 1);
    size_t sp2 = rest.find(' ');
    if (sp2 == std::string::npos) {
      *err = "line " + std::to_string(lineno) + ": expected timestamp (backfilling needs one per sample)";
      return false;
    }
    double v, ts;
    std::string tstr = rest.substr(sp2 + 1);
    if (size_t ex = tstr.find(" #"); ex != std::string::npos) tstr = tstr.substr(0, ex);  // exemplar
    if (!ParseValue(rest.substr(0, sp2), &v) || !ParseValue(tstr, &ts)) {
      *err = "line " + std::to_string(lineno) + ": invalid value or timestamp";
      return false;
    }
    (*out)[l].push_back(Sample{static_cast<Timestamp>(std::llround(ts * 1000)), v});
  }
  return true;
}

int Run(int argc, char** argv) {
  CLI::App app{"Import samples from an OpenMetrics input and produce TSDB blocks.", argv[0]};
  std::string format, input, output = "data/", duration = "2h";
  app.add_option("format", format, "input format (openmetrics)")->required()->check(CLI::IsMember({"openmetrics"}));
  app.add_option("input file", input, "OpenMetrics file to read")->required();
  app.add_option("output directory", output, "output directory for generated blocks (default data/)");
  app.add_option("--max-block-duration", duration, "maximum duration of a created block");
  CLI11_PARSE(app, argc, argv);
  auto dur = ParseDuration(duration);
  if (!dur.ok() || *dur <= 0) {
    std::fprintf(stderr, "invalid --max-block-duration %s\n", duration.c_str());
    return 1;
  }
  const int64_t width = 2 * 3600 * 1000;
  std::map<Labels, std::vector<Sample>> series;
  std::string err;
  if (!ReadSamples(input, &series, &err)) {
    std::fprintf(stderr, "error: %s\n", err.c_str());
    return 1;
  }
  Timestamp mint = kMaxTime, maxt = kMinTime;
  std::vector<std::string> symbols;
  for (auto& [l, v] : series) {
    std::stable_sort(v.begin(), v.end(), [](const Sample& a, const Sample& b) { return a.t < b.t; });
    // Duplicate timestamps keep the last value written, as an appender would refuse the rest.
    v.erase(std::unique(v.begin(), v.end(), [](const Sample& a, const Sample& b) { return a.t == b.t; }), v.end());
    mint = std::min(mint, v.front().t);
    maxt = std::max(maxt, v.back().t);
    for (const Label& x : l) {
      symbols.emplace_back(x.name);
      symbols.emplace_back(x.value);
    }
  }
  if (series.empty()) {
    std::fprintf(stderr, "no samples found\n");
    return 1;
  }
  std::sort(symbols.begin(), symbols.end());
  symbols.erase(std::unique(symbols.begin(), symbols.end()), symbols.end());
  std::filesystem::create_directories(output);
  std::printf("%-27s %-14s %-14s %-13s %-12s %-12s %s\n", "BLOCK ULID", "MIN TIME", "MAX TIME", "DURATION",
              "NUM SAMPLES", "NUM CHUNKS", "NUM SERIES");
  int64_t step = std::max<int64_t>(width, *dur / width * width);
  for (Timestamp t = (mint >= 0 ? mint / step : (mint - step + 1) / step) * step; t <= maxt; t += step) {
    std::vector<blocks::SeriesChunks> in;
    Timestamp bmin = kMaxTime, bmax = kMinTime;
    for (const auto& [l, v] : series) {
      auto lo = std::lower_bound(v.begin(), v.end(), t, [](const Sample& s, Timestamp x) { return s.t < x; });
      auto hi = std::lower_bound(lo, v.end(), t + step, [](const Sample& s, Timestamp x) { return s.t < x; });
      if (lo == hi) continue;
      blocks::SeriesChunks sc;
      sc.labels = l;
      blocks::EncodeChunks(std::span<const Sample>(&*lo, static_cast<size_t>(hi - lo)), &sc.chunks);
      bmin = std::min(bmin, lo->t);
      bmax = std::max(bmax, (hi - 1)->t);
      in.push_back(std::move(sc));
    }
    if (in.empty()) continue;
    block::BlockMeta meta;
    meta.ulid = fileutil::NewULID();
    meta.min_time = bmin;
    meta.max_time = bmax + 1;
    meta.level = 1;
    meta.sources = {meta.ulid};
    auto set = blocks::VectorChunkSeriesSet(std::move(in));
    auto res = block::WriteBlock(output, meta, symbols, *set);
    if (!res.ok()) {
      std::fprintf(stderr, "error: %s\n", std::string(res.status().message()).c_str());
      return 1;
    }
    std::printf("%-27s %-14lld %-14lld %-13lld %-12llu %-12llu %llu\n", res->ulid.c_str(),
                static_cast<long long>(res->min_time), static_cast<long long>(res->max_time),
                static_cast<long long>(res->max_time - res->min_time),
                static_cast<unsigned long long>(res->stats.num_samples),
                static_cast<unsigned long long>(res->stats.num_chunks),
                static_cast<unsigned long long>(res->stats.num_series));
  }
  return 0;
}

Registration reg({"tsdb", "create-blocks-from"}, Run,
                 "create blocks from an OpenMetrics file (as promtool tsdb create-blocks-from openmetrics)");

}  // namespace
}  // namespace promlite::tool
