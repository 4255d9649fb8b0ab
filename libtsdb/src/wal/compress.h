// Whole-record compression for the WAL: snappy block format (not framed) and
// single zstd frames, as Prometheus' util/compression writes them.
//
// Each object keeps its codec context and output buffer between calls, so the
// steady state allocates nothing. Not thread-safe: one per writer or reader.
#pragma once

#include <cstddef>
#include <memory>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "wal/format.h"

struct ZSTD_CCtx_s;
struct ZSTD_DCtx_s;

namespace promlite::tsdb::wal {

// Decompressed records larger than this are treated as corrupt rather than
// allocated: it bounds what a damaged length field can make us reserve.
inline constexpr size_t kMaxRecordSize = size_t{1} << 30;

// A growable byte buffer that, unlike std::string, does not zero-fill.
class ByteBuffer {
 public:
  char* data() { return data_.get(); }
  size_t capacity() const { return cap_; }
  // Ensures room for `n` bytes, keeping the first `keep` bytes.
  void Reserve(size_t n, size_t keep = 0);

 private:
  std::unique_ptr<char[]> data_;
  size_t cap_ = 0;
};

class Compressor {
 public:
  Compressor(Compression c, int zstd_level);
  ~Compressor();
  Compressor(const Compressor&) = delete;
  Compressor& operator=(const Compressor&) = delete;

  Compression compression() const { return c_; }
  // The compressed form of `in`, valid until the next call. Errors only on
  // codec failures (out of memory and the like).
  absl::StatusOr<std::string_view> Compress(std::string_view in);

 private:
  Compression c_;
  int zstd_level_;
  ZSTD_CCtx_s* zctx_ = nullptr;
  ByteBuffer buf_;
};

class Decompressor {
 public:
  Decompressor();
  ~Decompressor();
  Decompressor(const Decompressor&) = delete;
  Decompressor& operator=(const Decompressor&) = delete;

  // The decompressed form of `in`, valid until the next call. DataLoss with
  // the codec's reason when `in` is not valid data of that kind.
  absl::StatusOr<std::string_view> Decompress(Compression c, std::string_view in);

 private:
  ZSTD_DCtx_s* zctx_ = nullptr;
  ByteBuffer buf_;
};

}  // namespace promlite::tsdb::wal
