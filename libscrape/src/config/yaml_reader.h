// Strict reading of YAML documents on top of yaml-cpp 0.7, which has no
// strict mode: every mapping is checked for duplicate keys and for keys the
// reader did not ask for, and every error carries the file and line.
// Messages follow Go's yaml.v2 ("field x not found in type config.ScrapeConfig",
// "key \"x\" already set in map") since users and tools know them.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "yaml-cpp/yaml.h"

namespace promlite::scrape::yamlcfg {

struct Ctx {
  std::string file;      // named in messages ("" for text without a file)
  std::string base_dir;  // relative paths are resolved against it
  std::vector<std::string>* warnings = nullptr;
};

absl::Status ErrorAt(const Ctx& ctx, const YAML::Mark& mark, std::string_view msg);
absl::Status ErrorAt(const Ctx& ctx, const YAML::Node& node, std::string_view msg);
// An error without a position (semantic checks of a whole section).
absl::Status ErrorIn(const Ctx& ctx, std::string_view msg);
void Warn(const Ctx& ctx, const YAML::Node& node, std::string_view msg);

// Parses a document, mapping yaml-cpp exceptions to errors with a line.
absl::StatusOr<YAML::Node> Parse(const Ctx& ctx, std::string_view text);

// A mapping whose keys are read one by one; whatever is left is an error.
class Map {
 public:
  // `n` must be a mapping (a null node reads as an empty one). Duplicate
  // keys are errors; "<<" merge keys are resolved (explicit keys win).
  static absl::StatusOr<Map> Read(const Ctx& ctx, const YAML::Node& n, std::string_view type_name);

  // The value of `key`, or nullptr; marks the key as known.
  const YAML::Node* Take(std::string_view key);
  // The first key nobody took is an error.
  absl::Status Done() const;
  const YAML::Node& node() const { return node_; }
  // Keys in document order.
  std::vector<std::string> Keys() const;

 private:
  struct Entry {
    std::string key;
    YAML::Mark mark;
    YAML::Node value;
    bool taken = false;
  };
  const Ctx* ctx_ = nullptr;
  std::string type_;
  YAML::Node node_;
  std::vector<Entry> entries_;
};

// Typed scalars. A null node yields the zero value, as in Go.
absl::Status ReadString(const Ctx& ctx, const YAML::Node& n, std::string* out);
absl::Status ReadBool(const Ctx& ctx, const YAML::Node& n, bool* out);
absl::Status ReadUint64(const Ctx& ctx, const YAML::Node& n, uint64_t* out);
absl::Status ReadDuration(const Ctx& ctx, const YAML::Node& n, int64_t* out_ms);
absl::Status ReadBytes(const Ctx& ctx, const YAML::Node& n, uint64_t* out);
absl::Status ReadStringList(const Ctx& ctx, const YAML::Node& n, std::vector<std::string>* out);
absl::Status ReadStringMap(const Ctx& ctx, const YAML::Node& n, std::map<std::string, std::string>* out);

// Reads an optional field of `m` with one of the readers above.
template <typename T>
absl::Status Field(const Ctx& ctx, Map& m, std::string_view key, T* out,
                   absl::Status (*reader)(const Ctx&, const YAML::Node&, T*)) {
  if (const YAML::Node* n = m.Take(key)) return reader(ctx, *n, out);
  return absl::OkStatus();
}
inline absl::Status Field(const Ctx& ctx, Map& m, std::string_view key, std::string* out) {
  return Field(ctx, m, key, out, &ReadString);
}
inline absl::Status Field(const Ctx& ctx, Map& m, std::string_view key, bool* out) {
  return Field(ctx, m, key, out, &ReadBool);
}
inline absl::Status Field(const Ctx& ctx, Map& m, std::string_view key, uint64_t* out) {
  return Field(ctx, m, key, out, &ReadUint64);
}

// Prometheus' config.JoinDir: relative, non-empty paths are made relative to base_dir.
std::string JoinDir(const Ctx& ctx, const std::string& path);

// A short description of a node for messages: "!!map", "!!seq", "!!str `x`".
std::string Describe(const YAML::Node& n);

}  // namespace promlite::scrape::yamlcfg
