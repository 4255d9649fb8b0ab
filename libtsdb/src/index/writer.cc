#include <algorithm>

#include "absl/strings/str_cat.h"
#include "index/index.h"
#include "util/crc32c.h"

namespace promlite::tsdb::index {

absl::StatusOr<std::unique_ptr<IndexWriter>> IndexWriter::Create(const std::string& path) {
  auto f = fileutil::FileWriter::Create(path, 4 << 20);
  if (!f.ok()) return f.status();
  std::unique_ptr<IndexWriter> w(new IndexWriter());
  w->f_ = *std::move(f);
  Encbuf hdr;
  hdr.PutBE32(kMagicIndex);
  hdr.PutByte(kFormatV2);
  if (absl::Status st = w->f_->Write(hdr.str()); !st.ok()) return st;
  return w;
}

// Writes len <4b> | body | CRC32C(body).
absl::Status IndexWriter::WriteSection(const Encbuf& body, bool align4) {
  if (align4) {
    if (absl::Status st = f_->Pad(4); !st.ok()) return st;
  }
  if (body.size() > 0xffffffffull) return absl::OutOfRangeError("index section larger than 4 GiB");
  Encbuf hdr;
  hdr.PutBE32(static_cast<uint32_t>(body.size()));
  Encbuf crc;
  crc.PutBE32(crc32c::Value(body.str()));
  if (absl::Status st = f_->Write(hdr.str()); !st.ok()) return st;
  if (absl::Status st = f_->Write(body.str()); !st.ok()) return st;
  return f_->Write(crc.str());
}

absl::Status IndexWriter::AddSymbols(std::vector<std::string> symbols) {
  if (symbols_done_) return absl::FailedPreconditionError("index symbols already written");
  for (size_t i = 1; i < symbols.size(); i++) {
    if (!(symbols[i - 1] < symbols[i])) {
      return absl::InvalidArgumentError(absl::StrCat("symbol \"", symbols[i], "\" out of order"));
    }
  }
  symbols_ = std::move(symbols);
  symbol_refs_.reserve(symbols_.size());
  for (size_t i = 0; i < symbols_.size(); i++) symbol_refs_.emplace(symbols_[i], static_cast<uint32_t>(i));
  return FinishSymbols();
}

absl::Status IndexWriter::FinishSymbols() {
  toc_.symbols = f_->pos();
  Encbuf body;
  body.PutBE32(static_cast<uint32_t>(symbols_.size()));
  for (const auto& s : symbols_) body.PutUvarintStr(s);
  if (absl::Status st = WriteSection(body, false); !st.ok()) return st;
  toc_.series = f_->pos();
  symbols_done_ = true;
  return absl::OkStatus();
}

uint32_t IndexWriter::SymbolRef(std::string_view s, bool* ok) const {
  auto it = symbol_refs_.find(s);
  if (it == symbol_refs_.end()) {
    *ok = false;
    return 0;
  }
  return it->second;
}

absl::Status IndexWriter::AddSeries(const Labels& lset, std::span<const ChunkMeta> chunks) {
  if (!symbols_done_) {
    if (absl::Status st = FinishSymbols(); !st.ok()) return st;
  }
  if (num_series_ > 0 && !(last_ < lset)) {
    return absl::InvalidArgumentError(absl::StrCat("out-of-order series added with label set ", lset.ToString()));
  }
  if (absl::Status st = f_->Pad(16); !st.ok()) return st;
  uint64_t id = f_->pos() / 16;
  if (id > 0xffffffffull) return absl::OutOfRangeError("index exceeds 64 GiB of series");
  Encbuf& b = buf_;
  b.Reset();
  b.PutUvarint(lset.size());
  bool ok = true;
  for (const Label& l : lset) {
    uint32_t n = SymbolRef(l.name, &ok), v = SymbolRef(l.value, &ok);
    if (!ok) return absl::InvalidArgumentError(absl::StrCat("symbol missing for series ", lset.ToString()));
    b.PutUvarint(n);
    b.PutUvarint(v);
    postings_[(uint64_t{n} << 32) | v].push_back(static_cast<uint32_t>(id));
  }
  b.PutUvarint(chunks.size());
  if (!chunks.empty()) {
    b.PutVarint(chunks[0].mint);
    b.PutUvarint(static_cast<uint64_t>(chunks[0].maxt - chunks[0].mint));
    b.PutUvarint(chunks[0].ref);
    Timestamp t0 = chunks[0].maxt;
    int64_t ref0 = static_cast<int64_t>(chunks[0].ref);
    for (size_t i = 1; i < chunks.size(); i++) {
      b.PutUvarint(static_cast<uint64_t>(chunks[i].mint - t0));
      b.PutUvarint(static_cast<uint64_t>(chunks[i].maxt - chunks[i].mint));
      t0 = chunks[i].maxt;
      b.PutVarint(static_cast<int64_t>(chunks[i].ref) - ref0);
      ref0 = static_cast<int64_t>(chunks[i].ref);
    }
  }
  Encbuf hdr;
  hdr.PutUvarint(b.size());
  Encbuf crc;
  crc.PutBE32(crc32c::Value(b.str()));
  if (absl::Status st = f_->Write(hdr.str()); !st.ok()) return st;
  if (absl::Status st = f_->Write(b.str()); !st.ok()) return st;
  if (absl::Status st = f_->Write(crc.str()); !st.ok()) return st;
  all_.push_back(static_cast<uint32_t>(id));
  last_ = lset;
  num_series_++;
  return absl::OkStatus();
}

absl::Status IndexWriter::Close() {
  if (!symbols_done_) {
    if (absl::Status st = FinishSymbols(); !st.ok()) return st;
  }
  // Symbol refs are ranks in sorted order, so sorting the keys numerically
  // sorts label pairs by (name, value) strings.
  std::vector<uint64_t> keys;
  keys.reserve(postings_.size());
  for (const auto& [k, _] : postings_) keys.push_back(k);
  std::sort(keys.begin(), keys.end());

  // Label indices: one per name, its values in order. Prometheus no longer
  // reads them, but older readers and tools may.
  toc_.label_indices = f_->pos();
  std::vector<std::pair<uint32_t, uint64_t>> label_index_offsets;
  for (size_t i = 0; i < keys.size();) {
    uint32_t name = static_cast<uint32_t>(keys[i] >> 32);
    size_t j = i;
    while (j < keys.size() && static_cast<uint32_t>(keys[j] >> 32) == name) j++;
    Encbuf body;
    body.PutBE32(1);
    body.PutBE32(static_cast<uint32_t>(j - i));
    for (size_t k = i; k < j; k++) body.PutBE32(static_cast<uint32_t>(keys[k]));
    if (absl::Status st = f_->Pad(4); !st.ok()) return st;
    label_index_offsets.emplace_back(name, f_->pos());
    if (absl::Status st = WriteSection(body, false); !st.ok()) return st;
    i = j;
  }

  toc_.postings = f_->pos();
  struct Entry {
    std::string_view name, value;
    uint64_t off;
  };
  std::vector<Entry> entries;
  entries.reserve(keys.size() + 1);
  auto write_list = [&](std::string_view name, std::string_view value, const std::vector<uint32_t>& ids) {
    if (absl::Status st = f_->Pad(4); !st.ok()) return st;
    entries.push_back(Entry{name, value, f_->pos()});
    Encbuf body;
    body.PutBE32(static_cast<uint32_t>(ids.size()));
    for (uint32_t id : ids) body.PutBE32(id);
    return WriteSection(body, false);
  };
  if (absl::Status st = write_list("", "", all_); !st.ok()) return st;
  for (uint64_t k : keys) {
    const auto& ids = postings_[k];
    if (absl::Status st = write_list(symbols_[k >> 32], symbols_[static_cast<uint32_t>(k)], ids); !st.ok()) return st;
  }

  toc_.label_indices_table = f_->pos();
  {
    Encbuf body;
    body.PutBE32(static_cast<uint32_t>(label_index_offsets.size()));
    for (const auto& [name, off] : label_index_offsets) {
      body.PutUvarint(1);
      body.PutUvarintStr(symbols_[name]);
      body.PutUvarint(off);
    }
    if (absl::Status st = WriteSection(body, false); !st.ok()) return st;
  }
  toc_.postings_table = f_->pos();
  {
    Encbuf body;
    body.PutBE32(static_cast<uint32_t>(entries.size()));
    for (const auto& e : entries) {
      body.PutUvarint(2);
      body.PutUvarintStr(e.name);
      body.PutUvarintStr(e.value);
      body.PutUvarint(e.off);
    }
    if (absl::Status st = WriteSection(body, false); !st.ok()) return st;
  }
  Encbuf toc;
  toc.PutBE64(toc_.symbols);
  toc.PutBE64(toc_.series);
  toc.PutBE64(toc_.label_indices);
  toc.PutBE64(toc_.label_indices_table);
  toc.PutBE64(toc_.postings);
  toc.PutBE64(toc_.postings_table);
  toc.PutBE32(crc32c::Value(toc.str()));
  if (absl::Status st = f_->Write(toc.str()); !st.ok()) return st;
  postings_.clear();
  return f_->Close();
}

}  // namespace promlite::tsdb::index
