// A recursive-descent port of text/template/parse's grammar. Errors unwind
// with an exception that never leaves this file, as Go's parser panics and
// recovers at the top.
#include "rules/template/parse.h"

#include <cmath>
#include <cstdlib>

#include "absl/strings/str_cat.h"
#include "parser/go_format.h"
#include "rules/strings.h"
#include "rules/template/lexer.h"

namespace promlite::promql::tmpl {
namespace {

struct ParseFailure {
  std::string message;
};

// Deeper nesting of parentheses and control structures is refused so that
// no recursion (parsing, printing, execution) can exhaust the stack.
constexpr int kMaxDepth = 500;

// strconv.Unquote for "..." and `...` literals and '...' runes.
bool GoUnquote(std::string_view q, std::string* out, int32_t* rune_value) {
  if (q.size() < 2) return false;
  char quote = q.front();
  if (q.back() != quote) return false;
  std::string_view body = q.substr(1, q.size() - 2);
  out->clear();
  if (quote == '`') {
    for (char c : body) {
      if (c != '\r') out->push_back(c);
    }
    return body.find('`') == std::string_view::npos;
  }
  size_t i = 0;
  int runes = 0;
  int32_t last = 0;
  while (i < body.size()) {
    char c = body[i];
    if (c == quote || c == '\n') return false;
    if (c != '\\') {
      int w = 0;
      last = parser::DecodeRune(body, i, &w);
      out->append(body.substr(i, static_cast<size_t>(w)));
      i += static_cast<size_t>(w);
      runes++;
      continue;
    }
    if (++i >= body.size()) return false;
    char e = body[i++];
    auto hex = [&](int n, int32_t* v) {
      *v = 0;
      for (int k = 0; k < n; k++) {
        if (i >= body.size()) return false;
        char h = body[i++];
        int d = (h >= '0' && h <= '9') ? h - '0' : (h >= 'a' && h <= 'f') ? h - 'a' + 10 : (h >= 'A' && h <= 'F') ? h - 'A' + 10 : -1;
        if (d < 0) return false;
        *v = *v * 16 + d;
      }
      return true;
    };
    int32_t v = 0;
    switch (e) {
      case 'a': out->push_back('\a'), last = '\a'; break;
      case 'b': out->push_back('\b'), last = '\b'; break;
      case 'f': out->push_back('\f'), last = '\f'; break;
      case 'n': out->push_back('\n'), last = '\n'; break;
      case 'r': out->push_back('\r'), last = '\r'; break;
      case 't': out->push_back('\t'), last = '\t'; break;
      case 'v': out->push_back('\v'), last = '\v'; break;
      case '\\': out->push_back('\\'), last = '\\'; break;
      case '\'':
      case '"':
        if (e != quote) return false;
        out->push_back(e), last = e;
        break;
      case 'x':
        if (!hex(2, &v)) return false;
        out->push_back(static_cast<char>(v)), last = v;
        break;
      case 'u':
        if (!hex(4, &v) || (v >= 0xD800 && v <= 0xDFFF)) return false;
        parser::AppendRune(out, v), last = v;
        break;
      case 'U':
        if (!hex(8, &v) || v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF)) return false;
        parser::AppendRune(out, v), last = v;
        break;
      default:
        if (e < '0' || e > '7') return false;
        v = e - '0';
        for (int k = 0; k < 2; k++) {
          if (i >= body.size() || body[i] < '0' || body[i] > '7') return false;
          v = v * 8 + (body[i++] - '0');
        }
        if (v > 255) return false;
        out->push_back(static_cast<char>(v)), last = v;
        break;
    }
    runes++;
  }
  if (quote == '\'') {
    if (runes != 1) return false;
    *rune_value = last;
  }
  return true;
}

class Parser {
 public:
  Parser(std::string_view name, std::string_view text, const std::function<bool(std::string_view)>& has_function)
      : name_(name), text_(text), items_(Lex(text)), has_function_(has_function) {
    vars_.push_back("$");
  }

