#include "promlite/scrape/label_builder.h"

#include <algorithm>

namespace promlite::scrape {

void LabelBuilder::Reset(const tsdb::Labels& base) {
  base_ = base;
  add_.clear();
  del_.clear();
}

bool LabelBuilder::Deleted(std::string_view name) const {
  return std::find(del_.begin(), del_.end(), name) != del_.end();
}

bool LabelBuilder::Added(std::string_view name) const {
  for (const auto& [n, v] : add_) {
    if (n == name) return true;
  }
  return false;
}

std::string_view LabelBuilder::Get(std::string_view name) const {
  for (const auto& [n, v] : add_) {
    if (n == name) return v;
  }
  if (Deleted(name)) return {};
  return base_.Get(name);
}

LabelBuilder& LabelBuilder::Set(std::string_view name, std::string_view value) {
  if (value.empty()) return Del(name);
  for (auto& [n, v] : add_) {
    if (n == name) {
      v.assign(value);
      return *this;
    }
  }
  add_.emplace_back(std::string(name), std::string(value));
  return *this;
}

LabelBuilder& LabelBuilder::Del(std::string_view name) {
  add_.erase(std::remove_if(add_.begin(), add_.end(), [&](const auto& p) { return p.first == name; }), add_.end());
  if (!Deleted(name)) del_.emplace_back(name);
  return *this;
}

tsdb::Labels LabelBuilder::Labels() const {
  if (add_.empty() && del_.empty()) return base_;
  std::vector<std::pair<std::string_view, std::string_view>> pairs;
  pairs.reserve(base_.size() + add_.size());
  for (size_t i = 0; i < base_.size(); i++) {
    tsdb::Label l = base_[i];
    if (Deleted(l.name) || Added(l.name)) continue;
    pairs.emplace_back(l.name, l.value);
  }
  for (const auto& [n, v] : add_) pairs.emplace_back(n, v);
  return tsdb::Labels::FromPairs(std::move(pairs));
}

bool LabelBuilder::Empty() const {
  if (!add_.empty()) return false;
  for (size_t i = 0; i < base_.size(); i++) {
    if (!Deleted(base_[i].name)) return false;
  }
  return true;
}

}  // namespace promlite::scrape
