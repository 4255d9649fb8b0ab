// The template executor: a tree walk with Go's rules for pipelines,
// variables, fields, function calls and argument conversion. Errors unwind
// with an exception that never leaves this file, as Go's executor panics and
// recovers at the top; the messages carry Go's location and context.
#include "rules/template/exec.h"

#include <optional>

#include "absl/strings/str_cat.h"
#include "parser/go_format.h"
#include "rules/strings.h"
#include "rules/template/funcs.h"

namespace promlite::promql::tmpl {
namespace {

struct ExecFailure {
  std::string message;
};
struct BreakSignal {};
struct ContinueSignal {};

using Final = std::optional<Value>;  // nullopt: no value piped in

class State {
 public:
  State(const Tree& t, const TemplateEnv& env) : tree_(t), env_(env) {}

  std::string Run(const Value& data) {
    vars_.push_back({"$", data});
    Walk(data, *tree_.root);
    return std::move(out_);
  }

 private:
  [[noreturn]] void Fail(std::string_view msg) {
    if (node_ == nullptr) throw ExecFailure{absl::StrCat("template: ", tree_.name, ": ", AV(msg))};
    throw ExecFailure{absl::StrCat("template: ", ErrorLocation(tree_, *node_), ": executing ",
                                   parser::GoQuote(tree_.name), " at <", node_->String(), ">: ", AV(msg))};
  }
  void At(const Node* n) { node_ = n; }

  void Emit(std::string_view s) {
    if (out_.size() + s.size() > kMaxOutputBytes) Fail("template output exceeds 4 MiB");
    out_.append(s);
  }

  // Variables.
  size_t Mark() const { return vars_.size(); }
  void Pop(size_t mark) { vars_.resize(mark); }
  void SetVar(const std::string& name, const Value& v) {
    for (size_t i = vars_.size(); i-- > 0;) {
      if (vars_[i].first == name) {
        vars_[i].second = v;
        return;
      }
    }
    Fail(absl::StrCat("undefined variable: ", name));
  }
  void SetTopVar(size_t n, const Value& v) { vars_[vars_.size() - n].second = v; }
  Value VarValue(const std::string& name) {
    for (size_t i = vars_.size(); i-- > 0;) {
      if (vars_[i].first == name) return vars_[i].second;
    }
    Fail(absl::StrCat("undefined variable: ", name));
  }

  void Walk(const Value& dot, const Node& node) {
    At(&node);
    switch (node.type) {
      case NodeType::kAction: {
        const auto& a = static_cast<const ActionNode&>(node);
        Value v = EvalPipeline(dot, *a.pipe);
        if (a.pipe->decl.empty()) {
          std::string s;
          if (!PrintValue(v, &s)) {
            At(&node);
            Fail(absl::StrCat("can't print ", a.String(), " of type ", v.TypeName()));
          }
          Emit(s);
        }
        return;
      }
      case NodeType::kBreak: throw BreakSignal{};
      case NodeType::kContinue: throw ContinueSignal{};
      case NodeType::kIf:
      case NodeType::kWith: {
        const auto& b = static_cast<const BranchNode&>(node);
        size_t mark = Mark();
        Value v = EvalPipeline(dot, *b.pipe);
        if (v.Truth()) {
          Walk(node.type == NodeType::kWith ? v : dot, *b.list);
        } else if (b.else_list) {
          Walk(dot, *b.else_list);
        }
        Pop(mark);
        return;
      }
      case NodeType::kList:
        for (const auto& n : static_cast<const ListNode&>(node).nodes) Walk(dot, *n);
        return;
      case NodeType::kRange: WalkRange(dot, static_cast<const BranchNode&>(node)); return;
      case NodeType::kText: Emit(static_cast<const TextNode&>(node).text); return;
      default: Fail(absl::StrCat("unknown node: ", node.String()));
    }
  }