  std::unique_ptr<ListNode> ParseAll() {
    auto root = std::make_unique<ListNode>(Peek().pos, Peek().line);
    while (Peek().type != ItemType::kEOF) {
      if (Peek().type == ItemType::kLeftDelim) {
        size_t save = next_;
        Next();
        if (NextNonSpace().type == ItemType::kDefine) Fail("{{define}} is not supported in rule templates");
        next_ = save;
      }
      NodePtr n = TextOrAction();
      if (n->type == NodeType::kEnd || n->type == NodeType::kElse) Fail(absl::StrCat("unexpected ", n->String()));
      root->nodes.push_back(std::move(n));
    }
    return root;
  }

 private:
  [[noreturn]] void Fail(std::string_view msg) {
    int line = last_ < items_.size() ? items_[last_].line : 1;
    throw ParseFailure{absl::StrCat("template: ", name_, ":", line, ": ", AV(msg))};
  }
  [[noreturn]] void Unexpected(const Item& it, std::string_view context) {
    Fail(absl::StrCat("unexpected ", it.Describe(), " in ", AV(context)));
  }

  const Item& Next() {
    last_ = next_;
    const Item& it = items_[next_];
    if (next_ + 1 < items_.size()) next_++;
    if (it.type == ItemType::kError) Fail(it.val);
    return it;
  }
  void Backup() { next_ = last_; }
  void SkipSpaces() {
    while (Peek().type == ItemType::kSpace) Next();
  }
  const Item& Peek() {
    const Item& it = items_[next_];
    if (it.type == ItemType::kError) {
      last_ = next_;
      Fail(it.val);
    }
    return it;
  }
  const Item& NextNonSpace() {
    for (;;) {
      const Item& it = Next();
      if (it.type != ItemType::kSpace) return it;
    }
  }
  const Item& PeekNonSpace() {
    size_t save = next_, save_last = last_;
    const Item& it = NextNonSpace();
    next_ = save;
    last_ = save_last;
    // Report errors at the peeked token, as Go's peek would have read it.
    return it;
  }
  const Item& Expect(ItemType t, std::string_view context) {
    const Item& it = NextNonSpace();
    if (it.type != t) Unexpected(it, context);
    return it;
  }

  struct DepthGuard {
    explicit DepthGuard(Parser* p) : p_(p) {
      if (++p_->depth_ > kMaxDepth) p_->Fail("template nests too deeply");
    }
    ~DepthGuard() { p_->depth_--; }
    Parser* p_;
  };

  // itemList: textOrAction* up to {{end}} or {{else}}, returned separately.
  std::unique_ptr<ListNode> ItemList(NodePtr* end) {
    const Item& first = PeekNonSpace();
    auto list = std::make_unique<ListNode>(first.pos, first.line);
    while (PeekNonSpace().type != ItemType::kEOF) {
      NodePtr n = TextOrAction();
      if (n->type == NodeType::kEnd || n->type == NodeType::kElse) {
        *end = std::move(n);
        return list;
      }
      list->nodes.push_back(std::move(n));
    }
    Fail("unexpected EOF");
  }

  NodePtr TextOrAction() {
    const Item& it = NextNonSpace();
    if (it.type == ItemType::kText) return std::make_unique<TextNode>(it.pos, it.line, it.val);
    if (it.type == ItemType::kLeftDelim) return Action();
    Unexpected(it, "input");
  }

  NodePtr Action() {
    const Item& it = NextNonSpace();
    switch (it.type) {
      case ItemType::kBlock: Fail("{{block}} is not supported in rule templates");
      case ItemType::kTemplate: Fail("{{template}} is not supported in rule templates");
      case ItemType::kDefine: Fail("{{define}} is not supported in rule templates");
      case ItemType::kBreak:
      case ItemType::kContinue: {
        const char* word = it.type == ItemType::kBreak ? "break" : "continue";
        size_t pos = it.pos;
        int line = it.line;
        const Item& close = NextNonSpace();
        if (close.type != ItemType::kRightDelim) Unexpected(close, absl::StrCat("{{", word, "}}"));
        if (range_depth_ == 0) Fail(absl::StrCat("{{", word, "}} outside {{range}}"));
        return std::make_unique<SimpleNode>(it.type == ItemType::kBreak ? NodeType::kBreak : NodeType::kContinue, pos,
                                            line);
      }
      case ItemType::kElse: {
        SkipSpaces();
        const Item& peek = Peek();
        if (peek.type == ItemType::kIf || peek.type == ItemType::kWith) {
          return std::make_unique<SimpleNode>(NodeType::kElse, peek.pos, peek.line);
        }
        const Item& close = Expect(ItemType::kRightDelim, "else");
        return std::make_unique<SimpleNode>(NodeType::kElse, close.pos, close.line);
      }
      case ItemType::kEnd: {
        const Item& close = Expect(ItemType::kRightDelim, "end");
        return std::make_unique<SimpleNode>(NodeType::kEnd, close.pos, close.line);
      }
      case ItemType::kIf: return Control(NodeType::kIf, "if");
      case ItemType::kRange: return Control(NodeType::kRange, "range");
      case ItemType::kWith: return Control(NodeType::kWith, "with");
      default: break;
    }
    Backup();
    const Item& start = Peek();
    size_t pos = start.pos;
    int line = start.line;
    // Variables declared here persist until the enclosing {{end}}.
    return std::make_unique<ActionNode>(pos, line, Pipeline("command", ItemType::kRightDelim));
  }

