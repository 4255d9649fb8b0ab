#include "rules/template/lexer.h"

#include <map>

#include "absl/strings/str_cat.h"
#include "parser/go_format.h"

namespace promlite::promql::tmpl {
namespace {

constexpr std::string_view kLeftDelim = "{{";
constexpr std::string_view kRightDelim = "}}";
constexpr std::string_view kLeftComment = "/*";
constexpr std::string_view kRightComment = "*/";
constexpr int32_t kEof = -1;

bool IsSpace(int32_t r) { return r == ' ' || r == '\t' || r == '\r' || r == '\n'; }

// Go's unicode.IsLetter / IsDigit, exact for ASCII; every non-ASCII rune
// that is not a space counts as a letter (identifiers never contain the
// punctuation Go would reject in practice).
bool IsAlphaNumeric(int32_t r) {
  if (r < 0) return false;
  if (r < 0x80) return r == '_' || (r >= 'a' && r <= 'z') || (r >= 'A' && r <= 'Z') || (r >= '0' && r <= '9');
  return r != 0x85 && r != 0xA0 && r != parser::kRuneError;
}

bool HasLeftTrimMarker(std::string_view s) { return s.size() >= 2 && s[0] == '-' && IsSpace(s[1]); }
bool HasRightTrimMarker(std::string_view s) { return s.size() >= 2 && IsSpace(s[0]) && s[1] == '-'; }

size_t RightTrimLength(std::string_view s) {
  size_t n = s.size();
  while (n > 0 && IsSpace(s[n - 1])) n--;
  return s.size() - n;
}

size_t LeftTrimLength(std::string_view s) {
  size_t n = 0;
  while (n < s.size() && IsSpace(s[n])) n++;
  return n;
}

const std::map<std::string_view, ItemType>& Keywords() {
  static const auto* k = new std::map<std::string_view, ItemType>{
      {".", ItemType::kDot},           {"block", ItemType::kBlock}, {"break", ItemType::kBreak},
      {"continue", ItemType::kContinue}, {"define", ItemType::kDefine}, {"else", ItemType::kElse},
      {"end", ItemType::kEnd},         {"if", ItemType::kIf},       {"range", ItemType::kRange},
      {"nil", ItemType::kNil},         {"template", ItemType::kTemplate}, {"with", ItemType::kWith},
  };
  return *k;
}

class Lexer {
 public:
  explicit Lexer(std::string_view in) : in_(in) {}

  std::vector<Item> Run() {
    bool done = false;
    while (!done) done = inside_ ? InsideAction() : LexText();
    return std::move(items_);
  }

 private:
  int32_t Next() {
    if (pos_ >= in_.size()) {
      width_ = 0;
      return kEof;
    }
    int w = 0;
    int32_t r = parser::DecodeRune(in_, pos_, &w);
    width_ = static_cast<size_t>(w);
    pos_ += width_;
    if (r == '\n') line_++;
    return r;
  }
  void Backup() {
    pos_ -= width_;
    if (width_ == 1 && in_[pos_] == '\n') line_--;
  }
  int32_t Peek() {
    int32_t r = Next();
    Backup();
    return r;
  }
  bool Accept(std::string_view valid) {
    int32_t r = Next();
    if (r >= 0 && r < 0x80 && valid.find(static_cast<char>(r)) != std::string_view::npos) return true;
    Backup();
    return false;
  }
  void AcceptRun(std::string_view valid) {
    for (;;) {
      int32_t r = Next();
      if (r >= 0 && r < 0x80 && valid.find(static_cast<char>(r)) != std::string_view::npos) continue;
      Backup();
      return;
    }
  }
  void Emit(ItemType t) {
    items_.push_back(Item{t, start_, std::string(in_.substr(start_, pos_ - start_)), start_line_});
    start_ = pos_;
    start_line_ = line_;
  }
  // Skips input that was not read with Next (so its newlines still count).
  void Ignore() {
    for (size_t i = start_; i < pos_; i++) line_ += in_[i] == '\n';
    start_ = pos_;
    start_line_ = line_;
  }
  // Emits an error item; the lexer stops.
  bool Error(std::string msg) {
    items_.push_back(Item{ItemType::kError, start_, std::move(msg), start_line_});
    return true;
  }

  // Returns true when lexing is over.
  bool LexText() {
    size_t x = in_.find(kLeftDelim, pos_);
    if (x != std::string_view::npos) {
      if (x > pos_) {
        pos_ = x;
        size_t trim = 0;
        if (HasLeftTrimMarker(in_.substr(pos_ + kLeftDelim.size()))) trim = RightTrimLength(in_.substr(start_, pos_ - start_));
        pos_ -= trim;
        for (size_t i = start_; i < pos_; i++) line_ += in_[i] == '\n';
        Item text{ItemType::kText, start_, std::string(in_.substr(start_, pos_ - start_)), start_line_};
        start_ = pos_;
        start_line_ = line_;
        pos_ += trim;
        Ignore();
        if (!text.val.empty()) items_.push_back(std::move(text));
      }
      return LeftDelim();
    }
    pos_ = in_.size();
    if (pos_ > start_) {
      for (size_t i = start_; i < pos_; i++) line_ += in_[i] == '\n';
      items_.push_back(Item{ItemType::kText, start_, std::string(in_.substr(start_)), start_line_});
      start_ = pos_;
      start_line_ = line_;
    }
    Emit(ItemType::kEOF);
    return true;
  }