  void WalkRange(const Value& dot, const BranchNode& r) {
    At(&r);
    size_t outer = Mark();
    Value val = EvalPipeline(dot, *r.pipe);
    size_t mark = Mark();
    const PipeNode& pipe = *r.pipe;
    bool ran = false;
    auto one = [&](const Value& index, const Value& elem) -> bool {
      ran = true;
      if (!pipe.decl.empty()) {
        if (pipe.is_assign) {
          SetVar(pipe.decl[0]->ident[0], pipe.decl.size() > 1 ? index : elem);
        } else {
          SetTopVar(1, elem);
        }
      }
      if (pipe.decl.size() > 1) {
        if (pipe.is_assign) {
          SetVar(pipe.decl[1]->ident[0], elem);
        } else {
          SetTopVar(2, index);
        }
      }
      bool stop = false;
      try {
        Walk(elem, *r.list);
      } catch (const ContinueSignal&) {
      } catch (const BreakSignal&) {
        stop = true;
      }
      Pop(mark);
      return !stop;
    };
    switch (val.kind()) {
      case Value::Kind::kSampleList:
        if (val.list_ptr()) {
          // A copy of the pointers: the body may sort the list in place.
          SampleList items = val.list();
          for (size_t i = 0; i < items.size(); i++) {
            if (!one(Value::Int(static_cast<int64_t>(i)), Value::Sample(items[i]))) break;
          }
        }
        break;
      case Value::Kind::kStringMap: {
        auto m = val.smap();
        for (const auto& [k, v] : m) {
          if (!one(Value::String(k), Value::String(v))) break;
        }
        break;
      }
      case Value::Kind::kAnyMap: {
        auto m = val.amap();
        for (const auto& [k, v] : m) {
          if (!one(Value::String(k), v)) break;
        }
        break;
      }
      case Value::Kind::kInt:
        if (pipe.decl.size() > 1) {
          At(&r);
          Fail(absl::StrCat("can't use ", val.i(), " to iterate over more than one variable"));
        }
        for (int64_t i = 0; i < val.i(); i++) {
          if (!one(Value::Int(i), Value::Int(i))) break;
        }
        break;
      case Value::Kind::kInvalid: break;
      default: {
        std::string s;
        FormatV(val, &s);
        At(&r);
        Fail(absl::StrCat("range can't iterate over ", s));
      }
    }
    if (!ran && r.else_list) Walk(dot, *r.else_list);
    Pop(outer);
  }

  Value EvalPipeline(const Value& dot, const PipeNode& pipe) {
    At(&pipe);
    Final value;
    for (const auto& cmd : pipe.cmds) value = EvalCommand(dot, *cmd, value);
    Value v = value.value_or(Value());
    for (const auto& d : pipe.decl) {
      if (pipe.is_assign) {
        SetVar(d->ident[0], v);
      } else {
        vars_.push_back({d->ident[0], v});
      }
    }
    return v;
  }

  void NotAFunction(const std::vector<NodePtr>& args, const Final& final) {
    if (args.size() > 1 || final.has_value()) Fail(absl::StrCat("can't give argument to non-function ", args[0]->String()));
  }

  Value EvalCommand(const Value& dot, const CommandNode& cmd, const Final& final) {
    const Node& first = *cmd.args[0];
    switch (first.type) {
      case NodeType::kField: return EvalFieldNode(dot, static_cast<const FieldNode&>(first), &cmd.args, final);
      case NodeType::kChain: return EvalChainNode(dot, static_cast<const ChainNode&>(first), &cmd.args, final);
      case NodeType::kIdentifier:
        return EvalFunction(dot, static_cast<const IdentifierNode&>(first), cmd, &cmd.args, final);
      case NodeType::kPipe:
        NotAFunction(cmd.args, final);
        return EvalPipeline(dot, static_cast<const PipeNode&>(first));
      case NodeType::kVariable:
        return EvalVariableNode(dot, static_cast<const VariableNode&>(first), &cmd.args, final);
      default: break;
    }
    At(&first);
    NotAFunction(cmd.args, final);
    switch (first.type) {
      case NodeType::kBool: return Value::Bool(static_cast<const BoolNode&>(first).value);
      case NodeType::kDot: return dot;
      case NodeType::kNil: Fail("nil is not a command");
      case NodeType::kNumber: return IdealConstant(static_cast<const NumberNode&>(first));
      case NodeType::kString: return Value::String(static_cast<const StringNode&>(first).text);
      default: Fail(absl::StrCat("can't evaluate command ", parser::GoQuote(first.String())));
    }
  }

  Value IdealConstant(const NumberNode& n) {
    At(&n);
    std::string_view t = n.text;
    bool hex_int = t.size() > 2 && t[0] == '0' && (t[1] == 'x' || t[1] == 'X') && t.find_first_of("pP") == std::string_view::npos;
    bool rune = !t.empty() && t[0] == '\'';
    if (n.is_float && !hex_int && !rune && t.find_first_of(".eEpP") != std::string_view::npos) return Value::Float(n.float_value);
    if (n.is_int) return Value::Int(n.int_value);
    Fail(absl::StrCat(n.text, " overflows int"));
  }

  using Args = const std::vector<NodePtr>*;

  Value EvalFieldNode(const Value& dot, const FieldNode& f, Args args, const Final& final) {
    At(&f);
    return EvalFieldChain(dot, dot, f, f.ident, 0, args, final);
  }

