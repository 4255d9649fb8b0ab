// Compares the *shape* of two JSON documents: the same keys in objects, the
// same JSON types for scalars, arrays whose elements have matching shapes.
// Values are not compared. Used to hold promlite's API answers against
// responses recorded from Prometheus (test/server/golden/).
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "nlohmann/json.hpp"

namespace promlite::testing {

struct ShapeDiff {
  // A path like `$.data.result[].metric`: `[]` is any array element, `.*` any
  // value of an object whose keys are data (label sets, flag names, ...).
  std::string path;
  // "missing key" (in golden, not in the answer), "extra key", or
  // "type golden=<t> got=<t>", or "no element matches golden element".
  std::string what;
};

inline const char* JsonKind(const nlohmann::json& j) {
  if (j.is_object()) return "object";
  if (j.is_array()) return "array";
  if (j.is_string()) return "string";
  if (j.is_number()) return "number";
  if (j.is_boolean()) return "bool";
  return "null";
}

class ShapeComparer {
 public:
  // Paths whose object keys are data, not fields: compared like arrays of
  // their values.
  std::function<bool(const std::string& path)> is_map = [](const std::string&) { return false; };
  // Known, accepted differences: dropped as if they matched (so they do not
  // make an array element unmatched either).
  std::function<bool(const ShapeDiff&)> allowed = [](const ShapeDiff&) { return false; };

  std::vector<ShapeDiff> Compare(const nlohmann::json& golden, const nlohmann::json& got) const {
    std::vector<ShapeDiff> out;
    Walk(golden, got, "$", &out);
    return out;
  }

 private:
  void Add(ShapeDiff d, std::vector<ShapeDiff>* out) const {
    if (!allowed(d)) out->push_back(std::move(d));
  }

  void Walk(const nlohmann::json& g, const nlohmann::json& a, const std::string& path,
            std::vector<ShapeDiff>* out) const {
    if (std::string(JsonKind(g)) != JsonKind(a)) {
      Add({path, std::string("type golden=") + JsonKind(g) + " got=" + JsonKind(a)}, out);
      return;
    }
    if (g.is_object() && is_map(path)) {
      nlohmann::json gv = nlohmann::json::array(), av = nlohmann::json::array();
      for (const auto& [k, v] : g.items()) gv.push_back(v);
      for (const auto& [k, v] : a.items()) av.push_back(v);
      Elements(gv, av, path + ".*", out);
      return;
    }
    if (g.is_object()) {
      for (const auto& [k, v] : g.items()) {
        if (!a.contains(k)) {
          Add({path + "." + k, "missing key"}, out);
        } else {
          Walk(v, a.at(k), path + "." + k, out);
        }
      }
      for (const auto& [k, v] : a.items()) {
        if (!g.contains(k)) Add({path + "." + k, "extra key"}, out);
      }
      return;
    }
    if (g.is_array()) Elements(g, a, path + "[]", out);
  }

  // Every golden element must have the shape of some answer element and every
  // answer element the shape of some golden element. An empty side matches
  // anything: there is nothing to compare.
  void Elements(const nlohmann::json& g, const nlohmann::json& a, const std::string& path,
                std::vector<ShapeDiff>* out) const {
    if (g.empty() || a.empty()) return;
    auto match_any = [&](const nlohmann::json& x, const nlohmann::json& candidates, bool x_is_golden,
                         std::vector<ShapeDiff>* best) {
      bool first = true;
      for (const auto& c : candidates) {
        std::vector<ShapeDiff> d;
        if (x_is_golden) {
          Walk(x, c, path, &d);
        } else {
          Walk(c, x, path, &d);
        }
        if (d.empty()) return true;
        if (first || d.size() < best->size()) *best = std::move(d);
        first = false;
      }
      return false;
    };
    // Report the differences to the closest element once per distinct
    // element shape, not once per element.
    std::vector<std::string> reported;
    auto report = [&](const std::vector<ShapeDiff>& best) {
      std::string key;
      for (const auto& d : best) key += d.path + " " + d.what + "\n";
      for (const auto& r : reported) {
        if (r == key) return;
      }
      reported.push_back(key);
      out->insert(out->end(), best.begin(), best.end());
    };
    for (const auto& x : g) {
      std::vector<ShapeDiff> best;
      if (!match_any(x, a, true, &best)) report(best);
    }
    for (const auto& x : a) {
      std::vector<ShapeDiff> best;
      if (!match_any(x, g, false, &best)) report(best);
    }
  }
};

}  // namespace promlite::testing
