// Functions that work on label sets: label_replace, label_join, sort,
// sort_desc, sort_by_label(_desc), and the labels of absent().
#include <algorithm>
#include <numeric>
#include <string>

#include "absl/strings/str_cat.h"
#include "engine/functions.h"
#include "engine/go_sort.h"
#include "engine/labels_util.h"
#include "engine/status_macros.h"
#include "parser/go_format.h"
#include "re2/re2.h"

namespace promlite::promql::engine {

tsdb::Labels LabelsForAbsent(const Expr& e) {
  const VectorSelector* vs = e.As<VectorSelector>();
  if (const auto* ms = e.As<MatrixSelector>()) vs = &ms->selector();
  if (!vs) return tsdb::Labels();
  // A label matched for equality more than once (or also by another
  // matcher) is left out, as Prometheus has always done.
  tsdb::LabelsBuilder b{tsdb::Labels()};
  std::vector<std::string> has;
  for (const tsdb::Matcher& m : vs->matchers) {
    if (m.name() == tsdb::kMetricName) continue;
    bool seen = std::find(has.begin(), has.end(), m.name()) != has.end();
    if (m.type() == tsdb::MatchType::kEqual && !seen) {
      b.Set(m.name(), m.value());
      has.push_back(m.name());
    } else {
      b.Del(m.name());
    }
  }
  return b.Build();
}

namespace {

const std::string& Str(const std::vector<Value>& args, size_t i) { return std::get<StringValue>(args[i]).v; }

bool IsWordRune(unsigned char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

// Go's regexp.Expand: $1, ${1}, $name, ${name}; $$ is a literal $.
std::string Expand(const re2::RE2& re, std::string_view tmpl, const std::vector<re2::StringPiece>& groups) {
  std::string out;
  while (!tmpl.empty()) {
    size_t d = tmpl.find('$');
    if (d == std::string_view::npos) break;
    out.append(tmpl.substr(0, d));
    tmpl.remove_prefix(d + 1);
    if (!tmpl.empty() && tmpl[0] == '$') {
      out.push_back('$');
      tmpl.remove_prefix(1);
      continue;
    }
    std::string_view s = tmpl;
    bool brace = false;
    if (!s.empty() && s[0] == '{') {
      brace = true;
      s.remove_prefix(1);
    }
    size_t i = 0;
    while (i < s.size() && IsWordRune(static_cast<unsigned char>(s[i]))) i++;
    if (i == 0 || (brace && (i >= s.size() || s[i] != '}'))) {
      out.push_back('$');  // malformed: the $ is plain text
      continue;
    }
    std::string_view name = s.substr(0, i);
    tmpl = s.substr(i + (brace ? 1 : 0));
    int num = 0;
    for (char c : name) {
      if (c < '0' || c > '9' || num >= 100000000) {
        num = -1;
        break;
      }
      num = num * 10 + (c - '0');
    }
    if (name[0] == '0' && name.size() > 1) num = -1;
    if (num >= 0) {
      if (static_cast<size_t>(num) < groups.size() && groups[num].data() != nullptr) {
        out.append(groups[num].data(), groups[num].size());
      }
    } else {
      const auto& names = re.NamedCapturingGroups();
      auto it = names.find(std::string(name));
      if (it != names.end() && static_cast<size_t>(it->second) < groups.size() &&
          groups[it->second].data() != nullptr) {
        out.append(groups[it->second].data(), groups[it->second].size());
      }
    }
  }
  out.append(tmpl);
  return out;
}

// sort(): ascending with NaN last; sort_desc(): descending with NaN last.
// Both reorder rows as Go's sort.Sort does (ties keep its order).
absl::StatusOr<Block> SortByValue(Evaluator& ev, std::vector<Value>& args, bool desc) {
  Block in = std::move(std::get<Block>(args[0]));
  if (!ev.single_step()) return in;  // a range result is ordered by labels anyway
  in.DropEmptyRows();
  std::vector<size_t> idx(in.rows());
  std::iota(idx.begin(), idx.end(), 0);
  struct Sorter {
    const Block& b;
    std::vector<size_t>& idx;
    bool desc;
    double V(size_t i) const { return b.Get(idx[i], 0); }
    // sort.Reverse of the heap orders Prometheus uses.
    bool Less(size_t i, size_t j) const {
      double vi = V(i), vj = V(j);
      if (std::isnan(vj)) return true;
      return desc ? vj < vi : vj > vi;
    }
    void Swap(size_t i, size_t j) { std::swap(idx[i], idx[j]); }
  } sorter{in, idx, desc};
  gosort::Sort(sorter, idx.size());
  Block out(in.steps());
  out.Reserve(in.rows(), in.rows());
  for (size_t i : idx) out.AddRowFrom(in, i);
  return out;
}

absl::StatusOr<Block> Sort(Evaluator& ev, const Call&, std::vector<Value>& args) { return SortByValue(ev, args, false); }
absl::StatusOr<Block> SortDesc(Evaluator& ev, const Call&, std::vector<Value>& args) {
  return SortByValue(ev, args, true);
}

// facette/natsort's Compare: digit runs compare as numbers.
bool NatLess(std::string_view a, std::string_view b) {
  size_t pa = 0, pb = 0;
  const size_t la = a.size(), lbn = b.size();
  for (;;) {
    if (la <= pa) return lbn > pb;
    if (lbn <= pb) return false;
    char av = a[pa], bv = b[pb];
    if (av >= '0' && av <= '9' && bv >= '0' && bv <= '9') {
      size_t na = 1, nb = 1;
      while (pa + na < la) {
        char x = a[pa + na];
        if (av == '0') {
          pa++;
          av = x;
          continue;
        }
        if (x >= '0' && x <= '9') {
          na++;
        } else {
          break;
        }
      }
      while (pb + nb < lbn) {
        char x = b[pb + nb];
        if (bv == '0') {
          pb++;
          bv = x;
          continue;
        }
        if (x >= '0' && x <= '9') {
          nb++;
        } else {
          break;
        }
      }
      if (nb > na) return true;
      if (na > nb) return false;
      int c = a.substr(pa, na).compare(b.substr(pb, nb));
      if (c < 0) return true;
      if (c > 0) return false;
      pa += na;
      pb += nb;
      continue;
    }
    if (av == bv) {
      pa++;
      pb++;
      continue;
    }
    return static_cast<unsigned char>(av) < static_cast<unsigned char>(bv);
  }
}

absl::StatusOr<Block> SortByLabelImpl(Evaluator& ev, std::vector<Value>& args, bool desc) {
  Block in = std::move(std::get<Block>(args[0]));
  if (!ev.single_step()) return in;
  in.DropEmptyRows();
  std::vector<std::string> names;
  for (size_t i = 1; i < args.size(); i++) names.push_back(Str(args, i));
  std::vector<size_t> idx(in.rows());
  std::iota(idx.begin(), idx.end(), 0);
  auto cmp = [&](size_t x, size_t y) -> int {
    const tsdb::Labels& a = in.meta(x).metric;
    const tsdb::Labels& b = in.meta(y).metric;
    for (const std::string& n : names) {
      std::string_view v1 = a.Get(n), v2 = b.Get(n);
      if (v1 == v2) continue;
      bool less = NatLess(v1, v2);
      return (less != desc) ? -1 : 1;
    }
    int c = Compare(a, b);
    return desc ? -c : c;
  };
  std::stable_sort(idx.begin(), idx.end(), [&](size_t x, size_t y) { return cmp(x, y) < 0; });
  Block out(in.steps());
  out.Reserve(in.rows(), in.rows());
  for (size_t i : idx) out.AddRowFrom(in, i);
  return out;
}

absl::StatusOr<Block> SortByLabel(Evaluator& ev, const Call&, std::vector<Value>& args) {
  return SortByLabelImpl(ev, args, false);
}
absl::StatusOr<Block> SortByLabelDesc(Evaluator& ev, const Call&, std::vector<Value>& args) {
  return SortByLabelImpl(ev, args, true);
}

std::string StringArg(const Call& call, size_t i) { return static_cast<const StringLiteral&>(*call.args[i]).value; }

}  // namespace

absl::StatusOr<Value> Evaluator::EvalLabelReplace(const Call& call) {
  std::string dst = StringArg(call, 1), repl = StringArg(call, 2), src = StringArg(call, 3),
              regex = StringArg(call, 4);
  re2::RE2::Options opts;
  opts.set_log_errors(false);
  re2::RE2 re(absl::StrCat("^(?s:", regex, ")$"), opts);
  if (!re.ok()) {
    return ExecutionError(absl::StrCat("invalid regular expression in label_replace(): ", regex));
  }
  if (!tsdb::IsValidLabelName(dst)) {
    return ExecutionError(absl::StrCat("invalid destination label name in label_replace(): ", dst));
  }
  PL_ASSIGN_OR_RETURN(Block b, EvalBlock(*call.args[0]));
  const int ngroups = re.NumberOfCapturingGroups() + 1;
  std::vector<re2::StringPiece> groups(ngroups);
  for (size_t r = 0; r < b.rows(); r++) {
    RowMeta& m = b.meta(r);
    std::string_view sv = m.metric.Get(src);
    re2::StringPiece text(sv.data(), sv.size());
    if (!re.Match(text, 0, text.size(), re2::RE2::ANCHOR_BOTH, groups.data(), ngroups)) continue;
    std::string res = Expand(re, repl, groups);
    m.metric = tsdb::LabelsBuilder(m.metric).Set(dst, res).Build();
    if (dst == tsdb::kMetricName) m.drop_name = false;
  }
  PL_RETURN_IF_ERROR(MergeSameLabels(&b));
  return Value(std::move(b));
}

absl::StatusOr<Value> Evaluator::EvalLabelJoin(const Call& call) {
  std::string dst = StringArg(call, 1), sep = StringArg(call, 2);
  std::vector<std::string> srcs;
  for (size_t i = 3; i < call.args.size(); i++) {
    std::string s = StringArg(call, i);
    if (!tsdb::IsValidLabelName(s)) {
      return ExecutionError(absl::StrCat("invalid source label name in label_join(): ", s));
    }
    srcs.push_back(std::move(s));
  }
  if (!tsdb::IsValidLabelName(dst)) {
    return ExecutionError(absl::StrCat("invalid destination label name in label_join(): ", dst));
  }
  PL_ASSIGN_OR_RETURN(Block b, EvalBlock(*call.args[0]));
  for (size_t r = 0; r < b.rows(); r++) {
    RowMeta& m = b.meta(r);
    std::string joined;
    for (size_t i = 0; i < srcs.size(); i++) {
      if (i > 0) joined += sep;
      joined.append(m.metric.Get(srcs[i]));
    }
    m.metric = tsdb::LabelsBuilder(m.metric).Set(dst, joined).Build();
    if (dst == tsdb::kMetricName) m.drop_name = false;
  }
  PL_RETURN_IF_ERROR(MergeSameLabels(&b));
  return Value(std::move(b));
}

void RegisterVectorFunctions(void (*reg)(std::string_view, InstantFunction)) {
  reg("sort", Sort);
  reg("sort_desc", SortDesc);
  reg("sort_by_label", SortByLabel);
  reg("sort_by_label_desc", SortByLabelDesc);
}

}  // namespace promlite::promql::engine
