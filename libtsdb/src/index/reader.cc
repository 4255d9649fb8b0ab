#include <algorithm>

#include "absl/strings/str_cat.h"
#include "index/index.h"
#include "util/crc32c.h"

namespace promlite::tsdb::index {
namespace {

absl::Status Corrupt(const std::string& path, std::string_view what) {
  return absl::DataLossError(absl::StrCat("index ", path, ": ", std::string(what)));
}

}  // namespace

absl::StatusOr<std::unique_ptr<IndexReader>> IndexReader::Open(std::shared_ptr<fileutil::MmapFile> file) {
  std::unique_ptr<IndexReader> r(new IndexReader());
  r->file_ = std::move(file);
  r->b_ = r->file_->data();
  r->n_ = r->file_->size();
  const std::string& path = r->file_->path();
  if (r->n_ < 5 + kTocLen) return Corrupt(path, "file too small");
  if (BE32(r->b_) != kMagicIndex) return Corrupt(path, absl::StrCat("invalid magic number ", BE32(r->b_)));
  if (r->b_[4] != kFormatV2) return Corrupt(path, absl::StrCat("unsupported index format version ", r->b_[4]));
  const uint8_t* t = r->b_ + r->n_ - kTocLen;
  if (crc32c::Value(t, kTocLen - 4) != BE32(t + kTocLen - 4)) return Corrupt(path, "TOC checksum mismatch");
  Decbuf d(t, kTocLen - 4);
  TOC& toc = r->toc_;
  toc.symbols = d.Be64();
  toc.series = d.Be64();
  toc.label_indices = d.Be64();
  toc.label_indices_table = d.Be64();
  toc.postings = d.Be64();
  toc.postings_table = d.Be64();
  const uint64_t end = r->n_ - kTocLen;
  for (uint64_t off : {toc.symbols, toc.series, toc.label_indices, toc.label_indices_table, toc.postings,
                       toc.postings_table}) {
    if (off > end) return Corrupt(path, "TOC points past the end of the file");
  }
  // A section: len <4b> | body | CRC32C.
  auto section = [&](uint64_t off, Decbuf* body) -> absl::Status {
    if (off + 4 > end) return Corrupt(path, "section header past the end");
    uint32_t len = BE32(r->b_ + off);
    if (off + 4 + len + 4 > end) return Corrupt(path, absl::StrCat("section at ", off, " truncated"));
    const uint8_t* p = r->b_ + off + 4;
    if (crc32c::Value(p, len) != BE32(p + len)) {
      return Corrupt(path, absl::StrCat("checksum mismatch in section at offset ", off));
    }
    *body = Decbuf(p, len);
    return absl::OkStatus();
  };
  Decbuf sym;
  if (absl::Status st = section(toc.symbols, &sym); !st.ok()) return st;
  uint32_t cnt = sym.Be32();
  r->symbol_offsets_.reserve(cnt);
  for (uint32_t i = 0; i < cnt && sym.ok(); i++) {
    r->symbol_offsets_.push_back(static_cast<uint32_t>(sym.ptr() - r->b_));
    sym.UvarintStr();
  }
  if (!sym.ok()) return Corrupt(path, "symbol table truncated");

  Decbuf pt;
  if (absl::Status st = section(toc.postings_table, &pt); !st.ok()) return st;
  uint32_t entries = pt.Be32();
  r->value_offsets_.reserve(entries);
  std::string_view last_name;
  for (uint32_t i = 0; i < entries && pt.ok(); i++) {
    uint32_t entry_off = static_cast<uint32_t>(pt.ptr() - r->b_);
    if (pt.Uvarint() != 2) return Corrupt(path, "unexpected number of keys in postings offset table");
    std::string_view name = pt.UvarintStr();
    pt.UvarintStr();
    pt.Uvarint();
    if (!pt.ok()) break;
    if (r->names_.empty() || name != last_name) {
      if (!r->names_.empty() && name < last_name) return Corrupt(path, "postings offset table not sorted");
      r->names_.push_back(NameEntry{name, static_cast<uint32_t>(r->value_offsets_.size()), 0});
      last_name = name;
    }
    r->names_.back().count++;
    r->value_offsets_.push_back(entry_off);
  }
  if (!pt.ok()) return Corrupt(path, "postings offset table truncated");
  return r;
}

absl::StatusOr<std::string_view> IndexReader::Symbol(uint32_t ref) const {
  if (ref >= symbol_offsets_.size()) {
    return absl::DataLossError(absl::StrCat("index ", file_->path(), ": unknown symbol ", ref));
  }
  uint32_t off = symbol_offsets_[ref];
  Decbuf d(b_ + off, n_ - off);
  std::string_view s = d.UvarintStr();
  if (!d.ok()) return absl::DataLossError("symbol truncated");
  return s;
}

absl::Status IndexReader::Series(uint32_t id, std::vector<std::pair<std::string_view, std::string_view>>* labels,
                                 std::vector<ChunkMeta>* chunks) const {
  labels->clear();
  chunks->clear();
  uint64_t off = uint64_t{id} * 16;
  auto bad = [&](std::string_view what) {
    return absl::DataLossError(absl::StrCat("index ", file_->path(), ": series ", id, ": ", std::string(what)));
  };
  if (off >= n_) return bad("offset past the end");
  Decbuf h(b_ + off, n_ - off);
  uint64_t len = h.Uvarint();
  if (!h.ok() || len + 4 > h.len()) return bad("truncated");
  const uint8_t* p = h.ptr();
  if (crc32c::Value(p, len) != BE32(p + len)) return bad("checksum mismatch");
  Decbuf d(p, len);
  uint64_t k = d.Uvarint();
  for (uint64_t i = 0; i < k && d.ok(); i++) {
    uint32_t n = static_cast<uint32_t>(d.Uvarint()), v = static_cast<uint32_t>(d.Uvarint());
    auto ns = Symbol(n);
    auto vs = Symbol(v);
    if (!ns.ok() || !vs.ok()) return bad("unknown symbol");
    labels->emplace_back(*ns, *vs);
  }
  uint64_t c = d.Uvarint();
  if (c > 0 && d.ok()) {
    ChunkMeta m;
    m.mint = d.Varint();
    m.maxt = m.mint + static_cast<int64_t>(d.Uvarint());
    m.ref = d.Uvarint();
    chunks->push_back(m);
    Timestamp t0 = m.maxt;
    int64_t ref0 = static_cast<int64_t>(m.ref);
    for (uint64_t i = 1; i < c && d.ok(); i++) {
      ChunkMeta x;
      x.mint = t0 + static_cast<int64_t>(d.Uvarint());
      x.maxt = x.mint + static_cast<int64_t>(d.Uvarint());
      ref0 += d.Varint();
      x.ref = static_cast<uint64_t>(ref0);
      t0 = x.maxt;
      chunks->push_back(x);
    }
  }
  if (!d.ok()) return bad("entry truncated");
  return absl::OkStatus();
}

std::string_view IndexReader::ValueAt(uint32_t table_off, uint64_t* postings_off) const {
  Decbuf d(b_ + table_off, n_ - table_off);
  d.Uvarint();
  d.UvarintStr();
  std::string_view v = d.UvarintStr();
  uint64_t o = d.Uvarint();
  if (postings_off) *postings_off = o;
  return v;
}

const IndexReader::NameEntry* IndexReader::FindName(std::string_view name) const {
  auto it = std::lower_bound(names_.begin(), names_.end(), name,
                             [](const NameEntry& e, std::string_view n) { return e.name < n; });
  if (it == names_.end() || it->name != name) return nullptr;
  return &*it;
}

absl::Status IndexReader::ReadPostingsList(uint64_t off, std::vector<uint32_t>* out) const {
  auto bad = [&](std::string_view what) {
    return absl::DataLossError(
        absl::StrCat("index ", file_->path(), ": postings at ", off, ": ", std::string(what)));
  };
  if (off + 8 > n_) return bad("past the end");
  uint32_t len = BE32(b_ + off);
  if (off + 4 + len + 4 > n_) return bad("truncated");
  const uint8_t* p = b_ + off + 4;
  if (crc32c::Value(p, len) != BE32(p + len)) return bad("checksum mismatch");
  uint32_t cnt = BE32(p);
  if (uint64_t{len} != 4 + uint64_t{cnt} * 4) return bad("length does not match the entry count");
  size_t base = out->size();
  out->resize(base + cnt);
  for (uint32_t i = 0; i < cnt; i++) (*out)[base + i] = BE32(p + 4 + 4 * i);
  return absl::OkStatus();
}

absl::Status IndexReader::Postings(std::string_view name, std::span<const std::string_view> values,
                                   std::vector<uint32_t>* out) const {
  out->clear();
  const NameEntry* e = FindName(name);
  if (e == nullptr) return absl::OkStatus();
  const uint32_t* first = value_offsets_.data() + e->first;
  const uint32_t* last = first + e->count;
  size_t lists = 0;
  for (std::string_view v : values) {
    const uint32_t* it = std::lower_bound(first, last, v, [&](uint32_t off, std::string_view x) {
      return ValueAt(off, nullptr) < x;
    });
    if (it == last) continue;
    uint64_t poff;
    if (ValueAt(*it, &poff) != v) continue;
    if (absl::Status st = ReadPostingsList(poff, out); !st.ok()) return st;
    lists++;
  }
  if (lists > 1) {
    std::sort(out->begin(), out->end());
    out->erase(std::unique(out->begin(), out->end()), out->end());
  }
  return absl::OkStatus();
}

absl::Status IndexReader::AllPostings(std::vector<uint32_t>* out) const {
  std::string_view empty;
  return Postings("", std::span<const std::string_view>(&empty, 1), out);
}

std::vector<std::string_view> IndexReader::LabelValues(std::string_view name) const {
  std::vector<std::string_view> out;
  const NameEntry* e = FindName(name);
  if (e == nullptr || name.empty()) return out;
  out.reserve(e->count);
  for (uint32_t i = 0; i < e->count; i++) out.push_back(ValueAt(value_offsets_[e->first + i], nullptr));
  return out;
}

std::vector<std::string_view> IndexReader::LabelNames() const {
  std::vector<std::string_view> out;
  for (const auto& e : names_) {
    if (!e.name.empty()) out.push_back(e.name);
  }
  return out;
}

bool IndexReader::HasLabelName(std::string_view name) const { return !name.empty() && FindName(name) != nullptr; }

}  // namespace promlite::tsdb::index
