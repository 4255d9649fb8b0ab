// The relabeling actions and their configuration checks, after Prometheus'
// model/relabel.
#include "promlite/scrape/relabel.h"

#include <locale.h>
#include <wctype.h>

#include <array>
#include <string>

#include "absl/strings/str_cat.h"
#include "openssl/evp.h"
#include "util/quote.h"
#include "util/strings.h"

namespace promlite::scrape {
namespace {

constexpr std::array<std::pair<std::string_view, RelabelAction>, 11> kActions = {{
    {"replace", RelabelAction::kReplace},
    {"keep", RelabelAction::kKeep},
    {"drop", RelabelAction::kDrop},
    {"keepequal", RelabelAction::kKeepEqual},
    {"dropequal", RelabelAction::kDropEqual},
    {"hashmod", RelabelAction::kHashMod},
    {"labelmap", RelabelAction::kLabelMap},
    {"labeldrop", RelabelAction::kLabelDrop},
    {"labelkeep", RelabelAction::kLabelKeep},
    {"lowercase", RelabelAction::kLowercase},
    {"uppercase", RelabelAction::kUppercase},
}};

bool HasVar(std::string_view s) { return s.find('$') != std::string_view::npos; }

// Legacy names with ${var} placeholders, as Prometheus' relabelTargetLegacy:
// ^(?:(?:[a-zA-Z_]|\$(?:\{\w+\}|\w+))+\w*)+$
bool IsValidLegacyNameWithVars(std::string_view s) {
  auto word = [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
  };
  if (s.empty()) return false;
  size_t i = 0;
  bool first = true;
  while (i < s.size()) {
    char c = s[i];
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_') {
      i++;
    } else if (c == '$') {
      i++;
      if (i < s.size() && s[i] == '{') {
        size_t b = ++i;
        while (i < s.size() && word(s[i])) i++;
        if (i == b || i >= s.size() || s[i] != '}') return false;
        i++;
      } else {
        size_t b = i;
        while (i < s.size() && word(s[i])) i++;
        if (i == b) return false;
      }
    } else if (!first && word(c)) {
      i++;  // digits after a leading letter or variable
    } else {
      return false;
    }
    first = false;
  }
  return true;
}

// Unicode-aware case mapping like Go's strings.ToLower/ToUpper, through the
// C.UTF-8 locale's towlower/towupper (ASCII only if that locale is missing).
std::string MapCase(std::string_view s, bool upper) {
  static locale_t loc = newlocale(LC_CTYPE_MASK, "C.UTF-8", static_cast<locale_t>(0));
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size();) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    if (c < 0x80 || loc == static_cast<locale_t>(0)) {
      if (upper && c >= 'a' && c <= 'z') c = static_cast<unsigned char>(c - 32);
      if (!upper && c >= 'A' && c <= 'Z') c = static_cast<unsigned char>(c + 32);
      out.push_back(static_cast<char>(c));
      i++;
      continue;
    }
    size_t len = (c & 0xE0) == 0xC0 ? 2 : (c & 0xF0) == 0xE0 ? 3 : (c & 0xF8) == 0xF0 ? 4 : 1;
    if (len == 1 || i + len > s.size()) {
      out.push_back(static_cast<char>(c));
      i++;
      continue;
    }
    uint32_t cp = c & (len == 2 ? 0x1F : len == 3 ? 0x0F : 0x07);
    for (size_t k = 1; k < len; k++) cp = (cp << 6) | (static_cast<unsigned char>(s[i + k]) & 0x3F);
    uint32_t m = static_cast<uint32_t>(upper ? towupper_l(static_cast<wint_t>(cp), loc)
                                             : towlower_l(static_cast<wint_t>(cp), loc));
    if (m < 0x80) {
      out.push_back(static_cast<char>(m));
    } else if (m < 0x800) {
      out.push_back(static_cast<char>(0xC0 | (m >> 6)));
      out.push_back(static_cast<char>(0x80 | (m & 0x3F)));
    } else if (m < 0x10000) {
      out.push_back(static_cast<char>(0xE0 | (m >> 12)));
      out.push_back(static_cast<char>(0x80 | ((m >> 6) & 0x3F)));
      out.push_back(static_cast<char>(0x80 | (m & 0x3F)));
    } else {
      out.push_back(static_cast<char>(0xF0 | (m >> 18)));
      out.push_back(static_cast<char>(0x80 | ((m >> 12) & 0x3F)));
      out.push_back(static_cast<char>(0x80 | ((m >> 6) & 0x3F)));
      out.push_back(static_cast<char>(0x80 | (m & 0x3F)));
    }
    i += len;
  }
  return out;
}