  bool LeftDelim() {
    pos_ += kLeftDelim.size();
    bool trim = HasLeftTrimMarker(in_.substr(pos_));
    size_t after = trim ? 2 : 0;
    if (in_.substr(pos_ + after).substr(0, kLeftComment.size()) == kLeftComment) {
      pos_ += after;
      Ignore();
      return Comment();
    }
    items_.push_back(Item{ItemType::kLeftDelim, start_, std::string(kLeftDelim), start_line_});
    inside_ = true;
    pos_ += after;
    Ignore();
    paren_depth_ = 0;
    return false;
  }

  // At "}}" or " -}}"; *trim tells which.
  bool AtRightDelim(bool* trim) {
    std::string_view rest = in_.substr(pos_);
    if (HasRightTrimMarker(rest) && rest.substr(2).substr(0, kRightDelim.size()) == kRightDelim) {
      *trim = true;
      return true;
    }
    *trim = false;
    return rest.substr(0, kRightDelim.size()) == kRightDelim;
  }

  bool Comment() {
    pos_ += kLeftComment.size();
    size_t x = in_.find(kRightComment, pos_);
    if (x == std::string_view::npos) return Error("unclosed comment");
    pos_ = x + kRightComment.size();
    bool trim = false;
    if (!AtRightDelim(&trim)) return Error("comment ends before closing delimiter");
    if (trim) pos_ += 2;
    pos_ += kRightDelim.size();
    if (trim) pos_ += LeftTrimLength(in_.substr(pos_));
    Ignore();
    return false;
  }

  bool RightDelim() {
    bool trim = false;
    AtRightDelim(&trim);
    if (trim) {
      pos_ += 2;
      Ignore();
    }
    pos_ += kRightDelim.size();
    Emit(ItemType::kRightDelim);
    if (trim) {
      pos_ += LeftTrimLength(in_.substr(pos_));
      Ignore();
    }
    inside_ = false;
    return false;
  }

  bool InsideAction() {
    bool trim = false;
    if (AtRightDelim(&trim)) {
      if (paren_depth_ == 0) return RightDelim();
      return Error("unclosed left paren");
    }
    int32_t r = Next();
    if (r == kEof) return Error("unclosed action");
    if (IsSpace(r)) {
      Backup();
      return Space();
    }
    switch (r) {
      case '=':
        Emit(ItemType::kAssign);
        return false;
      case ':':
        if (Next() != '=') return Error("expected :=");
        Emit(ItemType::kDeclare);
        return false;
      case '|':
        Emit(ItemType::kPipe);
        return false;
      case '"':
        return Quote();
      case '`':
        return RawQuote();
      case '$':
        return Variable();
      case '\'':
        return CharConstant();
      case '(':
        paren_depth_++;
        Emit(ItemType::kLeftParen);
        return false;
      case ')':
        paren_depth_--;
        if (paren_depth_ < 0) return Error("unexpected right paren");
        Emit(ItemType::kRightParen);
        return false;
      default:
        break;
    }
    if (r == '.') {
      if (pos_ < in_.size() && (in_[pos_] < '0' || in_[pos_] > '9')) return FieldOrVariable(ItemType::kField);
      Backup();
      return Number();
    }
    if (r == '+' || r == '-' || (r >= '0' && r <= '9')) {
      Backup();
      return Number();
    }
    if (IsAlphaNumeric(r)) {
      Backup();
      return Identifier();
    }
    if (r < 0x80 && r >= 0x20 && r != 0x7F) {
      Emit(ItemType::kChar);
      return false;
    }
    return Error(absl::StrCat("unrecognized character in action: ", parser::GoRuneU(r)));
  }

  bool Space() {
    int spaces = 0;
    while (IsSpace(Peek())) {
      Next();
      spaces++;
    }
    // " -}}": the space belongs to the trim marker.
    std::string_view rest = in_.substr(pos_ - 1);
    if (HasRightTrimMarker(rest) && rest.substr(2).substr(0, kRightDelim.size()) == kRightDelim) {
      pos_--;
      if (in_[pos_] == '\n') line_--;
      if (spaces == 1) return RightDelim();
    }
    Emit(ItemType::kSpace);
    return false;
  }

  bool AtTerminator() {
    int32_t r = Peek();
    if (IsSpace(r)) return true;
    switch (r) {
      case kEof:
      case '.':
      case ',':
      case '|':
      case ':':
      case ')':
      case '(':
        return true;
      default:
        break;
    }
    return in_.substr(pos_).substr(0, kRightDelim.size()) == kRightDelim;
  }

