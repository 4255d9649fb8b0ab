// The lexer of Go's text/template: text, {{ }} actions with trim markers,
// comments, and the tokens inside actions. It reproduces Go's tokenisation
// and error texts, since both decide what parses.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace promlite::promql::tmpl {

enum class ItemType {
  kError,  // value is the message
  kBool,
  kChar,  // a printable ASCII character not otherwise handled (",")
  kCharConstant,
  kComplex,
  kAssign,   // =
  kDeclare,  // :=
  kEOF,
  kField,  // ".Name"
  kIdentifier,
  kLeftDelim,
  kLeftParen,
  kNumber,
  kPipe,
  kRawString,
  kRightDelim,
  kRightParen,
  kSpace,
  kString,
  kText,
  kVariable,  // "$name" or "$"
  // Keywords (printed as <word> in errors).
  kKeyword,
  kBlock,
  kBreak,
  kContinue,
  kDot,
  kDefine,
  kElse,
  kEnd,
  kIf,
  kNil,
  kRange,
  kTemplate,
  kWith,
};

struct Item {
  ItemType type = ItemType::kEOF;
  size_t pos = 0;
  std::string val;
  int line = 1;
  // Go's item.String(): EOF, <keyword>, "quoted" (shortened past 10 bytes).
  std::string Describe() const;
};

// Splits the whole template into items; the last is kEOF or kError.
std::vector<Item> Lex(std::string_view text);

}  // namespace promlite::promql::tmpl