bool Apply(const RelabelConfig& cfg, LabelBuilder& lb, NameValidation v, std::string& val, std::string& t1,
           std::string& t2) {
  val.clear();
  for (size_t i = 0; i < cfg.source_labels.size(); i++) {
    if (i > 0) val.append(cfg.separator);
    val.append(lb.Get(cfg.source_labels[i]));
  }
  switch (cfg.action) {
    case RelabelAction::kDrop:
      if (cfg.regex.Match(val)) return false;
      break;
    case RelabelAction::kKeep:
      if (!cfg.regex.Match(val)) return false;
      break;
    case RelabelAction::kDropEqual:
      if (lb.Get(cfg.target_label) == val) return false;
      break;
    case RelabelAction::kKeepEqual:
      if (lb.Get(cfg.target_label) != val) return false;
      break;
    case RelabelAction::kReplace:
      // Prometheus' shortcut: an empty source with the default regex sets the
      // replacement verbatim.
      if (val.empty() && cfg.regex.IsDefault() && !HasVar(cfg.target_label) && !HasVar(cfg.replacement)) {
        lb.Set(cfg.target_label, cfg.replacement);
        break;
      }
      if (!cfg.regex.MatchExpand2(val, cfg.target_label, &t1, cfg.replacement, &t2)) break;
      if (!IsValidLabelNameFor(v, t1)) break;
      if (t2.empty()) {
        lb.Del(t1);
      } else {
        lb.Set(t1, t2);
      }
      break;
    case RelabelAction::kLowercase:
      lb.Set(cfg.target_label, MapCase(val, false));
      break;
    case RelabelAction::kUppercase:
      lb.Set(cfg.target_label, MapCase(val, true));
      break;
    case RelabelAction::kHashMod:
      lb.Set(cfg.target_label, std::to_string(HashMod(val, cfg.modulus)));
      break;
    case RelabelAction::kLabelMap:
      lb.Range([&](std::string_view name, std::string_view value) {
        if (cfg.regex.MatchExpand(name, cfg.replacement, &t1)) {
          std::string copy(value);  // Set may invalidate `value`
          lb.Set(t1, copy);
        }
      });
      break;
    case RelabelAction::kLabelDrop:
      lb.Range([&](std::string_view name, std::string_view) {
        if (cfg.regex.Match(name)) lb.Del(std::string(name));
      });
      break;
    case RelabelAction::kLabelKeep:
      lb.Range([&](std::string_view name, std::string_view) {
        if (!cfg.regex.Match(name)) lb.Del(std::string(name));
      });
      break;
  }
  return true;
}

}  // namespace

std::string_view RelabelActionName(RelabelAction a) {
  for (const auto& [n, act] : kActions) {
    if (act == a) return n;
  }
  return "replace";
}

absl::StatusOr<RelabelAction> ParseRelabelAction(std::string_view s) {
  std::string lower(s);
  for (char& c : lower) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  for (const auto& [n, act] : kActions) {
    if (n == lower) return act;
  }
  return absl::InvalidArgumentError(absl::StrCat("unknown relabel action ", QuoteGo(s)));
}