  NodePtr Control(NodeType type, std::string_view context) {
    DepthGuard guard(this);
    size_t vars = vars_.size();
    auto node = std::make_unique<BranchNode>(type, 0, 0);
    node->pipe = Pipeline(context, ItemType::kRightDelim);
    node->pos = node->pipe->pos;
    node->line = node->pipe->line;
    if (type == NodeType::kRange) range_depth_++;
    NodePtr next;
    node->list = ItemList(&next);
    if (type == NodeType::kRange) range_depth_--;
    if (next->type == NodeType::kElse) {
      // "else if" / "else with" nest a new if / with in the else branch,
      // closed by the same {{end}}.
      if ((type == NodeType::kIf && Peek().type == ItemType::kIf) ||
          (type == NodeType::kWith && Peek().type == ItemType::kWith)) {
        Next();
        node->else_list = std::make_unique<ListNode>(next->pos, next->line);
        node->else_list->nodes.push_back(Control(type, context));
      } else {
        NodePtr end;
        node->else_list = ItemList(&end);
        if (end->type != NodeType::kEnd) Fail(absl::StrCat("expected end; found ", end->String()));
      }
    }
    vars_.resize(vars);
    return node;
  }

  std::unique_ptr<PipeNode> Pipeline(std::string_view context, ItemType end) {
    const Item& first = PeekNonSpace();
    auto pipe = std::make_unique<PipeNode>(first.pos, first.line);
    // Declarations or assignments: $x := / $x = / $i, $v :=.
    for (;;) {
      const Item& v = PeekNonSpace();
      if (v.type != ItemType::kVariable) break;
      size_t at_var = next_;
      NextNonSpace();
      size_t after_var = next_;
      const Item& tok = PeekNonSpace();
      if (tok.type == ItemType::kAssign || tok.type == ItemType::kDeclare) {
        pipe->is_assign = tok.type == ItemType::kAssign;
        NextNonSpace();
        pipe->decl.push_back(std::make_unique<VariableNode>(v.pos, v.line, std::vector<std::string>{v.val}));
        vars_.push_back(v.val);
        break;
      }
      if (tok.type == ItemType::kChar && tok.val == ",") {
        NextNonSpace();
        pipe->decl.push_back(std::make_unique<VariableNode>(v.pos, v.line, std::vector<std::string>{v.val}));
        vars_.push_back(v.val);
        if (context == "range" && pipe->decl.size() < 2) {
          ItemType t = PeekNonSpace().type;
          if (t == ItemType::kVariable || t == ItemType::kRightDelim || t == ItemType::kRightParen) continue;
          Fail("range can only initialize variables");
        }
        Fail(absl::StrCat("too many declarations in ", AV(context)));
      }
      (void)after_var;
      next_ = at_var;  // an argument, not a declaration
      break;
    }
    for (;;) {
      const Item& tok = NextNonSpace();
      if (tok.type == end) {
        if (pipe->cmds.empty()) Fail(absl::StrCat("missing value for ", AV(context)));
        for (size_t i = 1; i < pipe->cmds.size(); i++) {
          NodeType t = pipe->cmds[i]->args[0]->type;
          if (t == NodeType::kBool || t == NodeType::kDot || t == NodeType::kNil || t == NodeType::kNumber ||
              t == NodeType::kString) {
            Fail(absl::StrCat("non executable command in pipeline stage ", i + 1));
          }
        }
        return pipe;
      }
      switch (tok.type) {
        case ItemType::kBool:
        case ItemType::kCharConstant:
        case ItemType::kComplex:
        case ItemType::kDot:
        case ItemType::kField:
        case ItemType::kIdentifier:
        case ItemType::kNumber:
        case ItemType::kNil:
        case ItemType::kRawString:
        case ItemType::kString:
        case ItemType::kVariable:
        case ItemType::kLeftParen:
          Backup();
          pipe->cmds.push_back(Command());
          break;
        default:
          Unexpected(tok, context);
      }
    }
  }

