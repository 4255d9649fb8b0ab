// The open (still growing) XOR chunk of a head series.
//
// Every active series has one, so its layout decides much of the head's
// memory. The bytes live in a chain of 64-byte blocks from a shared pool
// rather than in a growing vector:
//  - a growing vector is reallocated several times per chunk, and the old
//    buffers leave holes the allocator cannot reuse while every series grows
//    in step (measured: ~90 bytes per series at 50k series);
//  - all blocks have one size, so a freed block always fits the next request;
//  - there is no per-allocation header and no spare capacity beyond the tail
//    block.
// Bits are gathered in a 64-bit word and stored a word at a time. The word
// never straddles a block: the stream starts with the two-byte sample count,
// words are 8 bytes and a block holds 7 of them.
//
// The last sample's time and value are not kept here: the series has them
// and passes them to Append (the chunk's maxt is the series' newest time).
// Readers get a contiguous copy (CopyTo); the chunk changes under them.
// Not thread-safe: the owning series' lock guards it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

#include "chunkenc/xor_encoder.h"
#include "promlite/tsdb/sample.h"

namespace promlite::tsdb::head {

// Derives from the encoder state so the small fields share one word.
class OpenChunk : private chunkenc::XorEncoderCore {
 public:
  static constexpr size_t kBlockBytes = 64;
  static constexpr size_t kBlockPayload = 56;

  OpenChunk() = default;
  ~OpenChunk() { Reset(); }
  OpenChunk(const OpenChunk&) = delete;
  OpenChunk& operator=(const OpenChunk&) = delete;

  // Starts an empty chunk at time `mint`, freeing any blocks held.
  void Start(Timestamp mint);
  // Frees the blocks; the chunk is then empty (num_samples() == 0).
  void Reset();

  // Appends (t, v) after the chunk's last sample (prev_t, prev_v), which the
  // caller keeps; they are ignored for the first sample.
  void Append(Timestamp prev_t, uint64_t prev_vbits, Timestamp t, double v) {
    XorEncoderCore::Append(*this, prev_t, prev_vbits, t, v);
  }

  uint16_t num_samples() const { return num; }
  Timestamp mint() const { return mint_; }
  // Bytes of the chunk as Prometheus stores it (count + bit stream).
  size_t size() const { return flushed_ + (pending_bits_ + 7) / 8; }
  // Memory held: the blocks.
  size_t allocated_bytes() const;

  // Writes the chunk's size() bytes to out.
  void CopyTo(uint8_t* out) const;
  std::vector<uint8_t> ToVector() const {
    std::vector<uint8_t> v(size());
    CopyTo(v.data());
    return v;
  }

  // Hints for the append path: the block the next word goes to.
  const void* tail_block() const { return last_; }

  struct Block;  // a 64-byte unit of the pool (open_chunk.cc)

  // Bit sink of the encoder (see chunkenc/xor_encoder.h).
  void Put(uint64_t bits, int n) {
    int space = 64 - pending_bits_;
    if (n < space) {
      pending_ |= bits << (space - n);
      pending_bits_ = static_cast<uint8_t>(pending_bits_ + n);
      return;
    }
    int rest = n - space;
    pending_ |= bits >> rest;
    StoreWord(pending_);
    pending_ = rest == 0 ? 0 : bits << (64 - rest);
    pending_bits_ = static_cast<uint8_t>(rest);
  }

 private:
  void StoreWord(uint64_t w);

  // The two small fields first: they fit the encoder state's tail padding.
  uint16_t flushed_ = 0;       // bytes stored in blocks (a multiple of 8)
  uint8_t pending_bits_ = 0;
  Block* first_ = nullptr;
  Block* last_ = nullptr;
  Timestamp mint_ = 0;
  uint64_t pending_ = 0;       // bits not yet stored, MSB first
};

}  // namespace promlite::tsdb::head
