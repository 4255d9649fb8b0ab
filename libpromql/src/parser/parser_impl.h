// The recursive-descent / precedence-climbing PromQL parser.
//
// Prometheus generates its parser with yacc; this one is written by hand but
// reproduces the grammar's behaviour, including the places where yacc's
// conflict resolution decides the shape of the tree (postfix modifiers bind
// tightest, unary minus binds like `*`, an offset takes a single literal
// unless it starts with a parenthesis) and the error message each grammar
// context produces ("... in grouping opts, expected label").
//
// Semantic errors (unknown function, bad duration, ...) are collected and
// parsing goes on, as in Prometheus; the first syntax or lexer error stops it.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "parser/lexer.h"
#include "promlite/promql/ast.h"
#include "promlite/promql/parser.h"

namespace promlite::promql::parser {

class Parser {
 public:
  Parser(std::string_view input, const ParseOptions& options);

  // A whole query; nullptr when any error was found.
  ExprPtr ParseQuery();
  // A series selector only (no type checks), for match[].
  bool ParseSelector(std::vector<tsdb::Matcher>* out);

  std::vector<ParseErrorItem>& errors() { return errors_; }

 private:
  // A grammar context whose syntax errors get a specific message.
  struct ErrorContext {
    std::string_view context;
    std::string_view expected;
  };

  // Tokens.
  const Item& Cur() const { return cur_; }
  ItemType CurType() const { return cur_.type; }
  Item Consume();
  void Advance();

  // Errors.
  void AddError(PositionRange r, std::string msg);
  void AddError(const Item& it, std::string msg) { AddError({it.pos, it.end()}, std::move(msg)); }
  // A syntax error at the current token: "unexpected <token> in <context>,
  // expected <expected>". Stops the parse.
  void Unexpected(ErrorContext ctx = {});
  bool Failed() const { return aborted_; }
  bool Enter();  // recursion guard; false (and a parse error) when too deep
  void Leave() { depth_--; }
  bool CheckDepth(int depth);

  // Expressions.
  ExprPtr ParseExpr(int min_prec);
  ExprPtr ParseUnary();
  ExprPtr ParsePrimary();
  ExprPtr ParsePostfix(ExprPtr e);
  ExprPtr ParseNumberToken(const Item& tok);
  ExprPtr ParseVectorSelector(const Item* name_tok);
  bool ParseLabelMatchers(std::vector<tsdb::Matcher>* out, int32_t* end);
  ExprPtr ParseFunctionCall(const Item& name_tok);
  bool ParseCallArgs(std::vector<ExprPtr>* args, int* max_depth);
  ExprPtr ParseAggregate(const Item& op_tok);
  bool ParseGroupingLabels(std::vector<std::string>* out);
  bool ParseBinaryModifiers(BinaryExpr* b);
  bool ParseFillValue(double* out);

  // Modifiers and durations (parser_durations.cc).
  ExprPtr ParseRangeOrSubquery(ExprPtr e);
  bool ParseOffset(Expr* e);
  bool ParseAt(Expr* e);
  void SetAnchoredOrSmoothed(Expr* e, bool anchored);
  ExprPtr ParseDurationExpr(int min_prec, ErrorContext ctx);
  ExprPtr ParseDurationPrimary(ErrorContext ctx);
  ExprPtr ContinueDurationExpr(ExprPtr lhs, int min_prec, ErrorContext ctx);
  ExprPtr ParseOffsetDuration();
  ExprPtr NumberDurationLiteral(ErrorContext ctx);
  ExprPtr CheckedDurationLiteral(ExprPtr nl);
  ExprPtr ApplyUnaryToDuration(const Item& op, ExprPtr e, bool wrapped);
  ExprPtr WrapParenDuration(ExprPtr e, int32_t start, int32_t end);
  ExprPtr PositiveDuration(ExprPtr e);
  void ExperimentalDuration(const Expr& e);
  bool ParseSignedNumber(double* out);

  // Type checking (checker.cc): Prometheus' checkAST.
  ValueType Check(Expr* e);
  void ExpectType(Expr* e, ValueType want, std::string_view context);
  void CheckBinary(BinaryExpr* b);
  void CheckCall(Call* c);
  void CheckVectorSelector(VectorSelector* vs);

  std::string_view input_;
  ParseOptions options_;
  Lexer lexer_;
  Item cur_;
  bool cur_is_error_ = false;  // cur_ stands for a lexer error (reported already)
  int32_t last_end_ = 0;       // end of the last consumed token
  int last_depth_ = 0;         // tree depth of the expression just parsed
  int depth_ = 0;              // recursion depth of the parser
  bool aborted_ = false;
  std::vector<ParseErrorItem> errors_;
};

// Go's %q of s.
std::string Q(std::string_view s);

}  // namespace promlite::promql::parser
