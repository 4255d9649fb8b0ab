// Strict decoding of YAML with Go's yaml semantics on top of yaml-cpp 0.7,
// which has no strict mode: duplicate keys, unknown fields and type
// mismatches are collected as go-yaml reports them ("line 4: field foo not
// found in type rulefmt.RuleGroup") and joined into one
// "yaml: unmarshal errors:" message, as Prometheus prints it.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "yaml-cpp/yaml.h"

namespace promlite::promql::yamlstrict {

// go-yaml's resolved tag of a node: !!map, !!seq, !!str, !!int, !!float,
// !!bool, !!null.
std::string ShortTag(const YAML::Node& n);

struct Entry {
  std::string key;
  YAML::Node key_node;
  YAML::Node value;
};

enum class Dialect {
  kV3,  // go-yaml v3 (rule files): "mapping key \"x\" already defined at line 3"
  kV2,  // go-yaml v2 (promtool's test files): "key \"x\" already set in map"
};

class Decoder {
 public:
  Decoder(Dialect d, bool known_fields) : dialect_(d), known_fields_(known_fields) {}

  // Parses a document (the first; others are ignored). Syntax errors become
  // the fatal error "yaml: line N: <what>". An empty text gives a null node.
  bool Load(std::string_view text, YAML::Node* out, bool* more_documents);

  // The entries of a mapping in order, merge keys resolved. A null node is
  // an empty mapping. Returns false (error recorded) for a non-mapping or
  // duplicate keys; the mapping is then not decoded further.
  bool Entries(const YAML::Node& n, std::string_view go_type, std::vector<Entry>* out);
  // Records "field x not found in type T" unless unknown fields are allowed.
  void Unknown(const Entry& e, std::string_view go_type);

  // Typed values; a null node leaves the zero value.
  bool String(const YAML::Node& n, std::string* out);
  bool Int(const YAML::Node& n, int64_t* out);
  bool Float(const YAML::Node& n, double* out);
  bool Bool(const YAML::Node& n, bool* out);
  // model.Duration; a bad duration is fatal, as its UnmarshalYAML error is.
  bool Duration(const YAML::Node& n, int64_t* out_ms);
  bool StringMap(const YAML::Node& n, std::map<std::string, std::string>* out);
  bool StringList(const YAML::Node& n, std::vector<std::string>* out);
  // The items of a sequence; `go_type` names the slice type for errors.
  bool Seq(const YAML::Node& n, std::string_view go_type, std::vector<YAML::Node>* out);

  // A type mismatch: "cannot unmarshal !!str `abc` into int".
  void TypeError(const YAML::Node& n, std::string_view go_type);
  // An error that stops decoding (an UnmarshalYAML error in Go).
  void Fatal(std::string msg);

  bool ok() const { return errors_.empty() && fatal_.empty(); }
  // The error message as Go prints it (empty when ok).
  std::string Message() const;

 private:
  Dialect dialect_;
  bool known_fields_;
  std::vector<std::string> errors_;
  std::string fatal_;
};

}  // namespace promlite::promql::yamlstrict
