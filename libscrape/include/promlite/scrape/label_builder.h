// A mutable label set for relabeling and target label construction.
//
// It mirrors Prometheus' labels.Builder (a base set plus ordered additions and
// deletions) because relabeling results depend on the order in which Range
// visits labels: base labels in sorted order first, then additions in the
// order they were made. labelmap over two labels that map to the same target
// must keep the value Prometheus keeps.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "promlite/tsdb/labels.h"

namespace promlite::scrape {

class LabelBuilder {
 public:
  LabelBuilder() = default;
  explicit LabelBuilder(const tsdb::Labels& base) { Reset(base); }

  void Reset(const tsdb::Labels& base);
  // Value of `name`, "" when absent.
  std::string_view Get(std::string_view name) const;
  // An empty value deletes the label.
  LabelBuilder& Set(std::string_view name, std::string_view value);
  LabelBuilder& Del(std::string_view name);

  // Calls f(name, value) for every label as of the call; f may Set or Del.
  template <typename F>
  void Range(F&& f) const;

  // The resulting set (sorted, empty values dropped).
  tsdb::Labels Labels() const;
  bool Empty() const;

 private:
  bool Deleted(std::string_view name) const;
  bool Added(std::string_view name) const;

  tsdb::Labels base_;
  std::vector<std::pair<std::string, std::string>> add_;
  std::vector<std::string> del_;
};

template <typename F>
void LabelBuilder::Range(F&& f) const {
  // Snapshot, so that f's changes do not alter what is visited.
  std::vector<std::pair<std::string, std::string>> add = add_;
  std::vector<std::string> del = del_;
  for (size_t i = 0; i < base_.size(); i++) {
    tsdb::Label l = base_[i];
    bool skip = false;
    for (const auto& d : del) {
      if (d == l.name) {
        skip = true;
        break;
      }
    }
    for (size_t k = 0; !skip && k < add.size(); k++) {
      if (add[k].first == l.name) skip = true;
    }
    if (!skip) f(l.name, l.value);
  }
  for (const auto& [n, v] : add) f(std::string_view(n), std::string_view(v));
}

}  // namespace promlite::scrape
