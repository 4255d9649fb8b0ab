// Lexical items of PromQL. The kinds and their printed descriptions follow
// Prometheus' lexer closely, because parse error messages embed them
// ("unexpected <op:*>", `unexpected identifier "foo"`) and tools compare
// those messages verbatim.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace promlite::promql::parser {

enum class ItemType : uint8_t {
  kError,
  kEOF,
  kComment,
  kIdentifier,
  kMetricIdentifier,
  kNumber,
  kDuration,
  kString,
  kLeftParen,
  kRightParen,
  kLeftBrace,
  kRightBrace,
  kLeftBracket,
  kRightBracket,
  kComma,
  kEql,  // "=" (only meaningful inside braces)
  kColon,
  kSemicolon,

  // Operators.
  kOperatorsStart,
  kAdd,
  kDiv,
  kEqlc,
  kEqlRegex,
  kGte,
  kGtr,
  kTrimUpper,
  kTrimLower,
  kLand,
  kLor,
  kLss,
  kLte,
  kLunless,
  kMod,
  kMul,
  kNeq,
  kNeqRegex,
  kPow,
  kSub,
  kAt,
  kAtan2,
  kOperatorsEnd,

  // Aggregators.
  kAggregatorsStart,
  kAvg,
  kBottomk,
  kCount,
  kCountValues,
  kGroup,
  kMax,
  kMin,
  kQuantile,
  kStddev,
  kStdvar,
  kSum,
  kTopk,
  kLimitk,
  kLimitRatio,
  kAggregatorsEnd,

  // Keywords.
  kKeywordsStart,
  kBool,
  kBy,
  kGroupLeft,
  kGroupRight,
  kFill,
  kFillLeft,
  kFillRight,
  kIgnoring,
  kOffset,
  kSmoothed,
  kAnchored,
  kOn,
  kWithout,
  kKeywordsEnd,

  // "Preprocessors": start()/end() of @ and the duration functions.
  kStart,
  kEnd,
  kStep,
  kRange,
  kMaxOf,
  kMinOf,
};

inline bool IsOperator(ItemType t) { return t > ItemType::kOperatorsStart && t < ItemType::kOperatorsEnd; }
inline bool IsAggregator(ItemType t) {
  return t > ItemType::kAggregatorsStart && t < ItemType::kAggregatorsEnd;
}
inline bool IsKeyword(ItemType t) { return t > ItemType::kKeywordsStart && t < ItemType::kKeywordsEnd; }

struct Item {
  ItemType type = ItemType::kEOF;
  int32_t pos = 0;         // byte offset of the item in the query
  std::string_view val;    // the item's text; for kError the message (owned by the lexer)

  int32_t end() const { return pos + static_cast<int32_t>(val.size()); }
};

// Looks a word up in the keyword table (case-insensitively, as Prometheus
// does). Returns false when the word is an ordinary identifier. "inf" and
// "nan" map to kNumber.
bool LookupKeyword(std::string_view word, ItemType* out);

// The fixed text of an item type ("(", "sum", "=~"), or "" when it has none.
std::string_view ItemTypeText(ItemType t);

// The description of an item used in "unexpected ..." messages, e.g.
// `<op:+>`, `<by>`, `identifier "foo"`, `"("`, `end of input`.
std::string DescribeItem(const Item& item);

}  // namespace promlite::promql::parser