  Value EvalChainNode(const Value& dot, const ChainNode& c, Args args, const Final& final) {
    At(&c);
    if (c.node->type == NodeType::kNil) Fail(absl::StrCat("indirection through explicit nil in ", c.String()));
    Value pipe = EvalArg(dot, ArgType::kAny, *c.node);
    return EvalFieldChain(dot, pipe, c, c.field, 0, args, final);
  }

  Value EvalVariableNode(const Value& dot, const VariableNode& v, Args args, const Final& final) {
    At(&v);
    Value value = VarValue(v.ident[0]);
    if (v.ident.size() == 1) {
      if (args != nullptr) NotAFunction(*args, final);
      return value;
    }
    return EvalFieldChain(dot, value, v, v.ident, 1, args, final);
  }

  Value EvalFieldChain(const Value& dot, Value receiver, const Node& node, const std::vector<std::string>& ident,
                       size_t from, Args args, const Final& final) {
    for (size_t i = from; i + 1 < ident.size(); i++) receiver = EvalField(ident[i], node, nullptr, std::nullopt, receiver);
    return EvalField(ident.back(), node, args, final, receiver);
  }

  Value EvalField(const std::string& name, const Node& node, Args args, const Final& final, const Value& recv) {
    (void)node;
    if (!recv.valid()) return Value();
    bool has_args = (args != nullptr && args->size() > 1) || final.has_value();
    auto no_args = [&]() {
      if (has_args) Fail(absl::StrCat(name, " has arguments but cannot be invoked as function"));
    };
    switch (recv.kind()) {
      case Value::Kind::kData: {
        const DataObj& d = recv.data();
        if (name == "Labels" || name == "ExternalLabels" || name == "ExternalURL" || name == "Value") {
          no_args();
          if (name == "Labels") return Value::Map(std::make_shared<const StringMap>(d.labels));
          if (name == "ExternalLabels") return Value::Map(std::make_shared<const StringMap>(d.external_labels));
          if (name == "ExternalURL") return Value::String(d.external_url);
          return Value::Float(d.value);
        }
        break;
      }
      case Value::Kind::kSample:
        if (name == "Labels" || name == "Value") {
          if (!recv.sample()) Fail(absl::StrCat("nil pointer evaluating *template.sample.", name));
          no_args();
          if (name == "Labels") return Value::Map(std::make_shared<const StringMap>(recv.sample()->labels));
          return Value::Float(recv.sample()->value);
        }
        break;
      case Value::Kind::kStringMap: {
        if (has_args) Fail(absl::StrCat(name, " is not a method but has arguments"));
        auto it = recv.smap().find(name);
        return Value::String(it == recv.smap().end() ? "" : it->second);
      }
      case Value::Kind::kAnyMap: {
        if (has_args) Fail(absl::StrCat(name, " is not a method but has arguments"));
        auto it = recv.amap().find(name);
        return it == recv.amap().end() ? Value() : it->second;
      }
      case Value::Kind::kTime:
      case Value::Kind::kDuration:
        Fail(absl::StrCat("method ", name, " of ", recv.TypeName(), " is not supported in promlite's templates"));
      default: break;
    }
    Fail(absl::StrCat("can't evaluate field ", name, " in type ", recv.TypeName()));
  }

  Value EvalFunction(const Value& dot, const IdentifierNode& id, const CommandNode& cmd, Args args, const Final& final) {
    At(&id);
    const FuncDef* f = LookupFunc(id.ident);
    if (f == nullptr) Fail(absl::StrCat(parser::GoQuote(id.ident), " is not a defined function"));
    return EvalCall(dot, *f, cmd, id.ident, args, final);
  }

  // Converts an evaluated value to a parameter type, as validateType.
  Value Validate(const Value& v, ArgType t) {
    switch (t) {
      case ArgType::kAny: return v;
      case ArgType::kReflect:
        if (!v.valid()) Fail("invalid value; expected reflect.Value");
        return v;
      case ArgType::kString:
        if (!v.valid()) Fail("invalid value; expected string");
        if (v.kind() == Value::Kind::kString) return v;
        break;
      case ArgType::kSample:
        if (!v.valid()) return Value::Sample(nullptr);
        if (v.kind() == Value::Kind::kSample) return v;
        break;
      case ArgType::kSampleList:
        if (!v.valid()) return Value::Samples(nullptr);
        if (v.kind() == Value::Kind::kSampleList) return v;
        break;
    }
    Fail(absl::StrCat("wrong type for value; expected ", AV(ArgTypeName(t)), "; got ", v.TypeName()));
  }

