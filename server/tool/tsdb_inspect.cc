// promlite-tool tsdb list | analyze | dump: promtool's block inspection
// commands over a data directory's blocks (read-only: the directory may be
// in use by a running server). Output follows promtool 2.42's layout.
#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "CLI/CLI.hpp"
#include "block/block.h"
#include "fileutil/fileutil.h"
#include "promlite/tsdb/matcher.h"
#include "tool/commands.h"

namespace promlite::tool {
namespace {

using tsdb::block::Block;
namespace fs = std::filesystem;

std::vector<std::shared_ptr<Block>> OpenBlocks(const std::string& dir, bool quiet = false) {
  std::vector<std::string> names;
  std::error_code ec;
  for (auto it = fs::directory_iterator(dir, ec); !ec && it != fs::directory_iterator(); it.increment(ec)) {
    std::string n = it->path().filename().string();
    if (tsdb::fileutil::IsULID(n) && it->is_directory()) names.push_back(n);
  }
  if (ec) std::fprintf(stderr, "read %s: %s\n", dir.c_str(), ec.message().c_str());
  std::vector<std::shared_ptr<Block>> out;
  for (const auto& n : names) {
    auto b = Block::Open(dir + "/" + n);
    if (!b.ok()) {
      if (!quiet) std::fprintf(stderr, "skipping block %s: %s\n", n.c_str(), std::string(b.status().message()).c_str());
      continue;
    }
    out.push_back(*std::move(b));
  }
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a->min_time() < b->min_time(); });
  return out;
}

// Go's time.Duration String for milliseconds: 1h46m39.877s.
std::string GoDuration(int64_t ms) {
  if (ms == 0) return "0s";
  std::string out;
  if (ms < 0) {
    out = "-";
    ms = -ms;
  }
  int64_t h = ms / 3600000, m = ms / 60000 % 60, s = ms / 1000 % 60, rem = ms % 1000;
  if (h) out += std::to_string(h) + "h";
  if (h || m) out += std::to_string(m) + "m";
  out += std::to_string(s);
  if (rem) {
    char b[8];
    std::snprintf(b, sizeof b, ".%03lld", static_cast<long long>(rem));
    std::string frac(b);
    while (frac.back() == '0') frac.pop_back();
    out += frac;
  }
  return out + "s";
}

std::string HumanBytes(uint64_t b) {
  const char* units[] = {"B", "kB", "MB", "GB", "TB"};
  double v = static_cast<double>(b);
  int u = 0;
  while (v >= 1000 && u < 4) {
    v /= 1000;
    u++;
  }
  char buf[32];
  std::snprintf(buf, sizeof buf, u == 0 ? "%.0f %s" : "%.1f %s", v, units[u]);
  return buf;
}

// Go's strconv.FormatFloat(v, 'g', -1, 64), as promtool prints values.
std::string GoFloat(double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  char sci[64];
  auto r = std::to_chars(sci, sci + sizeof sci, v, std::chars_format::scientific);
  std::string s(sci, r.ptr);
  int exp = std::atoi(s.c_str() + s.find('e') + 1);
  if (exp < -4 || exp >= 21) return s;
  char fix[400];
  auto f = std::to_chars(fix, fix + sizeof fix, v, std::chars_format::fixed);
  return std::string(fix, f.ptr);
}

int List(int argc, char** argv) {
  CLI::App app{"List tsdb blocks.", argv[0]};
  std::string dir = "data/";
  bool human = false;
  app.add_option("db path", dir, "database path (default is data/)");
  app.add_flag("-r,--human-readable", human, "print human readable values");
  CLI11_PARSE(app, argc, argv);
  auto blocks = OpenBlocks(dir);
  std::printf("%-27s %-14s %-14s %-13s %-12s %-12s %-12s %s\n", "BLOCK ULID", "MIN TIME", "MAX TIME", "DURATION",
              "NUM SAMPLES", "NUM CHUNKS", "NUM SERIES", "SIZE");
  for (const auto& b : blocks) {
    auto m = b->Meta();
    std::string size = human ? HumanBytes(b->Size()) : std::to_string(b->Size());
    std::printf("%-27s %-14lld %-14lld %-13s %-12llu %-12llu %-12llu %s\n", m.ulid.c_str(),
                static_cast<long long>(m.min_time), static_cast<long long>(m.max_time),
                GoDuration(m.max_time - m.min_time).c_str(), static_cast<unsigned long long>(m.stats.num_samples),
                static_cast<unsigned long long>(m.stats.num_chunks),
                static_cast<unsigned long long>(m.stats.num_series), size.c_str());
  }
  return 0;
}

void PrintTop(const char* title, std::vector<std::pair<std::string, uint64_t>> v, size_t limit) {
  std::sort(v.begin(), v.end(), [](const auto& a, const auto& b) { return a.second != b.second ? a.second > b.second : a.first < b.first; });
  std::printf("%s:\n", title);
  for (size_t i = 0; i < v.size() && i < limit; i++) {
    std::printf("%llu %s\n", static_cast<unsigned long long>(v[i].second), v[i].first.c_str());
  }
}

