// WAL micro benchmarks: Log throughput per compression (one record = a batch
// of 1000 samples, the shape of a scrape commit), sample record encode and
// decode, CRC32C, and end-to-end replay (read + CRC + decompress + decode).
//
//   cmake --build build --target bench_wal && build/bench/bench_wal
#include <benchmark/benchmark.h>

#include <cmath>
#include <filesystem>
#include <string>
#include <vector>

#include "record/record.h"
#include "util/crc32c.h"
#include "wal/compress.h"
#include "wal/reader.h"
#include "wal/wal.h"

using namespace promlite::tsdb;
namespace fs = std::filesystem;

namespace {

constexpr int kBatch = 1000;

// A scrape-like batch: consecutive refs, one timestamp, a mix of counters,
// gauges and constant values.
std::vector<record::RefSample> MakeBatch(int batch) {
  std::vector<record::RefSample> out;
  out.reserve(kBatch);
  const Timestamp t = 1700000000000 + static_cast<int64_t>(batch) * 15000;
  for (int i = 0; i < kBatch; ++i) {
    double v;
    switch (i % 3) {
      case 0: v = static_cast<double>(i * 100 + batch * 7); break;      // counter
      case 1: v = 50.0 + 10.0 * std::sin(i * 0.1 + batch * 0.01); break;  // gauge
      default: v = 1.0; break;                                           // up, info
    }
    out.push_back({static_cast<SeriesRef>(i + 1), t + (i % 7), v});
  }
  return out;
}

std::string TempPath(const std::string& name) {
  std::string p = (fs::temp_directory_path() / ("promlite-bench-" + name)).string();
  fs::remove_all(p);
  return p;
}

wal::Compression CompressionArg(int64_t a) { return static_cast<wal::Compression>(a); }

void BM_WALLog(benchmark::State& state) {
  const auto c = CompressionArg(state.range(0));
  std::string dir = TempPath("log");
  wal::WALOptions o;
  o.compression = c;
  o.logger = NewNopLogger();
  auto w = wal::WAL::Open(dir, o);
  if (!w.ok()) {
    state.SkipWithError(std::string(w.status().message()).c_str());
    return;
  }
  std::vector<std::string> recs;
  for (int b = 0; b < 64; ++b) {
    std::string r;
    record::EncodeSamples(MakeBatch(b), &r);
    recs.push_back(std::move(r));
  }
  int64_t i = 0, bytes = 0;
  for (auto _ : state) {
    const std::string& r = recs[static_cast<size_t>(i % 64)];
    if (!(*w)->Log({r}).ok()) state.SkipWithError("log failed");
    bytes += static_cast<int64_t>(r.size());
    if (++i % 20000 == 0) {  // keep the disk footprint bounded
      state.PauseTiming();
      auto seg = (*w)->NextSegment();
      if (seg.ok()) (void)(*w)->Truncate(*seg);
      state.ResumeTiming();
    }
  }
  state.SetItemsProcessed(i * kBatch);
  state.SetBytesProcessed(bytes);
  (void)(*w)->Close();
  state.counters["record_bytes"] = static_cast<double>(recs[0].size());
  fs::remove_all(dir);
}
BENCHMARK(BM_WALLog)->ArgName("compression")->Arg(0)->Arg(1)->Arg(2)->Unit(benchmark::kMicrosecond);

// Record compression alone. Arg: 0 snappy, otherwise the zstd level.
void BM_CompressRecord(benchmark::State& state) {
  std::string r;
  record::EncodeSamples(MakeBatch(1), &r);
  const int level = static_cast<int>(state.range(0));
  wal::Compressor c(level == 0 ? wal::Compression::kSnappy : wal::Compression::kZstd, level);
  size_t out = 0;
  for (auto _ : state) {
    auto z = c.Compress(r);
    out = z->size();
    benchmark::DoNotOptimize(z->data());
  }
  state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(r.size()));
  state.counters["ratio"] = static_cast<double>(r.size()) / static_cast<double>(out);
}
BENCHMARK(BM_CompressRecord)->ArgName("zstd_level")->Arg(0)->Arg(-1)->Arg(1)->Arg(3);

void BM_EncodeSamples(benchmark::State& state) {
  auto batch = MakeBatch(1);
  std::string r;
  for (auto _ : state) {
    r.clear();
    record::EncodeSamples(batch, &r);
    benchmark::DoNotOptimize(r.data());
  }
  state.SetItemsProcessed(state.iterations() * kBatch);
}
BENCHMARK(BM_EncodeSamples);

void BM_DecodeSamples(benchmark::State& state) {
  std::string r;
  record::EncodeSamples(MakeBatch(1), &r);
  std::vector<record::RefSample> out;
  for (auto _ : state) {
    out.clear();
    if (!record::DecodeSamples(r, &out).ok()) state.SkipWithError("decode failed");
    benchmark::DoNotOptimize(out.data());
  }
  state.SetItemsProcessed(state.iterations() * kBatch);
}
BENCHMARK(BM_DecodeSamples);

void BM_CRC32C(benchmark::State& state) {
  std::string buf(wal::kPageSize, 'x');
  for (size_t i = 0; i < buf.size(); ++i) buf[i] = static_cast<char>(i * 131);
  const bool hw = state.range(0) == 1;
  if (hw && !crc32c::HardwareAvailable()) {
    state.SkipWithError("no SSE4.2");
    return;
  }
  for (auto _ : state) {
    uint32_t c = hw ? crc32c::ExtendHardware(0, buf.data(), buf.size()) : crc32c::ExtendPortable(0, buf.data(), buf.size());
    benchmark::DoNotOptimize(c);
  }
  state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(buf.size()));
}
BENCHMARK(BM_CRC32C)->ArgName("hw")->Arg(0)->Arg(1);

// Replay: read every record of a WAL of 2000 batches (2M samples) from the
// page cache, check CRCs, decompress and decode the samples.
void BM_Replay(benchmark::State& state) {
  const auto c = CompressionArg(state.range(0));
  std::string dir = TempPath("replay");
  constexpr int kRecords = 2000;
  {
    wal::WALOptions o;
    o.compression = c;
    o.logger = NewNopLogger();
    auto w = wal::WAL::Open(dir, o);
    if (!w.ok()) {
      state.SkipWithError("open failed");
      return;
    }
    std::string r;
    for (int b = 0; b < kRecords; ++b) {
      r.clear();
      record::EncodeSamples(MakeBatch(b), &r);
      if (!(*w)->Log({r}).ok()) state.SkipWithError("log failed");
    }
    (void)(*w)->Close();
  }
  int64_t disk = 0;
  for (const auto& e : fs::directory_iterator(dir)) disk += static_cast<int64_t>(fs::file_size(e.path()));
  std::vector<record::RefSample> samples;
  int64_t n = 0;
  for (auto _ : state) {
    auto reader = wal::Reader::Open(dir);
    if (!reader.ok()) {
      state.SkipWithError("reader failed");
      break;
    }
    while ((*reader)->Next()) {
      samples.clear();
      if (!record::DecodeSamples((*reader)->Record(), &samples).ok()) state.SkipWithError("decode failed");
      n += static_cast<int64_t>(samples.size());
    }
    if (!(*reader)->status().ok()) state.SkipWithError("read failed");
  }
  state.SetItemsProcessed(n);
  state.SetBytesProcessed(state.iterations() * disk);
  state.counters["disk_bytes_per_sample"] = static_cast<double>(disk) / (kRecords * kBatch);
  fs::remove_all(dir);
}
BENCHMARK(BM_Replay)->ArgName("compression")->Arg(0)->Arg(1)->Arg(2)->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
