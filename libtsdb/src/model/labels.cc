#include "promlite/tsdb/labels.h"

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <cstring>
#include <new>

#include "absl/hash/hash.h"
#include "absl/strings/str_cat.h"

namespace promlite::tsdb {

// Layout of the shared buffer: the header, then 2n+1 uint32 offsets into the
// character data that follows them. Name i is data[off[2i], off[2i+1]) and
// value i is data[off[2i+1], off[2i+2]).
struct Labels::Rep {
  std::atomic<uint32_t> refs;
  uint32_t n;
  uint64_t hash;

  uint32_t* offsets() { return reinterpret_cast<uint32_t*>(this + 1); }
  const uint32_t* offsets() const { return reinterpret_cast<const uint32_t*>(this + 1); }
  const char* data() const { return reinterpret_cast<const char*>(offsets() + 2 * n + 1); }
  char* data() { return reinterpret_cast<char*>(offsets() + 2 * n + 1); }
  std::string_view str(uint32_t k) const {
    const uint32_t* o = offsets();
    return std::string_view(data() + o[k], o[k + 1] - o[k]);
  }
  size_t bytes() const { return offsets()[2 * n]; }
};

Labels Labels::Build(std::vector<std::pair<std::string_view, std::string_view>>& sorted) {
  size_t n = sorted.size();
  if (n == 0) return Labels();
  size_t bytes = 0;
  for (const auto& [k, v] : sorted) bytes += k.size() + v.size();
  size_t total = sizeof(Rep) + (2 * n + 1) * sizeof(uint32_t) + bytes;
  void* mem = ::operator new(total);
  Rep* r = new (mem) Rep;
  r->refs.store(1, std::memory_order_relaxed);
  r->n = static_cast<uint32_t>(n);
  uint32_t* off = r->offsets();
  char* d = r->data();
  uint32_t pos = 0;
  for (size_t i = 0; i < n; i++) {
    off[2 * i] = pos;
    std::memcpy(d + pos, sorted[i].first.data(), sorted[i].first.size());
    pos += static_cast<uint32_t>(sorted[i].first.size());
    off[2 * i + 1] = pos;
    std::memcpy(d + pos, sorted[i].second.data(), sorted[i].second.size());
    pos += static_cast<uint32_t>(sorted[i].second.size());
  }
  off[2 * n] = pos;
  // The offsets make the hash unambiguous: ("ab","c") and ("a","bc") differ.
  std::string_view whole(reinterpret_cast<const char*>(off), (2 * n + 1) * sizeof(uint32_t) + pos);
  r->hash = absl::Hash<absl::string_view>{}(absl::string_view(whole.data(), whole.size()));
  return Labels(r);
}

Labels::Labels(std::initializer_list<std::pair<std::string_view, std::string_view>> pairs)
    : Labels(FromPairs(std::vector<std::pair<std::string_view, std::string_view>>(pairs))) {}

Labels Labels::FromPairs(std::vector<std::pair<std::string_view, std::string_view>> pairs) {
  pairs.erase(std::remove_if(pairs.begin(), pairs.end(), [](const auto& p) { return p.second.empty(); }),
              pairs.end());
  std::sort(pairs.begin(), pairs.end());
  return Build(pairs);
}

Labels Labels::FromSortedPairs(const std::vector<std::pair<std::string_view, std::string_view>>& pairs) {
  auto copy = pairs;
  return Build(copy);
}

Labels::Labels(const Labels& o) noexcept : rep_(o.rep_) {
  if (rep_) rep_->refs.fetch_add(1, std::memory_order_relaxed);
}

Labels& Labels::operator=(const Labels& o) noexcept {
  if (o.rep_) o.rep_->refs.fetch_add(1, std::memory_order_relaxed);
  Rep* old = rep_;
  rep_ = o.rep_;
  if (old && old->refs.fetch_sub(1, std::memory_order_acq_rel) == 1) {
    old->~Rep();
    ::operator delete(old);
  }
  return *this;
}

Labels& Labels::operator=(Labels&& o) noexcept {
  if (this != &o) {
    Rep* old = rep_;
    rep_ = o.rep_;
    o.rep_ = nullptr;
    if (old && old->refs.fetch_sub(1, std::memory_order_acq_rel) == 1) {
      old->~Rep();
      ::operator delete(old);
    }
  }
  return *this;
}

Labels::~Labels() {
  if (rep_ && rep_->refs.fetch_sub(1, std::memory_order_acq_rel) == 1) {
    rep_->~Rep();
    ::operator delete(rep_);
  }
}

size_t Labels::size() const { return rep_ ? rep_->n : 0; }

Label Labels::operator[](size_t i) const {
  return Label{rep_->str(static_cast<uint32_t>(2 * i)), rep_->str(static_cast<uint32_t>(2 * i + 1))};
}

std::string_view Labels::Get(std::string_view name) const {
  if (!rep_) return {};
  // Label sets are small; a linear scan beats binary search below ~16 entries.
  for (uint32_t i = 0; i < rep_->n; i++) {
    std::string_view k = rep_->str(2 * i);
    if (k == name) return rep_->str(2 * i + 1);
    if (k > name) break;
  }
  return {};
}

bool Labels::Has(std::string_view name) const {
  if (!rep_) return false;
  for (uint32_t i = 0; i < rep_->n; i++) {
    std::string_view k = rep_->str(2 * i);
    if (k == name) return true;
    if (k > name) break;
  }
  return false;
}

uint64_t Labels::Hash() const { return rep_ ? rep_->hash : 0; }

namespace {
template <typename Pred>
uint64_t HashSelected(const Labels& l, Pred keep) {
  uint64_t h = 0x9e3779b97f4a7c15ull;
  for (size_t i = 0; i < l.size(); i++) {
    Label lb = l[i];
    if (!keep(lb.name)) continue;
    uint64_t hn = absl::Hash<absl::string_view>{}(absl::string_view(lb.name.data(), lb.name.size()));
    uint64_t hv = absl::Hash<absl::string_view>{}(absl::string_view(lb.value.data(), lb.value.size()));
    h ^= hn + 0x9e3779b97f4a7c15ull + (h << 6) + (h >> 2);
    h ^= hv + 0x9e3779b97f4a7c15ull + (h << 6) + (h >> 2);
  }
  return h;
}
}  // namespace

uint64_t Labels::HashForLabels(const std::vector<std::string>& names) const {
  return HashSelected(*this, [&](std::string_view n) {
    return std::binary_search(names.begin(), names.end(), n);
  });
}

uint64_t Labels::HashWithoutLabels(const std::vector<std::string>& names) const {
  return HashSelected(*this, [&](std::string_view n) {
    return n != kMetricName && !std::binary_search(names.begin(), names.end(), n);
  });
}

namespace {
void AppendQuoted(std::string* out, std::string_view s) {
  out->push_back('"');
  for (char c : s) {
    switch (c) {
      case '\\': out->append("\\\\"); break;
      case '"': out->append("\\\""); break;
      case '\n': out->append("\\n"); break;
      default: out->push_back(c);
    }
  }
  out->push_back('"');
}
}  // namespace

std::string Labels::ToString() const {
  std::string out;
  std::string_view metric = MetricName();
  bool metric_plain = !metric.empty() && IsValidLegacyMetricName(metric);
  if (metric_plain) out.append(metric);
  out.push_back('{');
  bool first = true;
  if (!metric.empty() && !metric_plain) {
    // Prometheus 3 prints a UTF-8 metric name as a quoted first element.
    AppendQuoted(&out, metric);
    first = false;
  }
  for (size_t i = 0; i < size(); i++) {
    Label l = (*this)[i];
    if (l.name == kMetricName) continue;
    if (!first) out.append(", ");
    first = false;
    if (IsValidLegacyLabelName(l.name)) {
      out.append(l.name);
    } else {
      AppendQuoted(&out, l.name);
    }
    out.push_back('=');
    AppendQuoted(&out, l.value);
  }
  out.push_back('}');
  if (metric_plain && first) out.resize(out.size() - 2);  // "up{}" -> "up"
  return out;
}

size_t Labels::ByteSize() const { return rep_ ? rep_->bytes() : 0; }

absl::Status Labels::Validate() const {
  if (empty()) return absl::InvalidArgumentError("empty label set");
  for (size_t i = 0; i < size(); i++) {
    Label l = (*this)[i];
    if (!IsValidLabelName(l.name)) {
      return absl::InvalidArgumentError(
          absl::StrCat("invalid label name \"", std::string(l.name), "\" in ", ToString()));
    }
    if (!IsValidUtf8(l.value)) {
      return absl::InvalidArgumentError(
          absl::StrCat("invalid UTF-8 in value of label \"", std::string(l.name), "\""));
    }
    if (i > 0 && (*this)[i - 1].name == l.name) {
      return absl::InvalidArgumentError(
          absl::StrCat("label set has duplicate label name: \"", std::string(l.name), "\""));
    }
  }
  return absl::OkStatus();
}

int Compare(const Labels& a, const Labels& b) {
  if (a.rep_ == b.rep_) return 0;
  size_t n = std::min(a.size(), b.size());
  for (size_t i = 0; i < n; i++) {
    Label x = a[i], y = b[i];
    if (int c = x.name.compare(y.name); c != 0) return c < 0 ? -1 : 1;
    if (int c = x.value.compare(y.value); c != 0) return c < 0 ? -1 : 1;
  }
  if (a.size() == b.size()) return 0;
  return a.size() < b.size() ? -1 : 1;
}

bool operator==(const Labels& a, const Labels& b) {
  if (a.rep_ == b.rep_) return true;
  if (a.Hash() != b.Hash() || a.size() != b.size()) return false;
  if (a.rep_ == nullptr || b.rep_ == nullptr) return false;
  size_t na = (2 * a.rep_->n + 1) * sizeof(uint32_t) + a.rep_->bytes();
  size_t nb = (2 * b.rep_->n + 1) * sizeof(uint32_t) + b.rep_->bytes();
  return na == nb && std::memcmp(a.rep_->offsets(), b.rep_->offsets(), na) == 0;
}

// ---- LabelsBuilder ----

void LabelsBuilder::Reset(const Labels& base) {
  base_ = base;
  del_.clear();
  add_.clear();
}

LabelsBuilder& LabelsBuilder::Set(std::string_view name, std::string_view value) {
  if (value.empty()) return Del(name);
  for (auto& [k, v] : add_) {
    if (k == name) {
      v.assign(value);
      return *this;
    }
  }
  add_.emplace_back(std::string(name), std::string(value));
  return *this;
}

LabelsBuilder& LabelsBuilder::Del(std::string_view name) {
  add_.erase(std::remove_if(add_.begin(), add_.end(), [&](const auto& p) { return p.first == name; }),
             add_.end());
  if (std::find(del_.begin(), del_.end(), name) == del_.end()) del_.emplace_back(name);
  return *this;
}

LabelsBuilder& LabelsBuilder::Keep(const std::vector<std::string>& names) {
  auto kept = [&](std::string_view n) { return std::find(names.begin(), names.end(), n) != names.end(); };
  for (size_t i = 0; i < base_.size(); i++) {
    std::string_view n = base_[i].name;
    if (!kept(n) && std::find(del_.begin(), del_.end(), n) == del_.end()) del_.emplace_back(n);
  }
  add_.erase(std::remove_if(add_.begin(), add_.end(), [&](const auto& p) { return !kept(p.first); }),
             add_.end());
  return *this;
}

std::string_view LabelsBuilder::Get(std::string_view name) const {
  for (const auto& [k, v] : add_) {
    if (k == name) return v;
  }
  if (std::find(del_.begin(), del_.end(), name) != del_.end()) return {};
  return base_.Get(name);
}

Labels LabelsBuilder::Build() const {
  if (del_.empty() && add_.empty()) return base_;
  std::vector<std::pair<std::string_view, std::string_view>> pairs;
  pairs.reserve(base_.size() + add_.size());
  for (size_t i = 0; i < base_.size(); i++) {
    Label l = base_[i];
    if (std::find(del_.begin(), del_.end(), l.name) != del_.end()) continue;
    bool overridden = false;
    for (const auto& [k, v] : add_) {
      if (k == l.name) {
        overridden = true;
        break;
      }
    }
    if (!overridden) pairs.emplace_back(l.name, l.value);
  }
  for (const auto& [k, v] : add_) pairs.emplace_back(k, v);
  std::sort(pairs.begin(), pairs.end());
  return Labels::Build(pairs);
}

// ---- validation ----

bool IsValidUtf8(std::string_view s) {
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  size_t n = s.size(), i = 0;
  while (i < n) {
    unsigned char c = p[i];
    if (c < 0x80) {
      i++;
      continue;
    }
    size_t len;
    uint32_t cp;
    if ((c & 0xE0) == 0xC0) {
      len = 2;
      cp = c & 0x1F;
    } else if ((c & 0xF0) == 0xE0) {
      len = 3;
      cp = c & 0x0F;
    } else if ((c & 0xF8) == 0xF0) {
      len = 4;
      cp = c & 0x07;
    } else {
      return false;
    }
    if (i + len > n) return false;
    for (size_t k = 1; k < len; k++) {
      if ((p[i + k] & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (p[i + k] & 0x3F);
    }
    // Reject overlong forms, surrogates and values past U+10FFFF.
    if ((len == 2 && cp < 0x80) || (len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) ||
        (cp >= 0xD800 && cp <= 0xDFFF) || cp > 0x10FFFF) {
      return false;
    }
    i += len;
  }
  return true;
}

bool IsValidLabelName(std::string_view name) { return !name.empty() && IsValidUtf8(name); }

bool IsValidLegacyLabelName(std::string_view name) {
  if (name.empty()) return false;
  for (size_t i = 0; i < name.size(); i++) {
    char c = name[i];
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || (i > 0 && c >= '0' && c <= '9');
    if (!ok) return false;
  }
  return true;
}

bool IsValidLegacyMetricName(std::string_view name) {
  if (name.empty()) return false;
  for (size_t i = 0; i < name.size(); i++) {
    char c = name[i];
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == ':' ||
              (i > 0 && c >= '0' && c <= '9');
    if (!ok) return false;
  }
  return true;
}

}  // namespace promlite::tsdb