bool IsValidLabelNameFor(NameValidation v, std::string_view name) {
  return v == NameValidation::kLegacy ? tsdb::IsValidLegacyLabelName(name) : tsdb::IsValidLabelName(name);
}

uint64_t HashMod(std::string_view value, uint64_t modulus) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(value.data(), value.size(), md, &len, EVP_md5(), nullptr);
  // The last 8 bytes, big-endian, as Prometheus has always done.
  uint64_t h = 0;
  for (int i = 8; i < 16; i++) h = (h << 8) | md[i];
  return h % modulus;
}

absl::Status RelabelConfig::Validate(NameValidation v) const {
  const std::string_view act = RelabelActionName(action);
  auto err = [](auto&&... parts) { return absl::InvalidArgumentError(absl::StrCat(parts...)); };
  if (action == RelabelAction::kHashMod && modulus == 0) {
    return err("relabel configuration for hashmod requires non-zero modulus");
  }
  bool needs_target = action == RelabelAction::kReplace || action == RelabelAction::kHashMod ||
                      action == RelabelAction::kLowercase || action == RelabelAction::kUppercase ||
                      action == RelabelAction::kKeepEqual || action == RelabelAction::kDropEqual;
  if (needs_target && target_label.empty()) {
    return err("relabel configuration for ", A(act), " action requires 'target_label' value");
  }
  auto valid_with_vars = [&](std::string_view s) {
    return v == NameValidation::kUtf8 ? tsdb::IsValidLabelName(s) : IsValidLegacyNameWithVars(s);
  };
  if (action == RelabelAction::kReplace) {
    bool ok = HasVar(target_label) ? valid_with_vars(target_label) : IsValidLabelNameFor(v, target_label);
    if (!ok) return err(QuoteGo(target_label), " is invalid 'target_label' for ", A(act), " action");
  }
  bool case_or_equal = action == RelabelAction::kLowercase || action == RelabelAction::kUppercase ||
                       action == RelabelAction::kKeepEqual || action == RelabelAction::kDropEqual;
  if (case_or_equal && !IsValidLabelNameFor(v, target_label)) {
    return err(QuoteGo(target_label), " is invalid 'target_label' for ", A(act), " action");
  }
  if (case_or_equal && replacement != "$1") {
    return err("'replacement' can not be set for ", A(act), " action");
  }
  if (action == RelabelAction::kLabelMap && !valid_with_vars(replacement)) {
    return err(QuoteGo(replacement), " is invalid 'replacement' for ", A(act), " action");
  }
  if (action == RelabelAction::kHashMod && !IsValidLabelNameFor(v, target_label)) {
    return err(QuoteGo(target_label), " is invalid 'target_label' for ", A(act), " action");
  }
  if (action == RelabelAction::kDropEqual || action == RelabelAction::kKeepEqual) {
    if (regex_set || modulus != 0 || separator != ";" || replacement != "$1") {
      return err(A(act), " action requires only 'source_labels' and `target_label`, and no other fields");
    }
  }
  if (action == RelabelAction::kLabelDrop || action == RelabelAction::kLabelKeep) {
    if (!source_labels.empty() || !target_label.empty() || modulus != 0 || separator != ";" ||
        replacement != "$1") {
      return err(A(act), " action requires only 'regex', and no other fields");
    }
  }
  return absl::OkStatus();
}

bool Relabel(LabelBuilder& lb, const std::vector<RelabelConfig>& cfgs, NameValidation v) {
  std::string val, t1, t2;
  for (const auto& c : cfgs) {
    if (!Apply(c, lb, v, val, t1, t2)) return false;
  }
  return true;
}

tsdb::Labels Relabel(const tsdb::Labels& in, const std::vector<RelabelConfig>& cfgs, NameValidation v) {
  LabelBuilder lb(in);
  if (!Relabel(lb, cfgs, v)) return tsdb::Labels();
  return lb.Labels();
}

}  // namespace promlite::scrape