  bool Identifier() {
    for (;;) {
      int32_t r = Next();
      if (IsAlphaNumeric(r)) continue;
      Backup();
      std::string_view word = in_.substr(start_, pos_ - start_);
      if (!AtTerminator()) return Error(absl::StrCat("bad character ", parser::GoRuneU(r)));
      auto it = Keywords().find(word);
      if (it != Keywords().end() && it->second != ItemType::kDot) {
        Emit(it->second);
      } else if (word == "true" || word == "false") {
        Emit(ItemType::kBool);
      } else {
        Emit(ItemType::kIdentifier);
      }
      return false;
    }
  }

  bool Variable() {
    if (AtTerminator()) {
      Emit(ItemType::kVariable);
      return false;
    }
    return FieldOrVariable(ItemType::kVariable);
  }

  bool FieldOrVariable(ItemType t) {
    if (AtTerminator()) {
      Emit(t == ItemType::kVariable ? ItemType::kVariable : ItemType::kDot);
      return false;
    }
    int32_t r;
    for (;;) {
      r = Next();
      if (!IsAlphaNumeric(r)) {
        Backup();
        break;
      }
    }
    if (!AtTerminator()) return Error(absl::StrCat("bad character ", parser::GoRuneU(r)));
    Emit(t);
    return false;
  }

  bool CharConstant() {
    for (;;) {
      int32_t r = Next();
      if (r == '\\') {
        int32_t e = Next();
        if (e != kEof && e != '\n') continue;
        return Error("unterminated character constant");
      }
      if (r == kEof || r == '\n') return Error("unterminated character constant");
      if (r == '\'') break;
    }
    Emit(ItemType::kCharConstant);
    return false;
  }

  bool ScanNumber() {
    Accept("+-");
    std::string_view digits = "0123456789_";
    if (Accept("0")) {
      if (Accept("xX")) {
        digits = "0123456789abcdefABCDEF_";
      } else if (Accept("oO")) {
        digits = "01234567_";
      } else if (Accept("bB")) {
        digits = "01_";
      }
    }
    AcceptRun(digits);
    if (Accept(".")) AcceptRun(digits);
    if (digits.size() == 11 && Accept("eE")) {
      Accept("+-");
      AcceptRun("0123456789_");
    }
    if (digits.size() == 23 && Accept("pP")) {
      Accept("+-");
      AcceptRun("0123456789_");
    }
    Accept("i");
    if (IsAlphaNumeric(Peek())) {
      Next();
      return false;
    }
    return true;
  }

  bool Number() {
    if (!ScanNumber()) {
      return Error(absl::StrCat("bad number syntax: ", parser::GoQuote(in_.substr(start_, pos_ - start_))));
    }
    int32_t sign = Peek();
    if (sign == '+' || sign == '-') {
      if (!ScanNumber() || in_[pos_ - 1] != 'i') {
        return Error(absl::StrCat("bad number syntax: ", parser::GoQuote(in_.substr(start_, pos_ - start_))));
      }
      Emit(ItemType::kComplex);
      return false;
    }
    Emit(ItemType::kNumber);
    return false;
  }

  bool Quote() {
    for (;;) {
      int32_t r = Next();
      if (r == '\\') {
        int32_t e = Next();
        if (e != kEof && e != '\n') continue;
        return Error("unterminated quoted string");
      }
      if (r == kEof || r == '\n') return Error("unterminated quoted string");
      if (r == '"') break;
    }
    Emit(ItemType::kString);
    return false;
  }

  bool RawQuote() {
    for (;;) {
      int32_t r = Next();
      if (r == kEof) return Error("unterminated raw quoted string");
      if (r == '`') break;
    }
    Emit(ItemType::kRawString);
    return false;
  }

  std::string_view in_;
  size_t pos_ = 0;
  size_t start_ = 0;
  size_t width_ = 0;
  int line_ = 1;
  int start_line_ = 1;
  int paren_depth_ = 0;
  bool inside_ = false;
  std::vector<Item> items_;
};

}  // namespace

std::string Item::Describe() const {
  if (type == ItemType::kEOF) return "EOF";
  if (type == ItemType::kError) return val;
  if (type > ItemType::kKeyword) return absl::StrCat("<", val, ">");
  // %.10q: at most ten runes, then quoted.
  size_t i = 0;
  int runes = 0;
  while (i < val.size() && runes < 10) {
    int w = 0;
    parser::DecodeRune(val, i, &w);
    i += static_cast<size_t>(w);
    runes++;
  }
  if (val.size() > 10) return parser::GoQuote(std::string_view(val).substr(0, i)) + "...";
  return parser::GoQuote(val);
}

std::vector<Item> Lex(std::string_view text) { return Lexer(text).Run(); }

}  // namespace promlite::promql::tmpl
