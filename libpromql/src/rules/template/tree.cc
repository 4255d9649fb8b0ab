#include "rules/template/tree.h"

#include "absl/strings/str_cat.h"

namespace promlite::promql::tmpl {
namespace {

std::string JoinIdent(const std::vector<std::string>& parts, bool leading_dot) {
  std::string out;
  for (size_t i = 0; i < parts.size(); i++) {
    if (i > 0 || leading_dot) out.push_back('.');
    out += parts[i];
  }
  return out;
}

}  // namespace

std::string ListNode::String() const {
  std::string out;
  for (const auto& n : nodes) out += n->String();
  return out;
}

std::string VariableNode::String() const { return JoinIdent(ident, false); }

std::string FieldNode::String() const { return JoinIdent(ident, true); }

std::string CommandNode::String() const {
  std::string out;
  for (size_t i = 0; i < args.size(); i++) {
    if (i > 0) out.push_back(' ');
    if (args[i]->type == NodeType::kPipe) {
      absl::StrAppend(&out, "(", args[i]->String(), ")");
    } else {
      out += args[i]->String();
    }
  }
  return out;
}

std::string PipeNode::String() const {
  std::string out;
  if (!decl.empty()) {
    for (size_t i = 0; i < decl.size(); i++) {
      if (i > 0) out += ", ";
      out += decl[i]->String();
    }
    out += is_assign ? " = " : " := ";
  }
  for (size_t i = 0; i < cmds.size(); i++) {
    if (i > 0) out += " | ";
    out += cmds[i]->String();
  }
  return out;
}

std::string BranchNode::String() const {
  const char* word = type == NodeType::kIf ? "if" : type == NodeType::kRange ? "range" : "with";
  std::string out = absl::StrCat("{{", word, " ", pipe->String(), "}}", list->String());
  if (else_list) absl::StrAppend(&out, "{{else}}", else_list->String());
  out += "{{end}}";
  return out;
}

std::string SimpleNode::String() const {
  switch (type) {
    case NodeType::kBreak: return "{{break}}";
    case NodeType::kContinue: return "{{continue}}";
    case NodeType::kEnd: return "{{end}}";
    case NodeType::kElse: return "{{else}}";
    case NodeType::kDot: return ".";
    case NodeType::kNil: return "nil";
    default: return "";
  }
}

std::string ChainNode::String() const {
  std::string out = node->type == NodeType::kPipe ? absl::StrCat("(", node->String(), ")") : node->String();
  for (const auto& f : field) absl::StrAppend(&out, ".", f);
  return out;
}

std::string ErrorLocation(const Tree& t, const Node& n) {
  size_t pos = std::min(n.pos, t.text.size());
  std::string_view before = std::string_view(t.text).substr(0, pos);
  size_t nl = before.rfind('\n');
  size_t col = nl == std::string_view::npos ? pos : pos - (nl + 1);
  int line = 1;
  for (char c : before) line += c == '\n';
  return absl::StrCat(t.name, ":", line, ":", col);
}

}  // namespace promlite::promql::tmpl
