// The parse tree of a Go text/template, with the node kinds, positions and
// printed forms of Go's text/template/parse (execution errors quote them).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace promlite::promql::tmpl {

enum class NodeType {
  kText,
  kAction,
  kIf,
  kRange,
  kWith,
  kBreak,
  kContinue,
  kList,
  kPipe,
  kCommand,
  kField,
  kVariable,
  kChain,
  kIdentifier,
  kDot,
  kNil,
  kBool,
  kNumber,
  kString,
  // Only while parsing: {{end}} and {{else}} close a list.
  kEnd,
  kElse,
};

struct Node {
  Node(NodeType t, size_t p, int l) : type(t), pos(p), line(l) {}
  virtual ~Node() = default;
  // Go's Node.String(), e.g. `humanize $value`, `.Labels.job`.
  virtual std::string String() const = 0;

  NodeType type;
  size_t pos;  // byte offset in the template text
  int line;    // 1-based
};
using NodePtr = std::unique_ptr<Node>;

struct ListNode final : Node {
  ListNode(size_t p, int l) : Node(NodeType::kList, p, l) {}
  std::string String() const override;
  std::vector<NodePtr> nodes;
};

struct TextNode final : Node {
  TextNode(size_t p, int l, std::string t) : Node(NodeType::kText, p, l), text(std::move(t)) {}
  std::string String() const override { return text; }
  std::string text;
};

struct VariableNode final : Node {
  // "$x.a.b" -> {"$x", "a", "b"}
  VariableNode(size_t p, int l, std::vector<std::string> i) : Node(NodeType::kVariable, p, l), ident(std::move(i)) {}
  std::string String() const override;
  std::vector<std::string> ident;
};

struct CommandNode final : Node {
  CommandNode(size_t p, int l) : Node(NodeType::kCommand, p, l) {}
  std::string String() const override;
  std::vector<NodePtr> args;  // arguments in lexical order: identifier, field, or constant
};

struct PipeNode final : Node {
  PipeNode(size_t p, int l) : Node(NodeType::kPipe, p, l) {}
  std::string String() const override;
  bool is_assign = false;  // `$x = ...` rather than `$x := ...`
  std::vector<std::unique_ptr<VariableNode>> decl;
  std::vector<std::unique_ptr<CommandNode>> cmds;
};

struct ActionNode final : Node {
  ActionNode(size_t p, int l, std::unique_ptr<PipeNode> pp) : Node(NodeType::kAction, p, l), pipe(std::move(pp)) {}
  std::string String() const override { return "{{" + pipe->String() + "}}"; }
  std::unique_ptr<PipeNode> pipe;
};

// if / range / with.
struct BranchNode final : Node {
  BranchNode(NodeType t, size_t p, int l) : Node(t, p, l) {}
  std::string String() const override;
  std::unique_ptr<PipeNode> pipe;
  std::unique_ptr<ListNode> list;
  std::unique_ptr<ListNode> else_list;  // may be null
};

// break, continue, end, else, dot, nil.
struct SimpleNode final : Node {
  SimpleNode(NodeType t, size_t p, int l) : Node(t, p, l) {}
  std::string String() const override;
};

struct FieldNode final : Node {
  // ".a.b" -> {"a", "b"}
  FieldNode(size_t p, int l, std::vector<std::string> i) : Node(NodeType::kField, p, l), ident(std::move(i)) {}
  std::string String() const override;
  std::vector<std::string> ident;
};

// A term followed by fields: (pipeline).Field, "x".Field (refused by the parser).
struct ChainNode final : Node {
  ChainNode(size_t p, int l, NodePtr n) : Node(NodeType::kChain, p, l), node(std::move(n)) {}
  std::string String() const override;
  NodePtr node;
  std::vector<std::string> field;
};

struct IdentifierNode final : Node {
  IdentifierNode(size_t p, int l, std::string i) : Node(NodeType::kIdentifier, p, l), ident(std::move(i)) {}
  std::string String() const override { return ident; }
  std::string ident;
};

struct BoolNode final : Node {
  BoolNode(size_t p, int l, bool b) : Node(NodeType::kBool, p, l), value(b) {}
  std::string String() const override { return value ? "true" : "false"; }
  bool value;
};

struct NumberNode final : Node {
  NumberNode(size_t p, int l, std::string t) : Node(NodeType::kNumber, p, l), text(std::move(t)) {}
  std::string String() const override { return text; }
  bool is_int = false;    // representable as int64
  bool is_float = false;  // representable as float64
  int64_t int_value = 0;
  double float_value = 0;
  std::string text;
};

struct StringNode final : Node {
  StringNode(size_t p, int l, std::string q, std::string t)
      : Node(NodeType::kString, p, l), quoted(std::move(q)), text(std::move(t)) {}
  std::string String() const override { return quoted; }
  std::string quoted;  // as written, with quotes
  std::string text;    // the value
};

// A parsed template.
struct Tree {
  std::string name;
  std::string text;
  std::unique_ptr<ListNode> root;
};

// Where a node is, as Go's ErrorContext prints it: "name:line:col" with a
// 0-based byte column.
std::string ErrorLocation(const Tree& t, const Node& n);

}  // namespace promlite::promql::tmpl