int Analyze(int argc, char** argv) {
  CLI::App app{"Analyze churn, label pair cardinality and compaction efficiency.", argv[0]};
  std::string dir = "data/";
  std::string id;
  size_t limit = 20;
  app.add_option("db path", dir, "database path (default is data/)");
  app.add_option("block id", id, "block to analyze (default is the last block)");
  app.add_option("--limit", limit, "how many items to show in each list");
  CLI11_PARSE(app, argc, argv);
  auto blocks = OpenBlocks(dir);
  if (blocks.empty()) {
    std::fprintf(stderr, "no blocks found\n");
    return 1;
  }
  std::shared_ptr<Block> b = blocks.back();
  if (!id.empty()) {
    b = nullptr;
    for (const auto& x : blocks) {
      if (x->ulid() == id) b = x;
    }
    if (!b) {
      std::fprintf(stderr, "block %s not found\n", id.c_str());
      return 1;
    }
  }
  auto m = b->Meta();
  const auto& ix = b->index();
  std::printf("Block ID: %s\nDuration: %s\nTotal Series: %llu\n", m.ulid.c_str(),
              GoDuration(m.max_time - m.min_time).c_str(), static_cast<unsigned long long>(m.stats.num_series));
  auto names = ix.LabelNames();
  std::printf("Label names: %zu\n", names.size());
  uint64_t pairs = 0, entries = 0;
  std::vector<std::pair<std::string, uint64_t>> card, pair_counts, value_len, metric_names;
  std::vector<uint32_t> ids;
  for (std::string_view n : names) {
    auto values = ix.LabelValues(n);
    pairs += values.size();
    card.emplace_back(std::string(n), values.size());
    uint64_t len = 0;
    for (std::string_view v : values) {
      len += v.size();
      if (!ix.Postings(n, std::span<const std::string_view>(&v, 1), &ids).ok()) continue;
      entries += ids.size();
      pair_counts.emplace_back(std::string(n) + "=" + std::string(v), ids.size());
      if (n == "__name__") metric_names.emplace_back(std::string(v), ids.size());
    }
    value_len.emplace_back(std::string(n), len);
  }
  std::printf("Postings (unique label pairs): %llu\nPostings entries (total label pairs): %llu\n",
              static_cast<unsigned long long>(pairs), static_cast<unsigned long long>(entries));
  PrintTop("Most common label pairs", pair_counts, limit);
  PrintTop("Label names with highest cumulative label value length", value_len, limit);
  PrintTop("Highest cardinality labels", card, limit);
  PrintTop("Highest cardinality metric names", metric_names, limit);
  std::printf("Bytes per sample: %.3f\n",
              m.stats.num_samples ? static_cast<double>(b->Size()) / static_cast<double>(m.stats.num_samples) : 0.0);
  return 0;
}

int Dump(int argc, char** argv) {
  CLI::App app{"Dump samples from the blocks of a TSDB.", argv[0]};
  std::string dir = "data/";
  int64_t mint = std::numeric_limits<int64_t>::min(), maxt = std::numeric_limits<int64_t>::max();
  app.add_option("db path", dir, "database path (default is data/)");
  app.add_option("--min-time", mint, "minimum timestamp to dump");
  app.add_option("--max-time", maxt, "maximum timestamp to dump");
  CLI11_PARSE(app, argc, argv);
  auto blocks = OpenBlocks(dir);
  std::vector<std::unique_ptr<tsdb::blocks::ChunkSeriesSet>> sets;
  for (const auto& b : blocks) {
    if (b->Overlaps(mint, maxt)) sets.push_back(b->Select({}, mint, maxt, false));
  }
  if (sets.empty()) return 0;
  auto ss = tsdb::blocks::ToSeriesSet(tsdb::blocks::MergeChunkSeriesSets(std::move(sets)), mint, maxt);
  std::string out;
  while (ss->Next()) {
    std::string l = ss->At().labels().ToString();
    // promtool prints the full {__name__="x", ...} form.
    tsdb::Labels lset = ss->At().labels();
    std::string full = "{";
    for (size_t i = 0; i < lset.size(); i++) {
      if (i) full += ", ";
      full += std::string(lset[i].name) + "=\"" + std::string(lset[i].value) + "\"";
    }
    full += "}";
    auto it = ss->At().Iterator();
    while (it->Next()) {
      out += full + " " + GoFloat(it->AtV()) + " " + std::to_string(it->AtT()) + "\n";
      if (out.size() > (1 << 20)) {
        std::fwrite(out.data(), 1, out.size(), stdout);
        out.clear();
      }
    }
  }
  std::fwrite(out.data(), 1, out.size(), stdout);
  for (const auto& w : ss->Warnings()) std::fprintf(stderr, "warning: %s\n", w.c_str());
  if (!ss->Err().ok()) {
    std::fprintf(stderr, "error: %s\n", std::string(ss->Err().message()).c_str());
    return 1;
  }
  return 0;
}

Registration list_reg({"tsdb", "list"}, List, "list tsdb blocks (as promtool tsdb list)");
Registration analyze_reg({"tsdb", "analyze"}, Analyze, "analyze label cardinality of a block (as promtool tsdb analyze)");
Registration dump_reg({"tsdb", "dump"}, Dump, "dump samples of the blocks (as promtool tsdb dump)");

}  // namespace
}  // namespace promlite::tool