  Value EvalArg(const Value& dot, ArgType t, const Node& n) {
    At(&n);
    switch (n.type) {
      case NodeType::kDot: return Validate(dot, t);
      case NodeType::kNil:
        if (t == ArgType::kAny) return Value();
        if (t == ArgType::kSample) return Value::Sample(nullptr);
        if (t == ArgType::kSampleList) return Value::Samples(nullptr);
        Fail(absl::StrCat("cannot assign nil to ", AV(ArgTypeName(t))));
      case NodeType::kField: return Validate(EvalFieldNode(dot, static_cast<const FieldNode&>(n), nullptr, std::nullopt), t);
      case NodeType::kVariable:
        return Validate(EvalVariableNode(dot, static_cast<const VariableNode&>(n), nullptr, std::nullopt), t);
      case NodeType::kPipe: return Validate(EvalPipeline(dot, static_cast<const PipeNode&>(n)), t);
      case NodeType::kIdentifier: {
        const auto& id = static_cast<const IdentifierNode&>(n);
        const FuncDef* f = LookupFunc(id.ident);
        if (f == nullptr) Fail(absl::StrCat(parser::GoQuote(id.ident), " is not a defined function"));
        return Validate(EvalCall(dot, *f, n, id.ident, nullptr, std::nullopt), t);
      }
      case NodeType::kChain: return Validate(EvalChainNode(dot, static_cast<const ChainNode&>(n), nullptr, std::nullopt), t);
      default: break;
    }
    // Constants.
    switch (t) {
      case ArgType::kString:
        if (n.type == NodeType::kString) return Value::String(static_cast<const StringNode&>(n).text);
        Fail(absl::StrCat("expected string; found ", n.String()));
      case ArgType::kAny:  // NOLINT: Fail does not return
      case ArgType::kReflect:
        if (n.type == NodeType::kBool) return Value::Bool(static_cast<const BoolNode&>(n).value);
        if (n.type == NodeType::kNumber) return IdealConstant(static_cast<const NumberNode&>(n));
        if (n.type == NodeType::kString) return Value::String(static_cast<const StringNode&>(n).text);
        break;
      default: break;
    }
    Fail(absl::StrCat("can't handle ", n.String(), " for arg of type ", AV(ArgTypeName(t))));
  }

  // `node` is the command (or identifier) the call belongs to, for errors;
  // `args` holds the function name first, then its arguments.
  Value EvalCall(const Value& dot, const FuncDef& f, const Node& node, const std::string& name, Args args,
                 const Final& final) {
    size_t nargs = args == nullptr ? 0 : args->size() - 1;
    size_t num_in = nargs + (final.has_value() ? 1 : 0);
    size_t num_fixed = f.variadic ? f.params.size() - 1 : f.params.size();
    if (f.variadic) {
      if (num_in < num_fixed) {
        Fail(absl::StrCat("wrong number of args for ", name, ": want at least ", num_fixed, " got ", nargs));
      }
    } else if (num_in != f.params.size()) {
      Fail(absl::StrCat("wrong number of args for ", name, ": want ", f.params.size(), " got ", num_in));
    }
    auto param = [&](size_t i) { return i < num_fixed ? f.params[i] : f.params.back(); };
    if (name == "and" || name == "or") {
      Value v;
      for (size_t i = 0; i < nargs; i++) {
        v = EvalArg(dot, ArgType::kReflect, *(*args)[i + 1]);
        if (v.Truth() == (name == "or")) return v;
      }
      if (final.has_value()) v = Validate(*final, ArgType::kReflect);
      return v;
    }
    std::vector<Value> argv;
    argv.reserve(num_in);
    for (size_t i = 0; i < nargs; i++) argv.push_back(EvalArg(dot, param(i), *(*args)[i + 1]));
    if (final.has_value()) argv.push_back(Validate(*final, param(nargs)));
    absl::StatusOr<Value> r = f.impl(argv, env_);
    if (!r.ok()) {
      At(&node);
      Fail(absl::StrCat("error calling ", name, ": ", r.status().message()));
    }
    return *std::move(r);
  }

  const Tree& tree_;
  const TemplateEnv& env_;
  const Node* node_ = nullptr;
  std::vector<std::pair<std::string, Value>> vars_;
  std::string out_;
};

}  // namespace

absl::StatusOr<std::string> Execute(const Tree& tree, const Value& data, const TemplateEnv& env) {
  try {
    State s(tree, env);
    return s.Run(data);
  } catch (const ExecFailure& f) {
    return absl::InvalidArgumentError(f.message);
  } catch (const BreakSignal&) {
    return absl::InternalError("break outside range");
  } catch (const ContinueSignal&) {
    return absl::InternalError("continue outside range");
  }
}

}  // namespace promlite::promql::tmpl
