// Labels: the identity of a time series.
//
// A Labels value is an immutable, sorted set of (name, value) pairs held in one
// reference-counted buffer: copying is a reference-count increment and the hash
// is computed once at construction. Pairs with an empty value are dropped when a
// set is built, because Prometheus treats an empty value as an absent label.
#pragma once

#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/status.h"

namespace promlite::tsdb {

inline constexpr std::string_view kMetricName = "__name__";

struct Label {
  std::string_view name;
  std::string_view value;
  friend bool operator==(const Label& a, const Label& b) {
    return a.name == b.name && a.value == b.value;
  }
};

class Labels {
 public:
  Labels() = default;
  // Builds a set from pairs in any order. Empty values are dropped. Duplicate
  // names are kept (sorted by name, then value) so that Validate() can report
  // them; every other operation assumes unique names.
  Labels(std::initializer_list<std::pair<std::string_view, std::string_view>> pairs);
  static Labels FromPairs(std::vector<std::pair<std::string_view, std::string_view>> pairs);
  // Pairs that are already sorted by name with unique names and no empty
  // values (as read from a WAL record or an index written by us).
  static Labels FromSortedPairs(const std::vector<std::pair<std::string_view, std::string_view>>& pairs);
  // Parses the Prometheus text form {a="b", c="d"} or metric{a="b"}.
  // Used by tests and tools, not on hot paths.
  static absl::Status Parse(std::string_view text, Labels* out);

  Labels(const Labels& o) noexcept;
  Labels(Labels&& o) noexcept : rep_(o.rep_) { o.rep_ = nullptr; }
  Labels& operator=(const Labels& o) noexcept;
  Labels& operator=(Labels&& o) noexcept;
  ~Labels();

  size_t size() const;
  bool empty() const { return size() == 0; }
  Label operator[](size_t i) const;

  // Value of `name`, or "" when absent.
  std::string_view Get(std::string_view name) const;
  bool Has(std::string_view name) const;
  std::string_view MetricName() const { return Get(kMetricName); }

  // A hash over all pairs, stable for the life of the process.
  uint64_t Hash() const;
  // Hash over only the named labels (or all but the named ones), for grouping.
  // `names` must be sorted.
  uint64_t HashForLabels(const std::vector<std::string>& names) const;
  uint64_t HashWithoutLabels(const std::vector<std::string>& names) const;

  // Prometheus' text form: {__name__="up", job="x"} -> up{job="x"}.
  std::string ToString() const;
  // Total bytes of names and values.
  size_t ByteSize() const;

  // Checks Prometheus 3 rules: at least one label, names non-empty valid
  // UTF-8, no duplicate names, values valid UTF-8.
  absl::Status Validate() const;

  class iterator {
   public:
    using value_type = Label;
    using difference_type = std::ptrdiff_t;
    iterator() = default;
    iterator(const Labels* l, size_t i) : l_(l), i_(i) {}
    Label operator*() const { return (*l_)[i_]; }
    iterator& operator++() { ++i_; return *this; }
    iterator operator++(int) { iterator t = *this; ++i_; return t; }
    bool operator==(const iterator& o) const { return i_ == o.i_; }
    bool operator!=(const iterator& o) const { return i_ != o.i_; }
   private:
    const Labels* l_ = nullptr;
    size_t i_ = 0;
  };
  iterator begin() const { return iterator(this, 0); }
  iterator end() const { return iterator(this, size()); }

  // Lexicographic order of (name, value) pairs, as Prometheus' labels.Compare.
  friend int Compare(const Labels& a, const Labels& b);
  friend bool operator==(const Labels& a, const Labels& b);
  friend bool operator!=(const Labels& a, const Labels& b) { return !(a == b); }
  friend bool operator<(const Labels& a, const Labels& b) { return Compare(a, b) < 0; }

  template <typename H>
  friend H AbslHashValue(H h, const Labels& l) {
    return H::combine(std::move(h), l.Hash());
  }

 private:
  struct Rep;
  explicit Labels(Rep* r) : rep_(r) {}
  static Labels Build(std::vector<std::pair<std::string_view, std::string_view>>& sorted);
  Rep* rep_ = nullptr;
  friend class LabelsBuilder;
};

// Edits a label set: set, delete, keep; then produces a new Labels.
class LabelsBuilder {
 public:
  LabelsBuilder() = default;
  explicit LabelsBuilder(const Labels& base) { Reset(base); }
  void Reset(const Labels& base);
  // An empty value deletes the label.
  LabelsBuilder& Set(std::string_view name, std::string_view value);
  LabelsBuilder& Del(std::string_view name);
  // Keeps only the named labels.
  LabelsBuilder& Keep(const std::vector<std::string>& names);
  std::string_view Get(std::string_view name) const;
  Labels Build() const;

 private:
  Labels base_;
  std::vector<std::string> del_;
  std::vector<std::pair<std::string, std::string>> add_;
};

// Validation used by the data model and by every layer above it.
bool IsValidLabelName(std::string_view name);        // Prometheus 3: non-empty UTF-8
bool IsValidLegacyLabelName(std::string_view name);  // [a-zA-Z_][a-zA-Z0-9_]*
bool IsValidLegacyMetricName(std::string_view name); // [a-zA-Z_:][a-zA-Z0-9_:]*
bool IsValidUtf8(std::string_view s);

}  // namespace promlite::tsdb
