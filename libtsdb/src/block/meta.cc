#include "block/meta.h"

#include <algorithm>
#include <set>

#include <nlohmann/json.hpp>

#include "absl/strings/str_cat.h"
#include "fileutil/fileutil.h"

namespace promlite::tsdb::block {

using nlohmann::json;

std::string EncodeMeta(const BlockMeta& m) {
  // Field order and omitempty rules as Go's encoding/json writes BlockMeta.
  json j = json::object();
  j["ulid"] = m.ulid;
  j["minTime"] = m.min_time;
  j["maxTime"] = m.max_time;
  json stats = json::object();
  if (m.stats.num_samples) stats["numSamples"] = m.stats.num_samples;
  if (m.stats.num_series) stats["numSeries"] = m.stats.num_series;
  if (m.stats.num_chunks) stats["numChunks"] = m.stats.num_chunks;
  if (m.stats.num_tombstones) stats["numTombstones"] = m.stats.num_tombstones;
  j["stats"] = stats;
  json c = json::object();
  c["level"] = m.level;
  if (!m.sources.empty()) c["sources"] = m.sources;
  if (m.deletable) c["deletable"] = true;
  if (!m.parents.empty()) {
    json ps = json::array();
    for (const auto& p : m.parents) ps.push_back(json{{"ulid", p.ulid}, {"minTime", p.min_time}, {"maxTime", p.max_time}});
    c["parents"] = ps;
  }
  if (m.failed) c["failed"] = true;
  if (!m.hints.empty()) c["hints"] = m.hints;
  j["compaction"] = c;
  j["version"] = m.version;
  // nlohmann orders keys alphabetically; readers do not care, people might.
  std::string out = "{\n\t\"ulid\": " + j["ulid"].dump() + ",\n\t\"minTime\": " + j["minTime"].dump() +
                    ",\n\t\"maxTime\": " + j["maxTime"].dump() + ",\n\t\"stats\": " + stats.dump() +
                    ",\n\t\"compaction\": " + c.dump() + ",\n\t\"version\": " + j["version"].dump() + "\n}";
  return out;
}

absl::StatusOr<BlockMeta> DecodeMeta(std::string_view text) {
  json j = json::parse(text.begin(), text.end(), nullptr, false);
  if (j.is_discarded() || !j.is_object()) return absl::DataLossError("meta.json is not valid JSON");
  BlockMeta m;
  try {
    m.version = j.value("version", 0);
    if (m.version != 1) return absl::DataLossError(absl::StrCat("unexpected meta file version ", m.version));
    m.ulid = j.at("ulid").get<std::string>();
    if (!fileutil::IsULID(m.ulid)) return absl::DataLossError(absl::StrCat("meta.json: invalid ULID ", m.ulid));
    m.min_time = j.at("minTime").get<int64_t>();
    m.max_time = j.at("maxTime").get<int64_t>();
    if (j.contains("stats") && j["stats"].is_object()) {
      const json& s = j["stats"];
      m.stats.num_samples = s.value("numSamples", uint64_t{0});
      m.stats.num_series = s.value("numSeries", uint64_t{0});
      m.stats.num_chunks = s.value("numChunks", uint64_t{0});
      m.stats.num_tombstones = s.value("numTombstones", uint64_t{0});
    }
    if (j.contains("compaction") && j["compaction"].is_object()) {
      const json& c = j["compaction"];
      m.level = c.value("level", 1);
      if (c.contains("sources") && c["sources"].is_array()) {
        for (const auto& s : c["sources"]) m.sources.push_back(s.get<std::string>());
      }
      m.deletable = c.value("deletable", false);
      m.failed = c.value("failed", false);
      if (c.contains("parents") && c["parents"].is_array()) {
        for (const auto& p : c["parents"]) {
          m.parents.push_back(BlockDesc{p.at("ulid").get<std::string>(), p.value("minTime", int64_t{0}),
                                        p.value("maxTime", int64_t{0})});
        }
      }
      if (c.contains("hints") && c["hints"].is_array()) {
        for (const auto& h : c["hints"]) m.hints.push_back(h.get<std::string>());
      }
    }
  } catch (const std::exception& e) {
    return absl::DataLossError(absl::StrCat("meta.json: ", e.what()));
  }
  return m;
}

absl::StatusOr<BlockMeta> ReadMeta(const std::string& dir) {
  auto text = fileutil::ReadFile(dir + "/meta.json");
  if (!text.ok()) return text.status();
  auto m = DecodeMeta(*text);
  if (!m.ok()) return absl::Status(m.status().code(), absl::StrCat(dir, ": ", m.status().message()));
  return m;
}

absl::Status WriteMeta(const std::string& dir, const BlockMeta& m) {
  return fileutil::WriteFileAtomic(dir + "/meta.json", EncodeMeta(m));
}

BlockMeta CompactMetas(const std::string& ulid, const std::vector<BlockMeta>& parents) {
  BlockMeta out;
  out.ulid = ulid;
  out.level = 0;
  out.min_time = parents.front().min_time;
  out.max_time = parents.front().max_time;
  std::set<std::string> sources;
  for (const auto& p : parents) {
    out.min_time = std::min(out.min_time, p.min_time);
    out.max_time = std::max(out.max_time, p.max_time);
    out.level = std::max(out.level, p.level);
    sources.insert(p.sources.begin(), p.sources.end());
    out.parents.push_back(BlockDesc{p.ulid, p.min_time, p.max_time});
  }
  out.level++;
  out.sources.assign(sources.begin(), sources.end());
  return out;
}

}  // namespace promlite::tsdb::block
