#include "parser/token.h"

#include <array>
#include <cctype>

#include "parser/go_format.h"

namespace promlite::promql::parser {
namespace {

struct Keyword {
  std::string_view word;
  ItemType type;
};

// Lower-case spellings; the lexer matches them case-insensitively.
constexpr Keyword kKeywords[] = {
    {"and", ItemType::kLand},
    {"or", ItemType::kLor},
    {"unless", ItemType::kLunless},
    {"atan2", ItemType::kAtan2},
    {"sum", ItemType::kSum},
    {"avg", ItemType::kAvg},
    {"count", ItemType::kCount},
    {"min", ItemType::kMin},
    {"max", ItemType::kMax},
    {"group", ItemType::kGroup},
    {"stddev", ItemType::kStddev},
    {"stdvar", ItemType::kStdvar},
    {"topk", ItemType::kTopk},
    {"bottomk", ItemType::kBottomk},
    {"count_values", ItemType::kCountValues},
    {"quantile", ItemType::kQuantile},
    {"limitk", ItemType::kLimitk},
    {"limit_ratio", ItemType::kLimitRatio},
    {"offset", ItemType::kOffset},
    {"smoothed", ItemType::kSmoothed},
    {"anchored", ItemType::kAnchored},
    {"by", ItemType::kBy},
    {"without", ItemType::kWithout},
    {"on", ItemType::kOn},
    {"ignoring", ItemType::kIgnoring},
    {"group_left", ItemType::kGroupLeft},
    {"group_right", ItemType::kGroupRight},
    {"fill", ItemType::kFill},
    {"fill_left", ItemType::kFillLeft},
    {"fill_right", ItemType::kFillRight},
    {"bool", ItemType::kBool},
    {"start", ItemType::kStart},
    {"end", ItemType::kEnd},
    {"step", ItemType::kStep},
    {"range", ItemType::kRange},
    {"max_of", ItemType::kMaxOf},
    {"min_of", ItemType::kMinOf},
};

bool EqualsLower(std::string_view word, std::string_view lower) {
  if (word.size() != lower.size()) return false;
  for (size_t i = 0; i < word.size(); i++) {
    if (std::tolower(static_cast<unsigned char>(word[i])) != lower[i]) return false;
  }
  return true;
}

}  // namespace

bool LookupKeyword(std::string_view word, ItemType* out) {
  if (word.size() > 12) return false;  // longer than any keyword
  for (const Keyword& k : kKeywords) {
    if (EqualsLower(word, k.word)) {
      *out = k.type;
      return true;
    }
  }
  if (EqualsLower(word, "inf") || EqualsLower(word, "nan")) {
    *out = ItemType::kNumber;
    return true;
  }
  return false;
}

std::string_view ItemTypeText(ItemType t) {
  switch (t) {
    case ItemType::kLeftParen: return "(";
    case ItemType::kRightParen: return ")";
    case ItemType::kLeftBrace: return "{";
    case ItemType::kRightBrace: return "}";
    case ItemType::kLeftBracket: return "[";
    case ItemType::kRightBracket: return "]";
    case ItemType::kComma: return ",";
    case ItemType::kEql: return "=";
    case ItemType::kColon: return ":";
    case ItemType::kSemicolon: return ";";
    case ItemType::kSub: return "-";
    case ItemType::kAdd: return "+";
    case ItemType::kMul: return "*";
    case ItemType::kMod: return "%";
    case ItemType::kDiv: return "/";
    case ItemType::kEqlc: return "==";
    case ItemType::kNeq: return "!=";
    case ItemType::kLte: return "<=";
    case ItemType::kLss: return "<";
    case ItemType::kGte: return ">=";
    case ItemType::kGtr: return ">";
    case ItemType::kTrimUpper: return "</";
    case ItemType::kTrimLower: return ">/";
    case ItemType::kEqlRegex: return "=~";
    case ItemType::kNeqRegex: return "!~";
    case ItemType::kPow: return "^";
    case ItemType::kAt: return "@";
    default: break;
  }
  for (const Keyword& k : kKeywords) {
    if (k.type == t) return k.word;
  }
  return "";
}

namespace {

// Go's %q of a string, or %.10q followed by "..." when longer than 10 bytes.
std::string QuotedVal(std::string_view val) {
  if (val.size() <= 10) return GoQuote(val);
  // %.10q truncates to 10 runes before quoting.
  size_t i = 0;
  for (int runes = 0; runes < 10 && i < val.size(); runes++) {
    int w;
    DecodeRune(val, i, &w);
    i += static_cast<size_t>(w);
  }
  return GoQuote(val.substr(0, i)) + "...";
}

// Item.String() in Prometheus.
std::string ItemString(const Item& item) {
  if (item.type == ItemType::kEOF) return "EOF";
  if (item.type == ItemType::kError) return std::string(item.val);
  if (item.type == ItemType::kIdentifier || item.type == ItemType::kMetricIdentifier) {
    return GoQuote(item.val);
  }
  if (IsKeyword(item.type)) return "<" + std::string(item.val) + ">";
  if (IsOperator(item.type)) return "<op:" + std::string(item.val) + ">";
  if (IsAggregator(item.type)) return "<aggr:" + std::string(item.val) + ">";
  return QuotedVal(item.val);
}

std::string_view TypeDesc(ItemType t) {
  switch (t) {
    case ItemType::kError: return "error";
    case ItemType::kEOF: return "end of input";
    case ItemType::kComment: return "comment";
    case ItemType::kIdentifier: return "identifier";
    case ItemType::kMetricIdentifier: return "metric identifier";
    case ItemType::kString: return "string";
    case ItemType::kNumber: return "number";
    case ItemType::kDuration: return "duration";
    default: return "";
  }
}

}  // namespace

std::string DescribeItem(const Item& item) {
  if (!ItemTypeText(item.type).empty()) return ItemString(item);
  if (item.type == ItemType::kEOF) return "end of input";
  return std::string(TypeDesc(item.type)) + " " + ItemString(item);
}

}  // namespace promlite::promql::parser
