// The PromQL lexer: a state machine with the same states and context rules
// as Prometheus' (braces switch to label-matcher lexing, brackets to duration
// expression lexing), so that token boundaries and lexer error messages match.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "parser/token.h"

namespace promlite::promql::parser {

class Lexer {
 public:
  explicit Lexer(std::string_view input) : input_(input) {}

  // Produces the next item, comments included. After the end of input (or a
  // fatal error) keeps returning kEOF. A kError item's val points into the
  // lexer and stays valid until the next error.
  void Next(Item* item);

  std::string_view input() const { return input_; }
  // Start of the item being scanned; Prometheus reports lexer errors there.
  int32_t start() const { return start_; }

 private:
  enum class State : uint8_t {
    kStatements,
    kInsideBraces,
    kLineComment,
    kSpace,
    kString,
    kRawString,
    kEscape,
    kNumberOrDuration,
    kKeywordOrIdentifier,
    kIdentifier,
    kDurationExpr,
    kDone,
  };
  static constexpr int32_t kEofRune = -1;

  int32_t NextRune();
  int32_t PeekRune();
  void Backup() { pos_ -= width_; }
  void Emit(ItemType t);
  void Ignore() { start_ = pos_; }
  bool Accept(std::string_view valid);
  bool Is(std::string_view valid);
  void AcceptRun(std::string_view valid);
  State Errorf(std::string msg);

  State LexStatements();
  State LexInsideBraces();
  State LexLineComment();
  State LexSpace();
  State LexString();
  State LexRawString();
  State LexEscape();
  State LexNumberOrDuration();
  State LexKeywordOrIdentifier();
  State LexIdentifier();
  State LexDurationExpr();

  bool ScanNumber();
  bool AcceptRemainingDuration();
  bool ScanDurationKeyword();
  bool PeekFollowedByLeftParen() const;
  void SkipSpaces();
  State Run(State s);

  std::string_view input_;
  State state_ = State::kStatements;
  int32_t pos_ = 0;
  int32_t start_ = 0;
  int32_t width_ = 0;
  Item* item_ = nullptr;
  bool scanned_ = false;
  std::string error_;

  int paren_depth_ = 0;
  bool brace_open_ = false;
  bool bracket_open_ = false;
  bool got_colon_ = false;
  bool got_duration_ = false;
  int32_t string_open_ = 0;
};

bool IsSpaceRune(int32_t r);

}  // namespace promlite::promql::parser
