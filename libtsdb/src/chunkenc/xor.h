// Gorilla XOR chunks, byte-identical to Prometheus' chunkenc.XORChunk:
//   2 bytes big-endian sample count, then a bit stream:
//   sample 0: varint t, 64-bit value; sample 1: uvarint t delta, XOR value;
//   later samples: delta-of-delta timestamps in 0/14/17/20/64-bit buckets and
//   XOR-compressed values (5-bit leading zeros capped at 31, 6-bit length).
#pragma once

#include <bit>
#include <cstdint>
#include <memory>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "promlite/tsdb/sample.h"
#include "chunkenc/bstream.h"
#include "chunkenc/xor_encoder.h"

namespace promlite::tsdb::chunkenc {

enum class Encoding : uint8_t { kNone = 0, kXOR = 1, kHistogram = 2, kFloatHistogram = 3 };

// Prometheus cuts head chunks at this many samples (and on time boundaries).
inline constexpr int kSamplesPerChunk = 120;

// The sample count stored in a chunk's first two bytes.
inline uint16_t XorNumSamples(const uint8_t* b, size_t n) {
  return n < 2 ? 0 : static_cast<uint16_t>((b[0] << 8) | b[1]);
}

// Appends samples to a chunk held in a byte vector. Only chunks started by an
// appender are appended to: after a restart the head rebuilds its open chunk
// by replaying the WAL, as Prometheus does.
class XorAppender {
 public:
  XorAppender() = default;
  // Starts a new, empty chunk in *bytes (cleared).
  static XorAppender New(std::vector<uint8_t>* bytes);

  void Append(Timestamp t, double v);
  uint16_t num_samples() const { return enc_.num(); }

 private:
  std::vector<uint8_t>* b_ = nullptr;
  BitWriter w_{nullptr};
  XorEncoder enc_;
};

// Decoder state of an XOR chunk past its first two samples. The bit buffer
// has BitReader's layout: `buf` holds the next bits MSB first, the top
// `valid` of them are valid, and the byte at `p` belongs right after them
// (bits of `buf` below `valid` are zero or already hold `p`'s bits).
struct XorDecodeState {
  const uint8_t* begin = nullptr;  // the chunk
  const uint8_t* p = nullptr;
  const uint8_t* end = nullptr;
  uint64_t buf = 0;
  uint32_t valid = 0;
  uint32_t leading = 0;
  uint32_t sig = 64;  // meaningful bits of the current XOR window (1..64)
  Timestamp t = 0;
  int64_t t_delta = 0;
  uint64_t v_bits = 0;
};

// A decoded sample as XorIterator buffers it. No default member
// initializers, so the buffer needs no zeroing.
struct XorSlot {
  Timestamp t;
  uint64_t v;  // the double's bits
};

// Iterates a chunk's samples. Cheap to construct; keeps a view of the bytes.
// Next() decodes a block of samples at a time with a register-resident
// decoder (xor.cc) into a buffer allocated on first use and kept across
// Reset(); ReadUntil() decodes straight into the caller's vector and needs
// no buffer, so iterators read only in batches stay small.
class XorIterator {
 public:
  XorIterator() = default;
  XorIterator(const uint8_t* b, size_t n) { Reset(b, n); }
  XorIterator(const XorIterator& o) { *this = o; }
  XorIterator& operator=(const XorIterator& o);
  XorIterator(XorIterator&&) noexcept = default;
  XorIterator& operator=(XorIterator&&) noexcept = default;
  void Reset(const uint8_t* b, size_t n);

  bool Next() {
    if (pos_ < cnt_) [[likely]] {
      cur_ = blk_[pos_++];
      return true;
    }
    return NextBlock();
  }
  // Moves to the first sample with timestamp >= t (never backwards).
  bool Seek(Timestamp t);
  Timestamp t() const { return cur_.t; }
  double v() const { return std::bit_cast<double>(cur_.v); }
  uint16_t num_samples() const { return num_total_; }
  const absl::Status& err() const { return err_; }

  // Decodes every remaining sample with t <= maxt into out. The first sample
  // after maxt is consumed (the iterator is positioned on it).
  void ReadUntil(Timestamp maxt, std::vector<Sample>* out);

  // Samples decoded per Next() block: a whole Prometheus-sized chunk.
  static constexpr int kBlock = 128;

 private:
  bool NextBlock();
  // Decodes up to `cap` more samples into dst (XorSlot or Sample), stopping
  // after the first one past maxt; sets *fail when stopped by damage.
  template <class S>
  size_t Decode(S* dst, size_t cap, Timestamp maxt, const char** fail);
  bool Fail(const char* what);

  XorDecodeState s_;
  XorSlot cur_ = {0, 0};   // the current sample
  uint16_t num_total_ = 0;
  uint16_t num_read_ = 0;  // samples decoded (some may still be buffered)
  // blk_[pos_, cnt_) are decoded but not yet returned.
  uint16_t pos_ = 0;
  uint16_t cnt_ = 0;
  // Set when decoding stopped on damaged data: reported once the samples
  // decoded before it have been returned.
  const char* pending_fail_ = nullptr;
  absl::Status err_;
  std::unique_ptr<XorSlot[]> blk_;  // kBlock slots, allocated by NextBlock
};

}  // namespace promlite::tsdb::chunkenc
