#include <algorithm>
#include <cmath>
#include <utility>

#include "absl/strings/str_cat.h"
#include "parser/functions.h"
#include "parser/go_format.h"
#include "parser/literals.h"
#include "parser/parser_impl.h"
#include "promlite/tsdb/labels.h"

namespace promlite::promql::parser {

std::string Q(std::string_view s) { return GoQuote(s); }

namespace {

// Binary operator precedence, lowest first; 0 means "not a binary operator".
int BinaryPrecedence(ItemType t) {
  switch (t) {
    case ItemType::kLor: return 1;
    case ItemType::kLand: case ItemType::kLunless: return 2;
    case ItemType::kEqlc: case ItemType::kNeq: case ItemType::kLte: case ItemType::kLss:
    case ItemType::kGte: case ItemType::kGtr: case ItemType::kTrimUpper: case ItemType::kTrimLower:
      return 3;
    case ItemType::kAdd: case ItemType::kSub: return 4;
    case ItemType::kMul: case ItemType::kDiv: case ItemType::kMod: case ItemType::kAtan2: return 5;
    case ItemType::kPow: return 6;
    default: return 0;
  }
}
// A unary operator binds like `*`: its operand takes only `^` and postfix
// modifiers.
constexpr int kUnaryOperandPrec = 6;

BinaryOp ToBinaryOp(ItemType t) {
  switch (t) {
    case ItemType::kAdd: return BinaryOp::kAdd;
    case ItemType::kSub: return BinaryOp::kSub;
    case ItemType::kMul: return BinaryOp::kMul;
    case ItemType::kDiv: return BinaryOp::kDiv;
    case ItemType::kMod: return BinaryOp::kMod;
    case ItemType::kPow: return BinaryOp::kPow;
    case ItemType::kAtan2: return BinaryOp::kAtan2;
    case ItemType::kEqlc: return BinaryOp::kEql;
    case ItemType::kNeq: return BinaryOp::kNeq;
    case ItemType::kGtr: return BinaryOp::kGtr;
    case ItemType::kLss: return BinaryOp::kLss;
    case ItemType::kGte: return BinaryOp::kGte;
    case ItemType::kLte: return BinaryOp::kLte;
    case ItemType::kTrimUpper: return BinaryOp::kTrimUpper;
    case ItemType::kTrimLower: return BinaryOp::kTrimLower;
    case ItemType::kLand: return BinaryOp::kAnd;
    case ItemType::kLor: return BinaryOp::kOr;
    case ItemType::kLunless: return BinaryOp::kUnless;
    default: return BinaryOp::kAdd;
  }
}

AggregateOp ToAggregateOp(ItemType t) {
  switch (t) {
    case ItemType::kSum: return AggregateOp::kSum;
    case ItemType::kAvg: return AggregateOp::kAvg;
    case ItemType::kCount: return AggregateOp::kCount;
    case ItemType::kMin: return AggregateOp::kMin;
    case ItemType::kMax: return AggregateOp::kMax;
    case ItemType::kGroup: return AggregateOp::kGroup;
    case ItemType::kStddev: return AggregateOp::kStddev;
    case ItemType::kStdvar: return AggregateOp::kStdvar;
    case ItemType::kTopk: return AggregateOp::kTopk;
    case ItemType::kBottomk: return AggregateOp::kBottomk;
    case ItemType::kCountValues: return AggregateOp::kCountValues;
    case ItemType::kQuantile: return AggregateOp::kQuantile;
    case ItemType::kLimitk: return AggregateOp::kLimitk;
    case ItemType::kLimitRatio: return AggregateOp::kLimitRatio;
    default: return AggregateOp::kSum;
  }
}

// Keywords that may also name a metric (the grammar's metric_identifier).
bool IsMetricKeyword(ItemType t) {
  if (IsAggregator(t)) return true;
  switch (t) {
    case ItemType::kBy: case ItemType::kFill: case ItemType::kFillLeft: case ItemType::kFillRight:
    case ItemType::kLand: case ItemType::kLor: case ItemType::kLunless: case ItemType::kOffset:
    case ItemType::kWithout: case ItemType::kStart: case ItemType::kEnd: case ItemType::kStep:
    case ItemType::kRange: case ItemType::kAnchored: case ItemType::kSmoothed: case ItemType::kMaxOf:
    case ItemType::kMinOf:
      return true;
    default:
      return false;
  }
}

// Tokens accepted as a label name in by/without/on/ignoring/group_x lists
// (the grammar's maybe_label): keywords are label names there.
bool IsMaybeLabel(ItemType t) {
  if (t == ItemType::kIdentifier || t == ItemType::kMetricIdentifier) return true;
  if (IsAggregator(t)) return true;
  switch (t) {
    case ItemType::kBool: case ItemType::kBy: case ItemType::kGroupLeft: case ItemType::kGroupRight:
    case ItemType::kFill: case ItemType::kFillLeft: case ItemType::kFillRight: case ItemType::kIgnoring:
    case ItemType::kLand: case ItemType::kLor: case ItemType::kLunless: case ItemType::kOffset:
    case ItemType::kOn: case ItemType::kStart: case ItemType::kEnd: case ItemType::kAtan2:
    case ItemType::kStep: case ItemType::kRange: case ItemType::kAnchored: case ItemType::kSmoothed:
    case ItemType::kMaxOf: case ItemType::kMinOf:
      return true;
    default:
      return false;
  }
}

constexpr std::string_view kRegexPrefix = "error parsing regexp: ";

// RE2 words its errors differently from Go's regexp package; users see Go's
// wording from Prometheus, so translate the common codes.
std::string GoRegexError(std::string_view msg) {
  if (!msg.starts_with(kRegexPrefix)) return std::string(msg);
  std::string_view rest = msg.substr(kRegexPrefix.size());
  std::string_view code = rest;
  std::string_view arg;
  if (size_t colon = rest.find(": "); colon != std::string_view::npos) {
    code = rest.substr(0, colon);
    arg = rest.substr(colon + 2);
  }
  static constexpr std::pair<std::string_view, std::string_view> kCodes[] = {
      {"missing ]", "missing closing ]"},
      {"missing )", "missing closing )"},
      {"unexpected )", "unexpected )"},
      {"trailing \\", "trailing backslash at end of expression"},
      {"no argument for repetition operator", "missing argument to repetition operator"},
      {"invalid repetition size", "invalid repeat count"},
      {"bad repetition operator", "invalid nested repetition operator"},
      {"invalid perl operator", "invalid or unsupported Perl syntax"},
      {"invalid named capture group", "invalid named capture"},
  };
  std::string go_code(code);
  for (const auto& [re2, go] : kCodes) {
    if (code == re2) go_code = std::string(go);
  }
  if (arg.empty()) return absl::StrCat(std::string(kRegexPrefix), go_code);
  return absl::StrCat(std::string(kRegexPrefix), go_code, ": `", std::string(arg), "`");
}

}  // namespace

Parser::Parser(std::string_view input, const ParseOptions& options)
    : input_(input), options_(options), lexer_(input) {
  Advance();
}

void Parser::Advance() {
  if (cur_is_error_) return;  // the lexer stopped; stay at "end of input"
  do {
    lexer_.Next(&cur_);
  } while (cur_.type == ItemType::kComment);
  if (cur_.type == ItemType::kError) {
    // Prometheus reports a lexer error from the start of the item being
    // scanned to the end of the input, then sees the end of the input.
    errors_.push_back({{lexer_.start(), static_cast<int32_t>(input_.size())}, std::string(cur_.val)});
    cur_is_error_ = true;
    cur_.type = ItemType::kEOF;
    cur_.pos = static_cast<int32_t>(input_.size());
    cur_.val = {};
  }
}

Item Parser::Consume() {
  Item it = cur_;
  last_end_ = it.end();
  Advance();
  return it;
}

void Parser::AddError(PositionRange r, std::string msg) {
  // Prometheus can produce inverted ranges for nodes it replaced after an
  // earlier error (a literal reset to 0 keeps only a new start); keep every
  // range well-formed and inside the query.
  const auto size = static_cast<int32_t>(input_.size());
  r.start = std::clamp(r.start, 0, size);
  r.end = std::clamp(r.end, r.start, size);
  errors_.push_back({r, std::move(msg)});
}

void Parser::Unexpected(ErrorContext ctx) {
  aborted_ = true;
  if (cur_is_error_) return;  // the lexer error is the one to report
  std::string msg = "unexpected " + DescribeItem(cur_);
  if (!ctx.context.empty()) absl::StrAppend(&msg, " in ", std::string(ctx.context));
  if (!ctx.expected.empty()) absl::StrAppend(&msg, ", expected ", std::string(ctx.expected));
  AddError(cur_, std::move(msg));
}

bool Parser::CheckDepth(int depth) {
  if (depth <= options_.max_depth) return true;
  if (!aborted_) {
    AddError({cur_.pos, cur_.end()},
             absl::StrCat("query is too deeply nested: more than ", options_.max_depth, " levels"));
  }
  aborted_ = true;
  return false;
}

bool Parser::Enter() {
  depth_++;
  if (depth_ > options_.max_depth) {
    CheckDepth(depth_);
    return false;
  }
  return true;
}

ExprPtr Parser::ParseQuery() {
  if (CurType() == ItemType::kEOF) {
    if (!cur_is_error_) AddError({0, 0}, "no expression found in input");
    return nullptr;
  }
  ExprPtr e = ParseExpr(0);
  if (aborted_ || !e) return nullptr;
  if (CurType() != ItemType::kEOF) {
    Unexpected();
    return nullptr;
  }
  if (!errors_.empty()) return nullptr;
  Check(e.get());
  if (!errors_.empty()) return nullptr;
  return e;
}

ExprPtr Parser::ParseExpr(int min_prec) {
  if (!Enter()) return nullptr;
  ExprPtr lhs = ParseUnary();
  int lhs_depth = last_depth_;
  while (lhs && !aborted_) {
    const ItemType t = CurType();
    const int prec = BinaryPrecedence(t);
    if (prec == 0 || prec < min_prec) break;
    Consume();
    auto b = std::make_unique<BinaryExpr>();
    b->op = ToBinaryOp(t);
    if (!ParseBinaryModifiers(b.get())) {
      lhs = nullptr;
      break;
    }
    // `^` is right-associative, everything else left-associative.
    ExprPtr rhs = ParseExpr(t == ItemType::kPow ? prec : prec + 1);
    if (!rhs) {
      lhs = nullptr;
      break;
    }
    const int depth = std::max(lhs_depth, last_depth_) + 1;
    b->lhs = std::move(lhs);
    b->rhs = std::move(rhs);
    if (!options_.enable_binop_fill_modifiers && b->matching &&
        (b->matching->fill_lhs || b->matching->fill_rhs)) {
      AddError(b->Range(), "binop fill modifiers are experimental and not enabled");
    }
    lhs = std::move(b);
    lhs_depth = depth;
    if (!CheckDepth(depth)) lhs = nullptr;
  }
  last_depth_ = lhs_depth;
  Leave();
  return aborted_ ? nullptr : std::move(lhs);
}

ExprPtr Parser::ParseUnary() {
  if (CurType() == ItemType::kAdd || CurType() == ItemType::kSub) {
    const Item op = Consume();
    ExprPtr operand = ParseExpr(kUnaryOperandPrec);
    if (!operand) return nullptr;
    if (auto* nl = operand->As<NumberLiteral>()) {
      // A sign directly on a number becomes part of the literal.
      if (op.type == ItemType::kSub) nl->value = -nl->value;
      nl->pos.start = op.pos;
      return operand;
    }
    auto u = std::make_unique<UnaryExpr>();
    u->op = op.type == ItemType::kSub ? UnaryOp::kMinus : UnaryOp::kPlus;
    u->pos = {op.pos, op.pos};
    u->expr = std::move(operand);
    last_depth_++;
    if (!CheckDepth(last_depth_)) return nullptr;
    return u;
  }
  ExprPtr e = ParsePrimary();
  if (!e) return nullptr;
  return ParsePostfix(std::move(e));
}

ExprPtr Parser::ParseNumberToken(const Item& tok) {
  auto nl = std::make_unique<NumberLiteral>();
  nl->pos = {tok.pos, tok.end()};
  if (tok.type == ItemType::kDuration) {
    nl->is_duration = true;
    int64_t ns = 0;
    std::string err;
    if (!ParseDurationLiteral(tok.val, &ns, &err)) {
      AddError(tok, err);
      ns = 0;
    }
    nl->value = static_cast<double>(ns) / 1e9;
  } else {
    std::string err;
    if (!ParseNumberLiteral(tok.val, &nl->value, &err)) {
      AddError(tok, "error parsing number: " + err);
    }
  }
  return nl;
}

ExprPtr Parser::ParsePrimary() {
  last_depth_ = 1;
  const ItemType t = CurType();
  switch (t) {
    case ItemType::kNumber:
    case ItemType::kDuration: {
      const Item tok = Consume();
      return ParseNumberToken(tok);
    }
    case ItemType::kString: {
      const Item tok = Consume();
      auto s = std::make_unique<StringLiteral>();
      s->pos = {tok.pos, tok.end()};
      if (!UnquoteString(tok.val, &s->value)) AddError(tok, "error unquoting string " + Q(tok.val));
      return s;
    }
    case ItemType::kLeftParen: {
      const Item lp = Consume();
      ExprPtr inner = ParseExpr(0);
      if (!inner) return nullptr;
      const int depth = last_depth_ + 1;
      if (CurType() != ItemType::kRightParen) {
        Unexpected();
        return nullptr;
      }
      const Item rp = Consume();
      auto p = std::make_unique<ParenExpr>();
      p->pos = {lp.pos, rp.end()};
      p->expr = std::move(inner);
      last_depth_ = depth;
      if (!CheckDepth(depth)) return nullptr;
      return p;
    }
    case ItemType::kLeftBrace:
      return ParseVectorSelector(nullptr);
    case ItemType::kIdentifier: {
      const Item tok = Consume();
      if (CurType() == ItemType::kLeftParen) return ParseFunctionCall(tok);
      return ParseVectorSelector(&tok);
    }
    case ItemType::kMetricIdentifier: {
      const Item tok = Consume();
      return ParseVectorSelector(&tok);
    }
    default:
      break;
  }
  if (IsAggregator(t)) {
    const Item tok = Consume();
    const ItemType next = CurType();
    if (next == ItemType::kBy || next == ItemType::kWithout || next == ItemType::kLeftParen) {
      return ParseAggregate(tok);
    }
    return ParseVectorSelector(&tok);
  }
  if (t == ItemType::kStart || t == ItemType::kEnd || t == ItemType::kStep || t == ItemType::kRange ||
      t == ItemType::kMaxOf || t == ItemType::kMinOf) {
    const Item tok = Consume();
    if (CurType() == ItemType::kLeftParen) return ParseFunctionCall(tok);
    return ParseVectorSelector(&tok);
  }
  if (IsMetricKeyword(t)) {
    const Item tok = Consume();
    return ParseVectorSelector(&tok);
  }
  Unexpected();
  return nullptr;
}

ExprPtr Parser::ParsePostfix(ExprPtr e) {
  // Ranges, subqueries, offset, @, anchored and smoothed bind tighter than
  // any operator, so they apply to the primary expression just parsed.
  for (;;) {
    switch (CurType()) {
      case ItemType::kLeftBracket: {
        Consume();
        const int depth = last_depth_ + 1;
        e = ParseRangeOrSubquery(std::move(e));
        if (!e) return nullptr;
        last_depth_ = depth;
        if (!CheckDepth(depth)) return nullptr;
        break;
      }
      case ItemType::kOffset:
        Consume();
        if (!ParseOffset(e.get())) return nullptr;
        break;
      case ItemType::kAt:
        Consume();
        if (!ParseAt(e.get())) return nullptr;
        break;
      case ItemType::kAnchored:
        Consume();
        SetAnchoredOrSmoothed(e.get(), true);
        break;
      case ItemType::kSmoothed:
        Consume();
        SetAnchoredOrSmoothed(e.get(), false);
        break;
      default:
        return e;
    }
  }
}

ExprPtr Parser::ParseVectorSelector(const Item* name_tok) {
  auto vs = std::make_unique<VectorSelector>();
  int32_t start = name_tok ? name_tok->pos : cur_.pos;
  int32_t end = name_tok ? name_tok->end() : cur_.pos;
  if (name_tok) vs->name = std::string(name_tok->val);
  if (CurType() == ItemType::kLeftBrace) {
    if (!ParseLabelMatchers(&vs->matchers, &end)) return nullptr;
  }
  if (!vs->name.empty()) {
    // The name written before the braces becomes the last matcher.
    vs->matchers.push_back(tsdb::Matcher::MustMake(tsdb::MatchType::kEqual, tsdb::kMetricName, vs->name));
  }
  vs->pos = {start, end};
  last_depth_ = 1;
  return vs;
}

bool Parser::ParseLabelMatchers(std::vector<tsdb::Matcher>* out, int32_t* end) {
  static constexpr ErrorContext kAfterMatcher{"label matching", "\",\" or \"}\""};
  static constexpr ErrorContext kMatcherStart{"label matching", "identifier or \"}\""};
  static constexpr ErrorContext kNeedOp{"label matching", "label matching operator"};
  static constexpr ErrorContext kNeedString{"label matching", "string"};
  Consume();  // {
  if (CurType() == ItemType::kRightBrace) {
    *end = Consume().end();
    return true;
  }
  for (;;) {
    Item name_tok;
    std::string name;
    if (CurType() == ItemType::kIdentifier) {
      name_tok = Consume();
      name = std::string(name_tok.val);
      if (CurType() != ItemType::kEql && CurType() != ItemType::kNeq && CurType() != ItemType::kEqlRegex &&
          CurType() != ItemType::kNeqRegex) {
        Unexpected(kNeedOp);
        return false;
      }
    } else if (CurType() == ItemType::kString) {
      name_tok = Consume();
      if (!UnquoteString(name_tok.val, &name)) AddError(name_tok, "error unquoting string " + Q(name_tok.val));
    } else {
      Unexpected(kMatcherStart);
      return false;
    }
    const ItemType op = CurType();
    if (op == ItemType::kEql || op == ItemType::kNeq || op == ItemType::kEqlRegex || op == ItemType::kNeqRegex) {
      Consume();
      if (CurType() != ItemType::kString) {
        Unexpected(kNeedString);
        return false;
      }
      const Item val_tok = Consume();
      std::string value;
      if (!UnquoteString(val_tok.val, &value)) AddError(val_tok, "error unquoting string " + Q(val_tok.val));
      tsdb::MatchType mt = op == ItemType::kEql     ? tsdb::MatchType::kEqual
                           : op == ItemType::kNeq   ? tsdb::MatchType::kNotEqual
                           : op == ItemType::kEqlRegex ? tsdb::MatchType::kRegexMatch
                                                      : tsdb::MatchType::kRegexNoMatch;
      auto m = tsdb::Matcher::Make(mt, name, value);
      if (!m.ok()) {
        AddError({name_tok.pos, val_tok.end()}, GoRegexError(std::string(m.status().message())));
      } else {
        out->push_back(*std::move(m));
      }
    } else {
      // A lone quoted name: {"my.metric"} selects the metric by name.
      out->push_back(tsdb::Matcher::MustMake(tsdb::MatchType::kEqual, tsdb::kMetricName, name));
    }
    if (CurType() == ItemType::kComma) {
      Consume();
      if (CurType() == ItemType::kRightBrace) {
        *end = Consume().end();
        return true;
      }
      continue;
    }
    if (CurType() == ItemType::kRightBrace) {
      *end = Consume().end();
      return true;
    }
    Unexpected(kAfterMatcher);
    return false;
  }
}

bool Parser::ParseCallArgs(std::vector<ExprPtr>* args, int* max_depth) {
  Consume();  // (
  *max_depth = 0;
  if (CurType() == ItemType::kRightParen) {
    Consume();
    return true;
  }
  for (;;) {
    ExprPtr arg = ParseExpr(0);
    if (!arg) return false;
    *max_depth = std::max(*max_depth, last_depth_);
    args->push_back(std::move(arg));
    if (CurType() == ItemType::kComma) {
      const Item comma = Consume();
      if (CurType() == ItemType::kRightParen) {
        AddError(comma, "trailing commas not allowed in function call args");
        Consume();
        return true;
      }
      continue;
    }
    if (CurType() == ItemType::kRightParen) {
      Consume();
      return true;
    }
    Unexpected();
    return false;
  }
}

ExprPtr Parser::ParseFunctionCall(const Item& name_tok) {
  if (!Enter()) return nullptr;
  auto call = std::make_unique<Call>();
  int depth = 0;
  const bool ok = ParseCallArgs(&call->args, &depth);
  Leave();
  if (!ok) return nullptr;
  call->pos = {name_tok.pos, last_end_};
  call->func = LookupFunction(name_tok.val);
  if (call->func == nullptr) {
    AddError(name_tok, "unknown function with name " + Q(name_tok.val));
  } else if (call->func->experimental && !options_.enable_experimental_functions) {
    AddError(name_tok, "function " + Q(name_tok.val) + " is not enabled");
  }
  last_depth_ = depth + 1;
  if (!CheckDepth(last_depth_)) return nullptr;
  return call;
}

bool Parser::ParseGroupingLabels(std::vector<std::string>* out) {
  static constexpr ErrorContext kNeedParen{"grouping opts", "\"(\""};
  static constexpr ErrorContext kNeedLabel{"grouping opts", "label"};
  static constexpr ErrorContext kAfterLabel{"grouping opts", "\",\" or \")\""};
  if (CurType() != ItemType::kLeftParen) {
    Unexpected(kNeedParen);
    return false;
  }
  Consume();
  out->clear();
  if (CurType() == ItemType::kRightParen) {
    Consume();
    return true;
  }
  for (;;) {
    if (CurType() == ItemType::kString) {
      const Item tok = Consume();
      std::string name;
      if (!UnquoteString(tok.val, &name)) AddError(tok, "error unquoting string " + Q(tok.val));
      if (!tsdb::IsValidLabelName(name)) AddError(tok, "invalid label name for grouping: " + Q(name));
      out->push_back(std::move(name));
    } else if (IsMaybeLabel(CurType())) {
      const Item tok = Consume();
      if (!tsdb::IsValidLabelName(tok.val)) AddError(tok, "invalid label name for grouping: " + Q(tok.val));
      out->emplace_back(tok.val);
    } else {
      Unexpected(kNeedLabel);
      return false;
    }
    if (CurType() == ItemType::kComma) {
      Consume();
      if (CurType() == ItemType::kRightParen) {
        Consume();
        return true;
      }
      continue;
    }
    if (CurType() == ItemType::kRightParen) {
      Consume();
      return true;
    }
    Unexpected(kAfterLabel);
    return false;
  }
}

ExprPtr Parser::ParseAggregate(const Item& op_tok) {
  auto agg = std::make_unique<AggregateExpr>();
  agg->op = ToAggregateOp(op_tok.type);
  bool have_modifier = false;
  auto parse_modifier = [&]() {
    agg->without = CurType() == ItemType::kWithout;
    Consume();
    have_modifier = true;
    return ParseGroupingLabels(&agg->grouping);
  };
  if (CurType() == ItemType::kBy || CurType() == ItemType::kWithout) {
    if (!parse_modifier()) return nullptr;
  }
  if (CurType() != ItemType::kLeftParen) {
    Unexpected();
    return nullptr;
  }
  std::vector<ExprPtr> args;
  int depth = 0;
  if (!Enter()) return nullptr;
  const bool ok = ParseCallArgs(&args, &depth);
  Leave();
  if (!ok) return nullptr;
  if (!have_modifier && (CurType() == ItemType::kBy || CurType() == ItemType::kWithout)) {
    if (!parse_modifier()) return nullptr;
  }
  agg->pos = {op_tok.pos, last_end_};
  last_depth_ = depth + 1;
  if (!CheckDepth(last_depth_)) return nullptr;

  if (args.empty()) {
    AddError(agg->pos, "no arguments for aggregate expression provided");
    return agg;
  }
  size_t want = 1;
  if (AggregateOpHasParam(agg->op)) {
    if (!options_.enable_experimental_functions &&
        (agg->op == AggregateOp::kLimitk || agg->op == AggregateOp::kLimitRatio)) {
      AddError(agg->pos, absl::StrCat(std::string(AggregateOpString(agg->op)),
                                      "() is experimental and must be enabled with "
                                      "--enable-feature=promql-experimental-functions"));
      return agg;
    }
    want = 2;
    agg->param = std::move(args[0]);
  }
  if (args.size() != want) {
    AddError(agg->pos, absl::StrCat("wrong number of arguments for aggregate expression provided, expected ",
                                    want, ", got ", args.size()));
    return agg;
  }
  agg->expr = std::move(args[want - 1]);
  return agg;
}

bool Parser::ParseFillValue(double* out) {
  if (CurType() != ItemType::kLeftParen) {
    Unexpected();
    return false;
  }
  Consume();
  bool negate = false;
  int32_t sign_pos = -1;
  if (CurType() == ItemType::kAdd || CurType() == ItemType::kSub) {
    negate = CurType() == ItemType::kSub;
    sign_pos = Consume().pos;
  }
  (void)sign_pos;
  if (CurType() != ItemType::kNumber && CurType() != ItemType::kDuration) {
    Unexpected();
    return false;
  }
  ExprPtr nl = ParseNumberToken(Consume());
  *out = static_cast<NumberLiteral*>(nl.get())->value;
  if (negate) *out = -*out;
  if (CurType() != ItemType::kRightParen) {
    Unexpected();
    return false;
  }
  Consume();
  return true;
}

bool Parser::ParseBinaryModifiers(BinaryExpr* b) {
  VectorMatching vm;
  if (CurType() == ItemType::kBool) {
    Consume();
    b->return_bool = true;
  }
  if (CurType() == ItemType::kOn || CurType() == ItemType::kIgnoring) {
    vm.on = CurType() == ItemType::kOn;
    Consume();
    if (!ParseGroupingLabels(&vm.matching_labels)) return false;
    if (CurType() == ItemType::kGroupLeft || CurType() == ItemType::kGroupRight) {
      vm.card = CurType() == ItemType::kGroupLeft ? VectorMatchCardinality::kManyToOne
                                                  : VectorMatchCardinality::kOneToMany;
      Consume();
      if (CurType() == ItemType::kLeftParen && !ParseGroupingLabels(&vm.include)) return false;
    }
  }
  double v;
  if (CurType() == ItemType::kFill) {
    Consume();
    if (!ParseFillValue(&v)) return false;
    vm.fill_lhs = v;
    vm.fill_rhs = v;
  } else if (CurType() == ItemType::kFillLeft || CurType() == ItemType::kFillRight) {
    const bool left_first = CurType() == ItemType::kFillLeft;
    Consume();
    if (!ParseFillValue(&v)) return false;
    (left_first ? vm.fill_lhs : vm.fill_rhs) = v;
    const ItemType other = left_first ? ItemType::kFillRight : ItemType::kFillLeft;
    if (CurType() == other) {
      Consume();
      if (!ParseFillValue(&v)) return false;
      (left_first ? vm.fill_rhs : vm.fill_lhs) = v;
    }
  }
  b->matching = std::move(vm);
  return true;
}

bool Parser::ParseSelector(std::vector<tsdb::Matcher>* out) {
  const ItemType t = CurType();
  ExprPtr e;
  if (t == ItemType::kLeftBrace) {
    e = ParseVectorSelector(nullptr);
  } else if (t == ItemType::kIdentifier || t == ItemType::kMetricIdentifier || IsMetricKeyword(t)) {
    const Item tok = Consume();
    e = ParseVectorSelector(&tok);
  } else {
    Unexpected();
    return false;
  }
  if (!e || aborted_) return false;
  if (CurType() != ItemType::kEOF) {
    Unexpected();
    return false;
  }
  if (!errors_.empty()) return false;
  *out = std::move(static_cast<VectorSelector*>(e.get())->matchers);
  return true;
}

}  // namespace promlite::promql::parser