  std::unique_ptr<CommandNode> Command() {
    const Item& first = PeekNonSpace();
    auto cmd = std::make_unique<CommandNode>(first.pos, first.line);
    for (;;) {
      SkipSpaces();
      if (NodePtr op = Operand()) cmd->args.push_back(std::move(op));
      const Item& tok = Next();
      if (tok.type == ItemType::kSpace) continue;
      if (tok.type == ItemType::kRightDelim || tok.type == ItemType::kRightParen) {
        Backup();
      } else if (tok.type != ItemType::kPipe) {
        Unexpected(tok, "operand");
      }
      break;
    }
    if (cmd->args.empty()) Fail("empty command");
    return cmd;
  }

  NodePtr Operand() {
    NodePtr node = Term();
    if (!node) return nullptr;
    if (Peek().type == ItemType::kField) {
      auto chain = std::make_unique<ChainNode>(Peek().pos, Peek().line, nullptr);
      while (Peek().type == ItemType::kField) chain->field.push_back(Next().val.substr(1));
      switch (node->type) {
        case NodeType::kField: {
          auto* f = static_cast<FieldNode*>(node.get());
          for (auto& s : chain->field) f->ident.push_back(std::move(s));
          return node;
        }
        case NodeType::kVariable: {
          auto* v = static_cast<VariableNode*>(node.get());
          for (auto& s : chain->field) v->ident.push_back(std::move(s));
          return node;
        }
        case NodeType::kBool:
        case NodeType::kString:
        case NodeType::kNumber:
        case NodeType::kNil:
        case NodeType::kDot:
          Fail(absl::StrCat("unexpected . after term ", parser::GoQuote(node->String())));
        default:
          chain->pos = node->pos;
          chain->line = node->line;
          chain->node = std::move(node);
          return chain;
      }
    }
    return node;
  }

  NodePtr Term() {
    const Item& tok = NextNonSpace();
    switch (tok.type) {
      case ItemType::kIdentifier:
        if (!has_function_(tok.val)) Fail(absl::StrCat("function ", parser::GoQuote(tok.val), " not defined"));
        return std::make_unique<IdentifierNode>(tok.pos, tok.line, tok.val);
      case ItemType::kDot: return std::make_unique<SimpleNode>(NodeType::kDot, tok.pos, tok.line);
      case ItemType::kNil: return std::make_unique<SimpleNode>(NodeType::kNil, tok.pos, tok.line);
      case ItemType::kVariable: {
        for (const auto& v : vars_) {
          if (v == tok.val) return std::make_unique<VariableNode>(tok.pos, tok.line, std::vector<std::string>{tok.val});
        }
        Fail(absl::StrCat("undefined variable ", parser::GoQuote(tok.val)));
      }
      case ItemType::kField: {
        return std::make_unique<FieldNode>(tok.pos, tok.line, std::vector<std::string>{tok.val.substr(1)});
      }
      case ItemType::kBool: return std::make_unique<BoolNode>(tok.pos, tok.line, tok.val == "true");
      case ItemType::kCharConstant:
      case ItemType::kComplex:
      case ItemType::kNumber: return Number(tok);
      case ItemType::kLeftParen: {
        DepthGuard guard(this);
        auto pipe = Pipeline("parenthesized pipeline", ItemType::kRightParen);
        return pipe;
      }
      case ItemType::kString:
      case ItemType::kRawString: {
        std::string s;
        int32_t r = 0;
        if (!GoUnquote(tok.val, &s, &r)) Fail("invalid syntax");
        return std::make_unique<StringNode>(tok.pos, tok.line, tok.val, s);
      }
      default: break;
    }
    Backup();
    return nullptr;
  }

