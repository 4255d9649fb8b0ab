#include "parser/lexer.h"

#include <cctype>
#include <utility>

#include "parser/go_format.h"

namespace promlite::promql::parser {
namespace {

bool IsDigit(int32_t r) { return r >= '0' && r <= '9'; }
bool IsAlpha(int32_t r) { return r == '_' || (r >= 'a' && r <= 'z') || (r >= 'A' && r <= 'Z'); }
bool IsAlphaNumeric(int32_t r) { return IsAlpha(r) || IsDigit(r); }
bool IsEndOfLine(int32_t r) { return r == '\r' || r == '\n'; }

bool ContainsRune(std::string_view set, int32_t r) {
  if (r < 0 || r > 0x7F) return false;
  return set.find(static_cast<char>(r)) != std::string_view::npos;
}

int DigitVal(int32_t ch) {
  if (ch >= '0' && ch <= '9') return ch - '0';
  if (ch >= 'a' && ch <= 'f') return ch - 'a' + 10;
  if (ch >= 'A' && ch <= 'F') return ch - 'A' + 10;
  return 16;
}

// Duration keywords are recognised inside brackets, case-insensitively.
bool IsDurationKeywordStart(int32_t r) {
  if (r < 0 || r > 0x7F) return false;
  int c = std::tolower(r);
  return c == 's' || c == 'r' || c == 'm';
}

}  // namespace

bool IsSpaceRune(int32_t r) { return r == ' ' || r == '\t' || r == '\n' || r == '\r'; }

int32_t Lexer::NextRune() {
  if (pos_ >= static_cast<int32_t>(input_.size())) {
    width_ = 0;
    return kEofRune;
  }
  int w;
  int32_t r = DecodeRune(input_, static_cast<size_t>(pos_), &w);
  width_ = w;
  pos_ += w;
  return r;
}

int32_t Lexer::PeekRune() {
  int32_t r = NextRune();
  Backup();
  return r;
}

void Lexer::Emit(ItemType t) {
  item_->type = t;
  item_->pos = start_;
  item_->val = input_.substr(static_cast<size_t>(start_), static_cast<size_t>(pos_ - start_));
  start_ = pos_;
  scanned_ = true;
}

bool Lexer::Accept(std::string_view valid) {
  if (ContainsRune(valid, NextRune())) return true;
  Backup();
  return false;
}

bool Lexer::Is(std::string_view valid) { return ContainsRune(valid, PeekRune()); }

void Lexer::AcceptRun(std::string_view valid) {
  while (ContainsRune(valid, NextRune())) {
  }
  Backup();
}

Lexer::State Lexer::Errorf(std::string msg) {
  // Like Prometheus, an error overwrites whatever the current state function
  // emitted before it, and ends lexing.
  error_ = std::move(msg);
  item_->type = ItemType::kError;
  item_->pos = start_;
  item_->val = error_;
  scanned_ = true;
  return State::kDone;
}

void Lexer::Next(Item* item) {
  scanned_ = false;
  item_ = item;
  if (state_ == State::kDone) {
    Emit(ItemType::kEOF);
    item->val = {};
    item->pos = static_cast<int32_t>(input_.size());
    return;
  }
  while (!scanned_) state_ = Run(state_);
}

Lexer::State Lexer::Run(State s) {
  switch (s) {
    case State::kStatements: return LexStatements();
    case State::kInsideBraces: return LexInsideBraces();
    case State::kLineComment: return LexLineComment();
    case State::kSpace: return LexSpace();
    case State::kString: return LexString();
    case State::kRawString: return LexRawString();
    case State::kEscape: return LexEscape();
    case State::kNumberOrDuration: return LexNumberOrDuration();
    case State::kKeywordOrIdentifier: return LexKeywordOrIdentifier();
    case State::kIdentifier: return LexIdentifier();
    case State::kDurationExpr: return LexDurationExpr();
    case State::kDone: break;
  }
  Emit(ItemType::kEOF);
  return State::kDone;
}

Lexer::State Lexer::LexStatements() {
  if (brace_open_) return State::kInsideBraces;
  if (input_.substr(static_cast<size_t>(pos_)).starts_with("#")) return State::kLineComment;

  int32_t r = NextRune();
  if (r == kEofRune) {
    if (paren_depth_ != 0) return Errorf("unclosed left parenthesis");
    if (bracket_open_) return Errorf("unclosed left bracket");
    Emit(ItemType::kEOF);
    return State::kDone;
  }
  switch (r) {
    case ',': Emit(ItemType::kComma); return State::kStatements;
    case '*': Emit(ItemType::kMul); return State::kStatements;
    case '/': Emit(ItemType::kDiv); return State::kStatements;
    case '%': Emit(ItemType::kMod); return State::kStatements;
    case '+': Emit(ItemType::kAdd); return State::kStatements;
    case '-': Emit(ItemType::kSub); return State::kStatements;
    case '^': Emit(ItemType::kPow); return State::kStatements;
    case '=': {
      int32_t t = PeekRune();
      if (t == '=') {
        NextRune();
        Emit(ItemType::kEqlc);
      } else if (t == '~') {
        return Errorf("unexpected character after '=': " + GoQuoteRune(t));
      } else {
        Emit(ItemType::kEql);
      }
      return State::kStatements;
    }
    case '!': {
      int32_t t = NextRune();
      if (t != '=') return Errorf("unexpected character after '!': " + GoQuoteRune(t));
      Emit(ItemType::kNeq);
      return State::kStatements;
    }
    case '<':
      if (PeekRune() == '=') {
        NextRune();
        Emit(ItemType::kLte);
      } else if (PeekRune() == '/') {
        NextRune();
        Emit(ItemType::kTrimUpper);
      } else {
        Emit(ItemType::kLss);
      }
      return State::kStatements;
    case '>':
      if (PeekRune() == '=') {
        NextRune();
        Emit(ItemType::kGte);
      } else if (PeekRune() == '/') {
        NextRune();
        Emit(ItemType::kTrimLower);
      } else {
        Emit(ItemType::kGtr);
      }
      return State::kStatements;
    case '"':
    case '\'':
      string_open_ = r;
      return State::kString;
    case '`':
      string_open_ = r;
      return State::kRawString;
    case '(':
      Emit(ItemType::kLeftParen);
      paren_depth_++;
      return State::kStatements;
    case ')':
      Emit(ItemType::kRightParen);
      paren_depth_--;
      if (paren_depth_ < 0) return Errorf("unexpected right parenthesis " + GoQuoteRune(r));
      return State::kStatements;
    case '{':
      Emit(ItemType::kLeftBrace);
      brace_open_ = true;
      return State::kInsideBraces;
    case '[':
      if (bracket_open_) return Errorf("unexpected left bracket " + GoQuoteRune(r));
      got_colon_ = false;
      Emit(ItemType::kLeftBracket);
      if (IsSpaceRune(PeekRune())) SkipSpaces();
      bracket_open_ = true;
      return State::kDurationExpr;
    case ']':
      if (!bracket_open_) return Errorf("unexpected right bracket " + GoQuoteRune(r));
      Emit(ItemType::kRightBracket);
      bracket_open_ = false;
      return State::kStatements;
    case '@':
      Emit(ItemType::kAt);
      return State::kStatements;
    default:
      break;
  }
  if (IsSpaceRune(r)) return State::kSpace;
  if (IsDigit(r) || (r == '.' && IsDigit(PeekRune()))) {
    Backup();
    return State::kNumberOrDuration;
  }
  if (IsAlpha(r) || r == ':') {
    if (!bracket_open_) {
      Backup();
      return State::kKeywordOrIdentifier;
    }
    if (r == ':') {
      if (got_colon_) return Errorf("unexpected colon " + GoQuoteRune(r));
      Emit(ItemType::kColon);
      got_colon_ = true;
      return State::kStatements;
    }
    if (IsDurationKeywordStart(r) && ScanDurationKeyword()) return State::kStatements;
    return Errorf("unexpected character: " + GoQuoteRune(r) + ", expected ':'");
  }
  return Errorf("unexpected character: " + GoQuoteRune(r));
}

Lexer::State Lexer::LexInsideBraces() {
  if (input_.substr(static_cast<size_t>(pos_)).starts_with("#")) return State::kLineComment;
  int32_t r = NextRune();
  if (r == kEofRune) return Errorf("unexpected end of input inside braces");
  if (IsSpaceRune(r)) return State::kSpace;
  if (IsAlpha(r)) {
    Backup();
    return State::kIdentifier;
  }
  switch (r) {
    case ',':
      Emit(ItemType::kComma);
      return State::kInsideBraces;
    case '"':
    case '\'':
      string_open_ = r;
      return State::kString;
    case '`':
      string_open_ = r;
      return State::kRawString;
    case '=':
      if (NextRune() == '~') {
        Emit(ItemType::kEqlRegex);
        return State::kInsideBraces;
      }
      Backup();
      Emit(ItemType::kEql);
      return State::kInsideBraces;
    case '!': {
      int32_t nr = NextRune();
      if (nr == '~') {
        Emit(ItemType::kNeqRegex);
      } else if (nr == '=') {
        Emit(ItemType::kNeq);
      } else {
        return Errorf("unexpected character after '!' inside braces: " + GoQuoteRune(nr));
      }
      return State::kInsideBraces;
    }
    case '{':
      return Errorf("unexpected left brace " + GoQuoteRune(r));
    case '}':
      Emit(ItemType::kRightBrace);
      brace_open_ = false;
      return State::kStatements;
    default:
      return Errorf("unexpected character inside braces: " + GoQuoteRune(r));
  }
}

Lexer::State Lexer::LexLineComment() {
  pos_ += 1;
  int32_t r = NextRune();
  while (!IsEndOfLine(r) && r != kEofRune) r = NextRune();
  Backup();
  Emit(ItemType::kComment);
  return State::kStatements;
}

Lexer::State Lexer::LexSpace() {
  while (IsSpaceRune(PeekRune())) NextRune();
  Ignore();
  return State::kStatements;
}

void Lexer::SkipSpaces() {
  while (IsSpaceRune(PeekRune())) NextRune();
  Ignore();
}

Lexer::State Lexer::LexString() {
  for (;;) {
    int32_t r = NextRune();
    if (r == '\\') return State::kEscape;
    // Go's decoder yields U+FFFD for invalid bytes; Prometheus' lexer rejects
    // both those and a literal U+FFFD.
    if (r == kRuneError) {
      Errorf("invalid UTF-8 rune");
      return State::kString;
    }
    if (r == kEofRune || r == '\n') return Errorf("unterminated quoted string");
    if (r == string_open_) break;
  }
  Emit(ItemType::kString);
  return State::kStatements;
}

Lexer::State Lexer::LexRawString() {
  for (;;) {
    int32_t r = NextRune();
    if (r == kRuneError) {
      Errorf("invalid UTF-8 rune");
      return State::kRawString;
    }
    if (r == kEofRune) {
      Errorf("unterminated raw string");
      return State::kRawString;
    }
    if (r == string_open_) break;
  }
  Emit(ItemType::kString);
  return State::kStatements;
}

Lexer::State Lexer::LexEscape() {
  int n;
  uint32_t base;
  uint32_t max_val;
  int32_t ch = NextRune();
  switch (ch) {
    case 'a': case 'b': case 'f': case 'n': case 'r': case 't': case 'v': case '\\':
      return State::kString;
    case '0': case '1': case '2': case '3': case '4': case '5': case '6': case '7':
      n = 3, base = 8, max_val = 255;
      break;
    case 'x':
      ch = NextRune();
      n = 2, base = 16, max_val = 255;
      break;
    case 'u':
      ch = NextRune();
      n = 4, base = 16, max_val = 0x10FFFF;
      break;
    case 'U':
      ch = NextRune();
      n = 8, base = 16, max_val = 0x10FFFF;
      break;
    case kEofRune:
      Errorf("escape sequence not terminated");
      return State::kString;
    default:
      if (ch == string_open_) return State::kString;
      Errorf("unknown escape sequence " + GoRuneU(ch));
      return State::kString;
  }
  uint32_t x = 0;
  while (n > 0) {
    auto d = static_cast<uint32_t>(DigitVal(ch));
    if (d >= base) {
      if (ch == kEofRune) {
        Errorf("escape sequence not terminated");
        return State::kString;
      }
      Errorf("illegal character " + GoRuneU(ch) + " in escape sequence");
      return State::kString;
    }
    x = x * base + d;
    n--;
    if (n > 0) ch = NextRune();
  }
  if (x > max_val || (x >= 0xD800 && x < 0xE000)) {
    Errorf("escape sequence is an invalid Unicode code point");
  }
  return State::kString;
}

bool Lexer::ScanNumber() {
  const int32_t initial = pos_;
  std::string_view digits = "0123456789";
  if (Accept("0") && Accept("xX")) {
    Accept("_");  // 0X_1FFF
    digits = "0123456789abcdefABCDEF";
  }
  const bool hex = digits.size() > 10;
  // Every rune that may continue a number: digits, ".", "_", exponent.
  std::string_view all = hex ? "0123456789abcdefABCDEF._eE" : "0123456789._eE";
  Accept(".");
  Accept(digits);
  bool dot_consumed = false;
  bool exponent_consumed = false;
  // The same checks, in the same order, as Prometheus' scanner; in hex mode
  // "e" is tried as an exponent before it is taken as a digit, exactly as
  // there (so "0xee" is rejected by both).
  while (Is(all)) {
    if (Is(".") && dot_consumed) {
      Accept(".");
      return false;
    }
    if (Is("eE") && exponent_consumed) {
      Accept("eE");
      return false;
    }
    if (Accept(".")) {
      dot_consumed = true;
      if (Accept("_.")) return false;
      if (hex) return false;  // no fractional hexadecimal literals
      continue;
    }
    if (Accept("eE")) {
      exponent_consumed = true;
      Accept("+-");
      if (Accept("._eE") || PeekRune() == kEofRune) return false;
      continue;
    }
    if (Accept("_")) {
      if (Accept("._eE") || PeekRune() == kEofRune) return false;
      continue;
    }
    AcceptRun(digits);
  }
  if (pos_ == initial) return false;
  return !IsAlphaNumeric(PeekRune());
}

bool Lexer::AcceptRemainingDuration() {
  if (!Accept("smhdwy")) return false;
  Accept("s");  // "ms"; bad units such as "hs" are rejected when parsed
  while (Accept("0123456789")) {
    while (Accept("0123456789")) {
    }
    if (!Accept("smhdw")) return false;
    Accept("s");
  }
  return !IsAlphaNumeric(NextRune());
}

Lexer::State Lexer::LexNumberOrDuration() {
  if (ScanNumber()) {
    Emit(ItemType::kNumber);
    return State::kStatements;
  }
  if (AcceptRemainingDuration()) {
    Backup();
    Emit(ItemType::kDuration);
    return State::kStatements;
  }
  return Errorf("bad number or duration syntax: " +
                GoQuote(input_.substr(static_cast<size_t>(start_), static_cast<size_t>(pos_ - start_))));
}

bool Lexer::ScanDurationKeyword() {
  for (;;) {
    int32_t r = NextRune();
    if (IsAlpha(r)) continue;
    Backup();
    std::string_view word = input_.substr(static_cast<size_t>(start_), static_cast<size_t>(pos_ - start_));
    ItemType t;
    if (LookupKeyword(word, &t) &&
        (t == ItemType::kStep || t == ItemType::kRange || t == ItemType::kMaxOf || t == ItemType::kMinOf)) {
      Emit(t);
      return true;
    }
    return false;
  }
}

bool Lexer::PeekFollowedByLeftParen() const {
  for (size_t i = static_cast<size_t>(pos_); i < input_.size(); i++) {
    if (!IsSpaceRune(static_cast<unsigned char>(input_[i]))) return input_[i] == '(';
  }
  return false;
}

Lexer::State Lexer::LexKeywordOrIdentifier() {
  for (;;) {
    int32_t r = NextRune();
    if (IsAlphaNumeric(r) || r == ':') continue;
    Backup();
    std::string_view word = input_.substr(static_cast<size_t>(start_), static_cast<size_t>(pos_ - start_));
    ItemType kw;
    if (LookupKeyword(word, &kw)) {
      // fill/fill_left/fill_right are keywords only before "(", so that
      // existing metrics with those names keep working.
      if ((kw == ItemType::kFill || kw == ItemType::kFillLeft || kw == ItemType::kFillRight) &&
          !PeekFollowedByLeftParen()) {
        Emit(ItemType::kIdentifier);
      } else {
        Emit(kw);
      }
    } else if (word.find(':') == std::string_view::npos) {
      Emit(ItemType::kIdentifier);
    } else {
      Emit(ItemType::kMetricIdentifier);
    }
    return State::kStatements;
  }
}

Lexer::State Lexer::LexIdentifier() {
  while (IsAlphaNumeric(NextRune())) {
  }
  Backup();
  Emit(ItemType::kIdentifier);
  return State::kStatements;
}

Lexer::State Lexer::LexDurationExpr() {
  int32_t r = NextRune();
  switch (r) {
    case kEofRune:
      return Errorf("unexpected end of input in duration expression");
    case ']':
      Emit(ItemType::kRightBracket);
      bracket_open_ = false;
      got_colon_ = false;
      return State::kStatements;
    case ':':
      Emit(ItemType::kColon);
      if (!got_duration_) return Errorf("unexpected colon before duration in duration expression");
      if (got_colon_) return Errorf("unexpected repeated colon in duration expression");
      got_colon_ = true;
      return State::kDurationExpr;
    case '(':
      Emit(ItemType::kLeftParen);
      paren_depth_++;
      return State::kDurationExpr;
    case ')':
      Emit(ItemType::kRightParen);
      paren_depth_--;
      if (paren_depth_ < 0) return Errorf("unexpected right parenthesis " + GoQuoteRune(r));
      return State::kDurationExpr;
    case '+': Emit(ItemType::kAdd); return State::kDurationExpr;
    case '-': Emit(ItemType::kSub); return State::kDurationExpr;
    case '*': Emit(ItemType::kMul); return State::kDurationExpr;
    case '/': Emit(ItemType::kDiv); return State::kDurationExpr;
    case '%': Emit(ItemType::kMod); return State::kDurationExpr;
    case '^': Emit(ItemType::kPow); return State::kDurationExpr;
    case ',': Emit(ItemType::kComma); return State::kDurationExpr;
    default:
      break;
  }
  if (IsSpaceRune(r)) {
    SkipSpaces();
    return State::kDurationExpr;
  }
  if (IsDurationKeywordStart(r)) {
    if (ScanDurationKeyword()) return State::kDurationExpr;
    return Errorf("unexpected character in duration expression: " + GoQuoteRune(r));
  }
  if (IsDigit(r) || (r == '.' && IsDigit(PeekRune()))) {
    Backup();
    got_duration_ = true;
    return State::kNumberOrDuration;
  }
  return Errorf("unexpected character in duration expression: " + GoQuoteRune(r));
}

}  // namespace promlite::promql::parser
