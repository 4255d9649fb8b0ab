#include "head/head.h"

#include <algorithm>

#include "absl/strings/str_cat.h"

namespace promlite::tsdb::head {

Head::Head(HeadOptions opts) : opts_(std::move(opts)) {
  if (!opts_.logger) opts_.logger = NewNopLogger();
  if (opts_.stripe_size <= 0 || (opts_.stripe_size & (opts_.stripe_size - 1)) != 0) opts_.stripe_size = 16384;
  chunk_opts_.chunk_range_ms = opts_.chunk_range_ms;
  stripes_.reset(new Stripe[static_cast<size_t>(opts_.stripe_size)]);
}

Head::~Head() {
  for (auto& [_, list] : graveyard_) {
    for (MemSeries* s : list) MemSeries::Destroy(s);
  }
  ids_.ForEach([](uint32_t, MemSeries* s) { MemSeries::Destroy(s); });
}

MemSeries* Head::Series(uint64_t id) const {
  if (id == 0 || id > 0xffffffffull) return nullptr;
  return ids_.Get(static_cast<uint32_t>(id));
}

void Head::PublishId(uint32_t id, MemSeries* s) { ids_.Set(id, s); }

Labels Head::LabelsOf(const MemSeries* s) const {
  std::vector<std::pair<std::string_view, std::string_view>> pairs;
  pairs.reserve(s->num_labels());
  const uint32_t* syms = s->syms();
  for (uint16_t i = 0; i < s->num_labels(); i++) {
    pairs.emplace_back(symbols_.Lookup(syms[2 * i]), symbols_.Lookup(syms[2 * i + 1]));
  }
  return Labels::FromSortedPairs(pairs);
}

bool Head::LabelsEqual(const MemSeries* s, const Labels& lset) const {
  if (s->num_labels() != lset.size()) return false;
  const uint32_t* syms = s->syms();
  for (uint16_t i = 0; i < s->num_labels(); i++) {
    Label l = lset[i];
    if (symbols_.Lookup(syms[2 * i]) != l.name || symbols_.Lookup(syms[2 * i + 1]) != l.value) return false;
  }
  return true;
}

MemSeries* Head::FindLocked(Stripe& st, uint64_t hash, const Labels& lset) const {
  if (st.buckets == nullptr) return nullptr;
  for (MemSeries* s = *st.Bucket(hash); s != nullptr; s = s->hash_next) {
    if (s->hash() == hash && LabelsEqual(s, lset)) return s;
  }
  return nullptr;
}

void Head::LinkLocked(Stripe& st, MemSeries* s) {
  if (st.buckets == nullptr || st.count > st.mask) {
    // Double (from 2) and move every chain's series to its new bucket.
    const size_t n = st.buckets == nullptr ? 2 : 2 * (size_t{st.mask} + 1);
    std::unique_ptr<MemSeries*[]> old = std::move(st.buckets);
    const size_t old_n = old == nullptr ? 0 : size_t{st.mask} + 1;
    st.buckets.reset(new MemSeries*[n]());
    st.mask = static_cast<uint32_t>(n - 1);
    for (size_t i = 0; i < old_n; i++) {
      for (MemSeries* x = old[i]; x != nullptr;) {
        MemSeries* next = x->hash_next;
        MemSeries** b = st.Bucket(x->hash());
        x->hash_next = *b;
        *b = x;
        x = next;
      }
    }
  }
  MemSeries** b = st.Bucket(s->hash());
  s->hash_next = *b;
  *b = s;
  st.count++;
}

void Head::UnlinkLocked(Stripe& st, MemSeries* s) {
  if (st.buckets == nullptr) return;
  for (MemSeries** link = st.Bucket(s->hash()); *link != nullptr; link = &(*link)->hash_next) {
    if (*link == s) {
      *link = s->hash_next;
      s->hash_next = nullptr;
      st.count--;
      return;
    }
  }
}

MemSeries* Head::Insert(uint32_t id, uint64_t hash, const Labels& lset) {
  // Up to 2 x 65535 symbols; label sets are validated to be far smaller.
  std::vector<uint32_t> syms;
  syms.reserve(2 * lset.size());
  for (size_t i = 0; i < lset.size(); i++) {
    Label l = lset[i];
    syms.push_back(symbols_.Intern(l.name));
    syms.push_back(symbols_.Intern(l.value));
  }
  MemSeries* s = MemSeries::Create(id, hash, syms.data(), static_cast<uint16_t>(lset.size()));
  PublishId(id, s);
  postings_.Add(id, syms.data(), lset.size());
  num_series_.fetch_add(1, std::memory_order_relaxed);
  series_created_.fetch_add(1, std::memory_order_relaxed);
  return s;
}

MemSeries* Head::GetOrCreate(const Labels& lset, bool* created) {
  uint64_t hash = lset.Hash();
  Stripe& st = stripes_[hash & static_cast<uint64_t>(opts_.stripe_size - 1)];
  std::unique_lock l(st.mu);
  if (MemSeries* s = FindLocked(st, hash, lset)) {
    *created = false;
    return s;
  }
  uint32_t id = next_id_.fetch_add(1, std::memory_order_relaxed);
  MemSeries* s = Insert(id, hash, lset);
  LinkLocked(st, s);
  *created = true;
  return s;
}

MemSeries* Head::CreateWithId(uint32_t id, const Labels& lset, bool* dup) {
  uint64_t hash = lset.Hash();
  Stripe& st = stripes_[hash & static_cast<uint64_t>(opts_.stripe_size - 1)];
  std::unique_lock l(st.mu);
  if (MemSeries* s = FindLocked(st, hash, lset)) {
    *dup = true;
    return s;
  }
  *dup = false;
  if (Series(id) != nullptr) return nullptr;  // id taken by other labels: corrupt input
  // Keep handing out ids above every replayed one.
  uint32_t want = id + 1;
  uint32_t cur = next_id_.load(std::memory_order_relaxed);
  while (cur < want && !next_id_.compare_exchange_weak(cur, want, std::memory_order_relaxed)) {
  }
  MemSeries* s = Insert(id, hash, lset);
  LinkLocked(st, s);
  return s;
}

Timestamp Head::MinValidTime() const {
  Timestamp lower = min_valid_time_.load(std::memory_order_relaxed);
  Timestamp maxt = max_time_.load(std::memory_order_relaxed);
  if (maxt == kMinTime) return lower;
  return std::max(lower, maxt - opts_.chunk_range_ms / 2);
}

void Head::UpdateTimeBounds(Timestamp mint, Timestamp maxt) {
  Timestamp cur = min_time_.load(std::memory_order_relaxed);
  while (mint < cur && !min_time_.compare_exchange_weak(cur, mint, std::memory_order_relaxed)) {
  }
  cur = max_time_.load(std::memory_order_relaxed);
  while (maxt > cur && !max_time_.compare_exchange_weak(cur, maxt, std::memory_order_relaxed)) {
  }
}

uint64_t Head::AcquireReadSeq() {
  std::unique_lock l(readers_mu_);
  uint64_t seq = committed_seq_.load(std::memory_order_acquire);
  readers_[seq]++;
  return seq;
}

void Head::ReleaseReadSeq(uint64_t seq) {
  std::unique_lock l(readers_mu_);
  auto it = readers_.find(seq);
  if (it != readers_.end() && --it->second == 0) readers_.erase(it);
}

uint64_t Head::Watermark() {
  std::unique_lock l(readers_mu_);
  uint64_t committed = committed_seq_.load(std::memory_order_acquire);
  if (readers_.empty()) return committed;
  return std::min(committed, readers_.begin()->first);
}

absl::Status Head::Commit(std::vector<SampleRef>& samples, std::vector<MemSeries*>& new_series) {
  if (samples.empty() && new_series.empty()) return absl::OkStatus();
  std::unique_lock l(commit_mu_);
  if (closed()) return absl::FailedPreconditionError("DB is closed");
  // Series garbage-collected since the appender looked them up are
  // re-created by labels (their memory is still valid: see head_gc.cc).
  for (MemSeries*& s : new_series) {
    if (s->deleted.load(std::memory_order_acquire)) s = Revive(s);
  }
  for (SampleRef& r : samples) {
    if (r.series->deleted.load(std::memory_order_acquire)) r.series = Revive(r.series);
  }
  const Timestamp bound = min_valid_time_.load(std::memory_order_relaxed);
  // Series created by another appender that has not committed yet are logged
  // here, before the samples that refer to them.
  std::vector<MemSeries*> to_log;
  for (MemSeries* s : new_series) {
    if (!s->logged()) to_log.push_back(s);
  }
  for (const SampleRef& r : samples) {
    if (!r.series->logged()) {
      if (std::find(to_log.begin(), to_log.end(), r.series) == to_log.end()) to_log.push_back(r.series);
    }
  }
  if (commit_log_) {
    if (absl::Status st = commit_log_(to_log, samples); !st.ok()) return st;
  }
  for (MemSeries* s : to_log) s->set_logged(true);

  uint64_t seq = committed_seq_.load(std::memory_order_relaxed) + 1;
  uint64_t watermark = Watermark();
  Timestamp mint = kMaxTime, maxt = kMinTime;
  uint64_t appended = 0, ooo = 0;
  MemSeries* locked = nullptr;
  // Between two scrapes of a target its series' chunks leave the CPU caches:
  // fetch them ahead (the last byte of a chunk was the costliest load of a
  // scrape's commit).
  constexpr size_t kChunkAhead = 8, kTailAhead = 3;
  const size_t n = samples.size();
  for (size_t i = 0; i < std::min(n, kChunkAhead); i++) samples[i].series->PrefetchHeadChunk();
  for (size_t i = 0; i < std::min(n, kTailAhead); i++) samples[i].series->PrefetchChunkTail();
  for (size_t i = 0; i < n; i++) {
    const SampleRef& r = samples[i];
    if (i + kChunkAhead < n) samples[i + kChunkAhead].series->PrefetchHeadChunk();
    if (i + kTailAhead < n) samples[i + kTailAhead].series->PrefetchChunkTail();
    // Batches usually hold runs of one series; keep its lock across the run.
    if (r.t < bound) {
      out_of_bounds_.fetch_add(1, std::memory_order_relaxed);
      continue;
    }
    if (r.series != locked) {
      if (locked) locked->mu().unlock();
      locked = r.series;
      locked->mu().lock();
    }
    if (r.series->Append(r.t, r.v, seq, watermark, chunk_opts_)) {
      appended++;
      mint = std::min(mint, r.t);
      maxt = std::max(maxt, r.t);
    } else {
      ooo++;
    }
  }
  if (locked) locked->mu().unlock();
  if (appended > 0) UpdateTimeBounds(mint, maxt);
  samples_appended_.fetch_add(appended, std::memory_order_relaxed);
  out_of_order_.fetch_add(ooo, std::memory_order_relaxed);
  committed_seq_.store(seq, std::memory_order_release);
  return absl::OkStatus();
}

MemSeries* Head::Revive(MemSeries* dead) {
  bool created;
  MemSeries* s = GetOrCreate(LabelsOf(dead), &created);
  return s;
}

bool Head::ReplayAppend(MemSeries* s, Timestamp t, double v) {
  std::lock_guard<SpinLock> l(s->mu());
  return s->Append(t, v, 0, 0, chunk_opts_);
}

void Head::FinishReplay(uint64_t appended, uint64_t out_of_order, Timestamp mint, Timestamp maxt) {
  samples_appended_.fetch_add(appended, std::memory_order_relaxed);
  out_of_order_.fetch_add(out_of_order, std::memory_order_relaxed);
  if (mint <= maxt) UpdateTimeBounds(mint, maxt);
}

void Head::MarkClosed() {
  // Taking the commit lock waits for a commit in flight.
  std::unique_lock l(commit_mu_);
  closed_.store(true, std::memory_order_release);
}

HeadStats Head::Stats() const {
  // Registered so garbage collection cannot free a series under us.
  Head* self = const_cast<Head*>(this);
  uint64_t epoch = self->AcquireEpoch();
  HeadStats st;
  st.num_series = num_series_.load(std::memory_order_relaxed);
  st.samples_appended = samples_appended_.load(std::memory_order_relaxed);
  st.out_of_order_samples = out_of_order_.load(std::memory_order_relaxed);
  st.out_of_bounds_samples = out_of_bounds_.load(std::memory_order_relaxed);
  st.series_created = series_created_.load(std::memory_order_relaxed);
  st.min_time = MinTime();
  st.max_time = MaxTime();
  uint32_t max_id = MaxSeriesId();
  for (uint32_t id = 1; id <= max_id; id++) {
    if (MemSeries* s = Series(id)) {
      std::lock_guard<SpinLock> l(s->mu());
      st.chunks += s->NumChunks();
    }
  }
  self->ReleaseEpoch(epoch);
  return st;
}

CardinalityStats Head::Cardinality(size_t limit) const {
  CardinalityStats c;
  c.num_series = num_series_.load(std::memory_order_relaxed);
  using Stat = std::pair<std::string, uint64_t>;
  std::vector<Stat> by_metric, value_count, memory, pairs;
  uint32_t metric_sym;
  bool has_metric = symbols_.Find(kMetricName, &metric_sym);
  for (uint32_t name : postings_.Names()) {
    std::string n(symbols_.Lookup(name));
    uint64_t values = 0, bytes = 0;
    postings_.ForEachValue(name, [&](uint32_t value, const Postings& list) {
      if (list.empty()) return;
      std::string_view v = symbols_.Lookup(value);
      values++;
      bytes += v.size() * list.size();
      if (has_metric && name == metric_sym) by_metric.emplace_back(std::string(v), list.size());
      pairs.emplace_back(n + "=" + std::string(v), list.size());
    });
    c.num_label_pairs += values;
    value_count.emplace_back(n, values);
    memory.emplace_back(n, bytes);
  }
  auto top = [limit](std::vector<Stat>& v) {
    std::sort(v.begin(), v.end(), [](const Stat& a, const Stat& b) {
      return a.second != b.second ? a.second > b.second : a.first < b.first;
    });
    if (v.size() > limit) v.resize(limit);
    return std::move(v);
  };
  c.series_count_by_metric_name = top(by_metric);
  c.label_value_count_by_label_name = top(value_count);
  c.memory_in_bytes_by_label_name = top(memory);
  c.series_count_by_label_value_pair = top(pairs);
  return c;
}

size_t Head::IndexMemoryBytes() const {
  Head* self = const_cast<Head*>(this);
  uint64_t epoch = self->AcquireEpoch();
  size_t b = symbols_.MemoryBytes() + postings_.MemoryBytes();
  uint32_t max_id = MaxSeriesId();
  b += PtrTable<MemSeries>::MemoryBytes(max_id);
  for (size_t i = 0; i < static_cast<size_t>(opts_.stripe_size); i++) {
    std::unique_lock l(stripes_[i].mu);
    b += sizeof(Stripe) + (stripes_[i].buckets ? (size_t{stripes_[i].mask} + 1) * sizeof(MemSeries*) : 0);
  }
  for (uint32_t id = 1; id <= max_id; id++) {
    if (MemSeries* s = Series(id)) b += sizeof(MemSeries) + 2 * s->num_labels() * sizeof(uint32_t);
  }
  self->ReleaseEpoch(epoch);
  return b;
}

// ---- matchers -> postings ----

Postings Head::AllIds() const {
  Postings out;
  uint32_t max_id = MaxSeriesId();
  out.reserve(num_series_.load(std::memory_order_relaxed));
  for (uint32_t id = 1; id <= max_id; id++) {
    if (Series(id) != nullptr) out.push_back(id);
  }
  return out;
}

// For a matcher that accepts the empty string, the series to subtract: those
// with a value the matcher rejects. For any other matcher, the series it
// selects. *skip is set when the matcher constrains nothing.
Postings Head::PostingsForMatcher(const Matcher& m, bool* is_negative, bool* skip) const {
  *skip = false;
  *is_negative = m.MatchesEmpty();
  uint32_t name;
  if (!symbols_.Find(m.name(), &name) || !postings_.HasName(name)) {
    // No series has this label: it is "" everywhere.
    *skip = *is_negative;
    return {};
  }
  if (!*is_negative) {
    if (m.type() == MatchType::kEqual) {
      uint32_t value;
      if (!symbols_.Find(m.value(), &value)) return {};
      return postings_.Get(name, value);
    }
    if (m.type() == MatchType::kRegexMatch && !m.SetMatches().empty()) {
      std::vector<Postings> lists;
      for (const auto& v : m.SetMatches()) {
        uint32_t value;
        if (symbols_.Find(v, &value)) lists.push_back(postings_.Get(name, value));
      }
      return Union(std::move(lists));
    }
    std::vector<Postings> lists;
    postings_.ForEachValue(name, [&](uint32_t value, const Postings& list) {
      if (m.Matches(symbols_.Lookup(value))) lists.push_back(list);
    });
    return Union(std::move(lists));
  }
  // Negative: collect series whose value is rejected.
  if (m.type() == MatchType::kNotEqual) {
    uint32_t value;
    if (!symbols_.Find(m.value(), &value)) {
      *skip = true;
      return {};
    }
    return postings_.Get(name, value);
  }
  std::vector<Postings> lists;
  postings_.ForEachValue(name, [&](uint32_t value, const Postings& list) {
    if (!m.Matches(symbols_.Lookup(value))) lists.push_back(list);
  });
  if (lists.empty()) *skip = true;
  return Union(std::move(lists));
}

Postings Head::SelectIds(const std::vector<Matcher>& matchers) const {
  std::vector<Postings> positive, negative;
  for (const Matcher& m : matchers) {
    bool neg, skip;
    Postings p = PostingsForMatcher(m, &neg, &skip);
    if (skip) continue;
    if (neg) {
      negative.push_back(std::move(p));
    } else {
      if (p.empty()) return {};
      positive.push_back(std::move(p));
    }
  }
  Postings result;
  if (positive.empty()) {
    result = AllIds();
  } else {
    std::sort(positive.begin(), positive.end(), [](const Postings& a, const Postings& b) { return a.size() < b.size(); });
    result = std::move(positive[0]);
    for (size_t i = 1; i < positive.size() && !result.empty(); i++) result = Intersect(result, positive[i]);
  }
  for (const Postings& n : negative) {
    if (result.empty()) break;
    result = Subtract(result, n);
  }
  return result;
}

std::vector<std::string> Head::LabelNames(const std::vector<Matcher>& matchers) const {
  std::vector<std::string> out;
  if (matchers.empty()) {
    for (uint32_t n : postings_.Names()) out.emplace_back(symbols_.Lookup(n));
  } else {
    absl::flat_hash_set<uint32_t> names;
    for (uint32_t id : SelectIds(matchers)) {
      MemSeries* s = Series(id);
      if (!s) continue;
      for (uint16_t i = 0; i < s->num_labels(); i++) names.insert(s->syms()[2 * i]);
    }
    for (uint32_t n : names) out.emplace_back(symbols_.Lookup(n));
  }
  std::sort(out.begin(), out.end());
  return out;
}

std::vector<std::string> Head::LabelValues(std::string_view name, const std::vector<Matcher>& matchers) const {
  std::vector<std::string> out;
  uint32_t name_sym;
  if (!symbols_.Find(name, &name_sym)) return out;
  if (matchers.empty()) {
    postings_.ForEachValue(name_sym, [&](uint32_t value, const Postings& list) {
      if (!list.empty()) out.emplace_back(symbols_.Lookup(value));
    });
  } else {
    absl::flat_hash_set<uint32_t> values;
    for (uint32_t id : SelectIds(matchers)) {
      MemSeries* s = Series(id);
      if (!s) continue;
      for (uint16_t i = 0; i < s->num_labels(); i++) {
        if (s->syms()[2 * i] == name_sym) values.insert(s->syms()[2 * i + 1]);
      }
    }
    for (uint32_t v : values) out.emplace_back(symbols_.Lookup(v));
  }
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace promlite::tsdb::head