  NodePtr Number(const Item& tok) {
    auto n = std::make_unique<NumberNode>(tok.pos, tok.line, tok.val);
    if (tok.type == ItemType::kComplex) Fail(absl::StrCat("complex number ", tok.val, " is not supported"));
    if (tok.type == ItemType::kCharConstant) {
      std::string s;
      int32_t r = 0;
      if (!GoUnquote(tok.val, &s, &r)) Fail(absl::StrCat("malformed character constant: ", tok.val));
      n->is_int = n->is_float = true;
      n->int_value = r;
      n->float_value = r;
      return n;
    }
    std::string text;
    for (char c : tok.val) {
      if (c != '_') text.push_back(c);
    }
    if (tok.val.back() == 'i') Fail(absl::StrCat("complex number ", tok.val, " is not supported"));
    // Integers in Go syntax first (0x.., 0o.., 0b.., leading 0 = octal).
    std::string_view body = text;
    bool neg = false;
    if (!body.empty() && (body[0] == '+' || body[0] == '-')) {
      neg = body[0] == '-';
      body.remove_prefix(1);
    }
    int base = 10;
    std::string_view digits = body;
    if (body.size() > 1 && body[0] == '0') {
      char p = body[1];
      if (p == 'x' || p == 'X') base = 16, digits = body.substr(2);
      else if (p == 'o' || p == 'O') base = 8, digits = body.substr(2);
      else if (p == 'b' || p == 'B') base = 2, digits = body.substr(2);
      else base = 8, digits = body.substr(1);
    }
    if (!digits.empty() && digits.find_first_of(".eEpP") == std::string_view::npos) {
      errno = 0;
      std::string d(digits);
      char* end = nullptr;
      unsigned long long u = std::strtoull(d.c_str(), &end, base);
      if (end == d.c_str() + d.size() && errno == 0 && d[0] != '-' && d[0] != '+') {
        if (u <= static_cast<unsigned long long>(INT64_MAX) || (neg && u == 1ull << 63)) {
          n->is_int = true;
          n->int_value = neg ? static_cast<int64_t>(0 - u) : static_cast<int64_t>(u);
        }
        n->is_float = true;
        n->float_value = neg ? -static_cast<double>(u) : static_cast<double>(u);
        return n;
      }
    }
    bool looks_float = text.find_first_of(".eEpP") != std::string::npos && base != 16;
    if (base == 16) looks_float = text.find_first_of("pP") != std::string::npos;
    // Floats (decimal, or hex with a p exponent).
    bool hex_float = base == 16;
    if ((base == 10 || hex_float || base == 8) && !body.empty()) {
      std::string f(text);
      char* end = nullptr;
      errno = 0;
      double v = std::strtod(f.c_str(), &end);
      bool syntax_ok = end == f.c_str() + f.size() && f.find_first_of("nN") == std::string::npos &&
                       (!hex_float || f.find_first_of("pP") != std::string::npos);
      if (syntax_ok && std::isfinite(v) && !looks_float) Fail(absl::StrCat("integer overflow: ", parser::GoQuote(tok.val)));
      if (syntax_ok && std::isfinite(v)) {
        n->is_float = true;
        n->float_value = v;
        if (v == std::trunc(v) && std::fabs(v) < 9.2e18) {
          n->is_int = true;
          n->int_value = static_cast<int64_t>(v);
        }
        return n;
      }
    }
    Fail(absl::StrCat("illegal number syntax: ", parser::GoQuote(tok.val)));
  }

  std::string name_;
  std::string_view text_;
  std::vector<Item> items_;
  size_t next_ = 0;
  size_t last_ = 0;
  const std::function<bool(std::string_view)>& has_function_;
  std::vector<std::string> vars_;
  int range_depth_ = 0;
  int depth_ = 0;
};

}  // namespace

absl::StatusOr<std::unique_ptr<Tree>> ParseTemplate(std::string_view name, std::string_view text,
                                                    const std::function<bool(std::string_view)>& has_function) {
  auto tree = std::make_unique<Tree>();
  tree->name = std::string(name);
  tree->text = std::string(text);
  try {
    Parser p(name, tree->text, has_function);
    tree->root = p.ParseAll();
  } catch (const ParseFailure& f) {
    return absl::InvalidArgumentError(f.message);
  }
  return tree;
}

}  // namespace promlite::promql::tmpl
