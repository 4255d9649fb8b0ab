// The scrape cache on its own: lookups in and out of exposition order,
// duplicates, eviction and compaction of the key buffer.
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "loop/scrape_cache.h"

using promlite::scrape::loop::ScrapeCache;

namespace {

std::string Key(int i) { return "metric_with_a_long_name{instance=\"host-" + std::to_string(i) + "\",mode=\"idle\"}"; }

// One successful attempt over `keys`; adds the unknown ones with ref = i + 1.
std::vector<int32_t> Attempt(ScrapeCache& c, const std::vector<int>& keys, std::vector<bool>* dups = nullptr) {
  c.BeginIter();
  std::vector<int32_t> idx;
  for (int k : keys) {
    bool dup = false;
    int32_t i = c.Find(Key(k), &dup);
    if (i < 0) {
      i = static_cast<int32_t>(c.Add(Key(k), static_cast<promlite::tsdb::SeriesRef>(k + 1)));
    }
    if (dups) dups->push_back(dup);
    c.Touch(static_cast<uint32_t>(i));
    idx.push_back(i);
  }
  c.EndIter(true, true);
  return idx;
}

}  // namespace

TEST_CASE("scrape cache finds every series whatever the order", "[scrape_cache]") {
  ScrapeCache c;
  std::vector<int> order;
  for (int i = 0; i < 1000; i++) order.push_back(i);
  Attempt(c, order);
  REQUIRE(c.size() == 1000);

  // Same order, reversed, and shuffled: every key maps to its own entry.
  std::vector<std::vector<int>> orders = {order, std::vector<int>(order.rbegin(), order.rend())};
  std::vector<int> shuffled = order;
  for (size_t i = 0; i < shuffled.size(); i++) std::swap(shuffled[i], shuffled[(i * 7919) % shuffled.size()]);
  orders.push_back(shuffled);
  for (const auto& o : orders) {
    auto idx = Attempt(c, o);
    for (size_t i = 0; i < o.size(); i++) {
      CHECK(c.at(static_cast<uint32_t>(idx[i])).ref == static_cast<promlite::tsdb::SeriesRef>(o[i] + 1));
    }
    CHECK(c.size() == 1000);
  }
}

TEST_CASE("scrape cache reports a series seen twice in one attempt", "[scrape_cache]") {
  ScrapeCache c;
  std::vector<bool> dups;
  Attempt(c, {1, 2, 2, 3, 1}, &dups);
  CHECK(dups == std::vector<bool>{false, false, true, false, true});
  dups.clear();
  Attempt(c, {1, 2, 3, 3}, &dups);
  CHECK(dups == std::vector<bool>{false, false, false, true});
}

TEST_CASE("scrape cache does not confuse a key with its prefix", "[scrape_cache]") {
  ScrapeCache c;
  c.BeginIter();
  bool dup = false;
  uint32_t a = c.Add("up", 1);
  uint32_t b = c.Add("up{a=\"1\"}", 2);
  c.EndIter(true, true);
  c.BeginIter();
  CHECK(c.Find("up{a=\"1\"}", &dup) == static_cast<int32_t>(b));  // the hint points at "up"'s successor
  CHECK(c.Find("up", &dup) == static_cast<int32_t>(a));
  CHECK(c.Find("u", &dup) == -1);
  CHECK(c.Find("up{a=\"1\"}x", &dup) == -1);
  c.EndIter(true, true);
}

TEST_CASE("scrape cache evicts vanished series and compacts their key text", "[scrape_cache]") {
  ScrapeCache c;
  std::vector<int> all, half;
  for (int i = 0; i < 2000; i++) {
    all.push_back(i);
    if (i % 2 == 0) half.push_back(i);
  }
  Attempt(c, all);
  const size_t full = c.key_bytes();
  Attempt(c, half);  // the odd half is flushed: more than half the text is dead
  CHECK(c.size() == 1000);
  CHECK(c.key_bytes() < full * 6 / 10);
  // The survivors are still found, by hint and by hash, and reuse of freed
  // entries by new series keeps them apart.
  std::vector<int> next = half;
  for (int i = 5000; i < 5500; i++) next.push_back(i);
  auto idx = Attempt(c, next);
  REQUIRE(c.size() == 1500);
  for (size_t i = 0; i < next.size(); i++) {
    CHECK(c.at(static_cast<uint32_t>(idx[i])).ref == static_cast<promlite::tsdb::SeriesRef>(next[i] + 1));
  }
  bool dup = false;
  c.BeginIter();
  CHECK(c.Find(Key(1), &dup) == -1);
  CHECK(c.Find(Key(5499), &dup) == idx.back());
  c.EndIter(true, true);
}
