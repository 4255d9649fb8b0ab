#include "head/series.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <new>

namespace promlite::tsdb::head {
namespace {

// Chunks larger than this are cut early, as Prometheus does (1 KiB).
constexpr size_t kMaxBytesPerXorChunk = 1024;

// End of the block-range window containing t (Go's truncating division).
Timestamp RangeEnd(Timestamp t, int64_t width) { return (t / width) * width + width; }

// Predicts where to end the current chunk so the remaining samples of the
// window spread evenly over chunks of ~samples_per_chunk samples.
Timestamp ComputeChunkEndTime(Timestamp start, Timestamp cur, Timestamp max_t, double ratio_to_full) {
  double n = static_cast<double>(max_t - start) / (static_cast<double>(cur - start + 1) * ratio_to_full);
  if (n <= 1) return max_t;
  return static_cast<Timestamp>(static_cast<double>(start) + static_cast<double>(max_t - start) / std::floor(n));
}

}  // namespace

// One per series: keep an eye on its size (64-bit builds).
static_assert(sizeof(void*) != 8 || sizeof(MemSeries) <= 144, "MemSeries grew");

MemSeries* MemSeries::Create(uint32_t id, uint64_t hash, const uint32_t* syms, uint16_t nlabels) {
  void* mem = ::operator new(sizeof(MemSeries) + 2 * nlabels * sizeof(uint32_t));
  MemSeries* s = new (mem) MemSeries(id, hash, nlabels);
  std::memcpy(reinterpret_cast<uint32_t*>(s + 1), syms, 2 * nlabels * sizeof(uint32_t));
  return s;
}

void MemSeries::Destroy(MemSeries* s) {
  s->~MemSeries();
  ::operator delete(s);
}

MemSeries::~MemSeries() = default;

void ClosedChunks::Reset(uint32_t cap) {
  Rep* next = nullptr;
  const uint32_t n = static_cast<uint32_t>(size());
  if (cap > 0) {
    next = static_cast<Rep*>(::operator new(sizeof(Rep) + size_t{cap} * sizeof(ClosedChunk)));
    next->size = std::min(n, cap);
    next->cap = cap;
  }
  for (uint32_t i = 0; i < n; i++) {
    ClosedChunk* c = rep_->items() + i;
    if (i < cap) new (next->items() + i) ClosedChunk(std::move(*c));
    c->~ClosedChunk();
  }
  ::operator delete(rep_);
  rep_ = next;
}

void ClosedChunks::push_back(ClosedChunk c) {
  const uint32_t n = static_cast<uint32_t>(size());
  if (rep_ == nullptr || n == rep_->cap) Reset(n < 2 ? 2 : 2 * n);
  new (rep_->items() + n) ClosedChunk(std::move(c));
  rep_->size = n + 1;
}

void ClosedChunks::EraseFront(size_t k) {
  const size_t n = size();
  if (k == 0) return;
  if (k >= n) {
    Reset(0);
    return;
  }
  ClosedChunk* items = rep_->items();
  std::move(items + k, items + n, items);
  for (size_t i = n - k; i < n; i++) items[i].~ClosedChunk();
  rep_->size = static_cast<uint32_t>(n - k);
}

void ClosedChunks::Assign(std::vector<ClosedChunk> v) {
  Reset(0);
  if (v.empty()) return;
  Reset(static_cast<uint32_t>(v.size()));
  for (size_t i = 0; i < v.size(); i++) new (rep_->items() + i) ClosedChunk(std::move(v[i]));
  rep_->size = static_cast<uint32_t>(v.size());
}

void MemSeries::CutHeadChunk(Timestamp t, const ChunkOptions& opts) {
  if (head_.num_samples() > 0) {
    // Full chunks are contiguous and exactly sized.
    std::vector<uint8_t> bytes = head_.ToVector();
    bool mapped = false;
    if (opts.files != nullptr) {
      auto ref = opts.files->Write(id_, head_.mint(), OpenMaxTime(),
                                   std::string_view(reinterpret_cast<const char*>(bytes.data()), bytes.size()));
      if (ref.ok()) {
        closed_.push_back(ClosedChunk{head_.mint(), OpenMaxTime(), nullptr, *ref});
        mapped = true;
      }
      // Disk trouble: the chunk stays in memory.
    }
    if (!mapped) {
      closed_.push_back(ClosedChunk{head_.mint(), OpenMaxTime(),
                                    std::make_shared<const std::vector<uint8_t>>(std::move(bytes))});
    }
  }
  head_.Start(t);
  next_at_ = RangeEnd(t, opts.chunk_range_ms);
}

bool MemSeries::Append(Timestamp t, double v, uint64_t seq, uint64_t watermark, const ChunkOptions& opts) {
  if (t <= last_t_.load(std::memory_order_relaxed)) return false;
  bool created = false;
  if (head_.num_samples() == 0 || head_.size() > kMaxBytesPerXorChunk) {
    CutHeadChunk(t, opts);
    created = true;
  }
  if (!created) {
    int n = head_.num_samples();
    if (n == opts.samples_per_chunk / 4) {
      next_at_ = ComputeChunkEndTime(head_.mint(), OpenMaxTime(), next_at_, 4);
    }
    if (t >= next_at_ || n >= opts.samples_per_chunk * 2) CutHeadChunk(t, opts);
  }
  head_.Append(last_t_.load(std::memory_order_relaxed), last_v_.load(std::memory_order_relaxed), t, v);
  // Value first: an appender that sees the new time must see its value.
  last_v_.store(std::bit_cast<uint64_t>(v), std::memory_order_relaxed);
  last_t_.store(t, std::memory_order_release);

  // Fold commits every reader can already see into the base.
  size_t keep = 0;
  for (const auto& [s, maxt] : commits_) {
    if (s <= watermark) {
      base_maxt_ = maxt;
      keep++;
    } else {
      break;
    }
  }
  if (keep == commits_.size()) {
    commits_.clear();  // also gives back heap storage a burst of commits under a long query spilled to
  } else if (keep > 0) {
    commits_.erase(commits_.begin(), commits_.begin() + static_cast<long>(keep));
  }
  if (!commits_.empty() && commits_.back().first == seq) {
    commits_.back().second = t;
  } else {
    commits_.emplace_back(seq, t);
  }
  return true;
}

Timestamp MemSeries::VisibleMaxTime(uint64_t seq) const {
  Timestamp visible = base_maxt_;
  for (const auto& [s, maxt] : commits_) {
    if (s > seq) break;
    visible = maxt;
  }
  return visible;
}

void MemSeries::Snapshot(Timestamp mint, Timestamp maxt, std::vector<ChunkSnapshot>* out,
                         chunks::HeadChunkFiles* files) const {
  for (const auto& c : closed_) {
    if (c.maxt < mint || c.mint > maxt) continue;
    if (c.bytes) {
      out->push_back(ChunkSnapshot{c.mint, c.maxt, c.bytes, c.bytes->data(), c.bytes->size()});
      continue;
    }
    if (files == nullptr) continue;
    auto r = files->Read(c.ref);
    if (!r.ok()) continue;  // a file removed by truncation: the data is in a block
    out->push_back(ChunkSnapshot{c.mint, c.maxt, std::move(r->owner), r->data, r->size});
  }
  if (head_.num_samples() > 0 && OpenMaxTime() >= mint && head_.mint() <= maxt) {
    // The open chunk keeps changing: readers get their own copy (a few
    // hundred bytes at most).
    auto copy = std::make_shared<const std::vector<uint8_t>>(head_.ToVector());
    const uint8_t* p = copy->data();
    size_t n = copy->size();
    out->push_back(ChunkSnapshot{head_.mint(), OpenMaxTime(), std::move(copy), p, n});
  }
}

void MemSeries::AttachMapped(std::vector<ClosedChunk> chunks) {
  if (chunks.empty()) return;
  closed_.Assign(std::move(chunks));
  has_mapped = true;
  Timestamp maxt = closed_.back().maxt;
  last_t_.store(maxt, std::memory_order_release);
  base_maxt_ = maxt;
  head_.Reset();
}

uint32_t MemSeries::MinFileSeq() const {
  for (const auto& c : closed_) {
    if (c.ref != 0) return static_cast<uint32_t>(c.ref >> 32);
  }
  return 0;
}

Timestamp MemSeries::MinTime() const {
  if (!closed_.empty()) return closed_.front().mint;
  if (head_.num_samples() > 0) return head_.mint();
  return kMaxTime;
}

size_t MemSeries::ChunkBytes() const {
  size_t b = 0;
  for (const auto& c : closed_) {
    b += sizeof(ClosedChunk);
    if (c.bytes) b += c.bytes->capacity() + sizeof(std::vector<uint8_t>) + 16;
  }
  b += head_.allocated_bytes();
  return b;
}

bool MemSeries::TruncateBefore(Timestamp mint) {
  size_t drop = 0;
  while (drop < closed_.size() && closed_[drop].maxt < mint) drop++;
  closed_.EraseFront(drop);
  bool head_gone = head_.num_samples() == 0 || OpenMaxTime() < mint;
  if (head_gone && closed_.empty()) {
    head_.Reset();
    return true;
  }
  return false;
}

}  // namespace promlite::tsdb::head
