// Relabeling with Prometheus' actions, defaults and template syntax.
//
// Regexes are RE2, anchored at both ends and with `.` matching newlines,
// exactly as Prometheus wraps them ("^(?s:<regex>)$"). Replacements expand
// $1, ${1}, $name and ${name} with Go's rules (including the surprise that
// "$1x" names the group "1x"). hashmod takes the last 8 bytes of the MD5 of
// the joined source values, big-endian, modulo the modulus, so that promlite
// and Prometheus shard a fleet identically.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "promlite/scrape/label_builder.h"
#include "promlite/tsdb/labels.h"

namespace re2 {
class RE2;
}

namespace promlite::scrape {

enum class RelabelAction : uint8_t {
  kReplace,
  kKeep,
  kDrop,
  kKeepEqual,
  kDropEqual,
  kHashMod,
  kLabelMap,
  kLabelDrop,
  kLabelKeep,
  kLowercase,
  kUppercase,
};

std::string_view RelabelActionName(RelabelAction a);
// Case-insensitive, as Prometheus; the error is `unknown relabel action "x"`.
absl::StatusOr<RelabelAction> ParseRelabelAction(std::string_view s);

// Label name validation scheme of a scrape config (metric_name_validation_scheme).
enum class NameValidation : uint8_t { kUtf8, kLegacy };
bool IsValidLabelNameFor(NameValidation v, std::string_view name);

// An anchored regular expression, shared by copies (compiled once).
class RelabelRegex {
 public:
  // The default "(.*)".
  RelabelRegex();
  // Error text follows Go: "error parsing regexp: <reason>: `<expr>`".
  static absl::StatusOr<RelabelRegex> Compile(std::string_view pattern);

  // The pattern as written in the configuration.
  const std::string& pattern() const { return pattern_; }
  bool IsDefault() const { return is_default_; }

  bool Match(std::string_view s) const;
  // When `s` matches, writes the expansion of `tmpl` to *out and returns true.
  bool MatchExpand(std::string_view s, std::string_view tmpl, std::string* out) const;
  // Expands two templates against one match (target label and replacement).
  bool MatchExpand2(std::string_view s, std::string_view tmpl1, std::string* out1, std::string_view tmpl2,
                    std::string* out2) const;

  friend bool operator==(const RelabelRegex& a, const RelabelRegex& b) { return a.pattern_ == b.pattern_; }

 private:
  struct Compiled;
  std::string pattern_;
  bool is_default_ = false;
  std::shared_ptr<const Compiled> re_;
};

struct RelabelConfig {
  std::vector<std::string> source_labels;
  std::string separator = ";";
  RelabelRegex regex;  // (.*)
  bool regex_set = false;  // given explicitly (keepequal/dropequal forbid it)
  uint64_t modulus = 0;
  std::string target_label;
  std::string replacement = "$1";
  RelabelAction action = RelabelAction::kReplace;

  // Prometheus' semantic checks; messages match Prometheus'.
  absl::Status Validate(NameValidation v = NameValidation::kUtf8) const;

  friend bool operator==(const RelabelConfig&, const RelabelConfig&) = default;
};

// Applies the rules in order. Returns false when a rule drops the set.
bool Relabel(LabelBuilder& lb, const std::vector<RelabelConfig>& cfgs, NameValidation v = NameValidation::kUtf8);
// Convenience: relabels `in`; empty labels when dropped.
tsdb::Labels Relabel(const tsdb::Labels& in, const std::vector<RelabelConfig>& cfgs,
                     NameValidation v = NameValidation::kUtf8);

// Prometheus' hashmod value for a joined source string.
uint64_t HashMod(std::string_view value, uint64_t modulus);

}  // namespace promlite::scrape
