// The test-script parser; see script.h. Upstream stops at the first error;
// this parser reports it with file and line, skips to the end of the block
// and carries on, so one run shows every malformed block of a file.
#include "promqltest/script.h"

#include <limits>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "parser/go_format.h"
#include "parser/literals.h"
#include "promlite/promql/parser.h"
#include "promlite/promql/promqltest.h"
#include "promlite/tsdb/duration.h"
#include "promqltest/text.h"
#include "re2/re2.h"

namespace promlite::promql::promqltest {
namespace {

constexpr std::string_view kRangeVectorPrefix = "expect range vector";
constexpr std::string_view kExpectStringPrefix = "expect string";

// Upstream's header patterns, unchanged.
const re2::RE2& PatLoad() {
  static const re2::RE2 re(R"(^load(?:_(with_nhcb))?\s+(.+?)$)");
  return re;
}
const re2::RE2& PatEvalInstant() {
  static const re2::RE2 re(R"(^eval(?:_(fail|warn|ordered|info))?\s+instant\s+(?:at\s+(.+?))?\s+(.+)$)");
  return re;
}
const re2::RE2& PatEvalRange() {
  static const re2::RE2 re(R"(^eval(?:_(fail|warn|info))?\s+range\s+from\s+(.+)\s+to\s+(.+)\s+step\s+(.+?)\s+(.+)$)");
  return re;
}
const re2::RE2& PatExpect() {
  static const re2::RE2 re(R"(^expect\s+(ordered|fail|warn|no_warn|info|no_info)(?:\s+(regex|msg):(.+))?$)");
  return re;
}
const re2::RE2& PatExpectRange() {
  static const re2::RE2 re(R"(^expect range vector\s+from\s+(.+)\s+to\s+(.+)\s+step\s+(.+)$)");
  return re;
}

re2::StringPiece SP(std::string_view s) { return re2::StringPiece(s.data(), s.size()); }

absl::StatusOr<int64_t> Duration(std::string_view s) { return tsdb::ParseDuration(s); }

// strconv.Unquote: "..." and `...` strings, or '...' holding exactly one rune.
bool GoUnquote(std::string_view s, std::string* out) {
  if (!parser::UnquoteString(s, out)) return false;
  if (s[0] != '\'') return true;
  int width = 0;
  return !out->empty() && parser::DecodeRune(*out, 0, &width) >= 0 && static_cast<size_t>(width) == out->size();
}

class ScriptParser {
 public:
  ScriptParser(std::vector<std::string> lines, std::string_view name) : lines_(std::move(lines)), name_(name) {}

  // Splits a script into lines, trimmed, comments blanked.
  static std::vector<std::string> Lines(std::string_view text) {
    std::vector<std::string> out;
    while (true) {
      const size_t nl = text.find('\n');
      const std::string_view l = Trim(text.substr(0, nl));
      out.emplace_back(l.starts_with("#") ? std::string_view() : l);
      if (nl == std::string_view::npos) break;
      text.remove_prefix(nl + 1);
    }
    return out;
  }

  Script Parse(bool loads_only) {
    Script s;
    s.name = std::string(name_);
    for (size_t i = 0; i < lines_.size(); i++) {
      const std::string& l = lines_[i];
      if (l.empty()) continue;
      const std::string first = Lower(l.substr(0, l.find_first_of(" \t")));
      bool ok = true;
      if (loads_only && !first.starts_with("load")) {
        Error(i, absl::StrCat("only load commands are allowed here, found ", parser::GoQuote(l)));
        ok = false;
      } else if (first == "clear") {
        s.commands.push_back(ClearCommand{static_cast<int>(i) + 1});
      } else if (first.starts_with("load")) {
        LoadCommand cmd;
        ok = ParseLoad(&i, &cmd);
        if (ok) s.commands.push_back(std::move(cmd));
      } else if (first.starts_with("eval")) {
        EvalCommand cmd;
        ok = ParseEval(&i, &cmd);
        if (ok) s.commands.push_back(std::move(cmd));
      } else {
        Error(i, absl::StrCat("invalid command ", parser::GoQuote(l)));
        ok = false;
      }
      if (!ok) {
        // Resume after the malformed block.
        while (i + 1 < lines_.size() && !lines_[i + 1].empty()) i++;
      }
    }
    return s;
  }

  // The body of an eval whose header is not in the text: lines_ are all
  // body; line_numbers gives each one's line in the caller's text.
  bool ParseBodyOnly(EvalCommand* cmd, std::vector<int> line_numbers) {
    size_t i = 0;
    lines_.insert(lines_.begin(), "");
    line_numbers_ = std::move(line_numbers);
    line_numbers_.insert(line_numbers_.begin(), 0);
    if (!ParseEvalBody(&i, cmd)) return false;
    if (i + 1 < lines_.size()) {
      Error(i + 1, absl::StrCat("unexpected line after the expected ",
                                cmd->expectation.expect_scalar ? "scalar" : "failure", ": ",
                                parser::GoQuote(lines_[i + 1])));
      return false;
    }
    return true;
  }

  const std::vector<std::string>& errors() const { return errors_; }

 private:
  void Error(size_t i, std::string_view msg) {
    const int line = i < line_numbers_.size() ? line_numbers_[i] : static_cast<int>(i) + 1;
    errors_.push_back(absl::StrCat(AV(name_), ":", line, ": ", AV(msg)));
  }

  bool ParseLoad(size_t* ip, LoadCommand* cmd) {
    size_t& i = *ip;
    cmd->line = static_cast<int>(i) + 1;
    std::string nhcb, step;
    if (!re2::RE2::PartialMatch(SP(lines_[i]), PatLoad(), &nhcb, &step)) {
      Error(i, "invalid load command. (load[_with_nhcb] <step:duration>)");
      return false;
    }
    cmd->with_nhcb = nhcb == "with_nhcb";
    auto gap = Duration(step);
    if (!gap.ok()) {
      Error(i, absl::StrCat("invalid step definition ", parser::GoQuote(step), ": ", gap.status().message()));
      return false;
    }
    cmd->interval_ms = *gap;
    std::optional<SeriesDesc> pending_st;
    size_t pending_line = 0;
    while (i + 1 < lines_.size() && !lines_[i + 1].empty()) {
      const std::string& def = lines_[++i];
      if (IsStartTimestampLine(def)) {
        if (pending_st) {
          Error(pending_line, "@st line has no following sample line");
          return false;
        }
        auto st = ParseStartTimestampLine(def);
        if (!st.ok()) {
          Error(i, SV(st.status().message()));
          return false;
        }
        pending_st = std::move(*st);
        pending_line = i;
        continue;
      }
      auto d = ParseSeriesDesc(def);
      if (!d.ok()) {
        Error(i, SV(d.status().message()));
        return false;
      }
      LoadedSeries s{static_cast<int>(i) + 1, d->metric, std::move(d->values), d->has_histograms, false};
      if (pending_st) {
        if (pending_st->metric != s.metric) {
          Error(pending_line, "@st metric does not match the following sample line metric");
          return false;
        }
        if (pending_st->values.size() != s.values.size()) {
          Error(pending_line, absl::StrCat("@st line has ", pending_st->values.size(), " values but sample line has ",
                                           s.values.size()));
          return false;
        }
        s.has_start_timestamps = true;
        pending_st.reset();
      }
      bool replaced = false;
      for (auto& existing : cmd->series) {
        if (existing.metric == s.metric) {
          existing = s;
          replaced = true;
        }
      }
      if (!replaced) cmd->series.push_back(std::move(s));
    }
    if (pending_st) {
      Error(pending_line, "@st line has no following sample line");
      return false;
    }
    return true;
  }

  bool ParseEval(size_t* ip, EvalCommand* cmd) {
    size_t& i = *ip;
    const std::string& header = lines_[i];
    cmd->line = static_cast<int>(i) + 1;
    std::string mod, at, from, to, step;
    if (re2::RE2::PartialMatch(SP(header), PatEvalInstant(), &mod, &at, &cmd->expr)) {
      auto t = Duration(at);
      if (!t.ok()) {
        Error(i, absl::StrCat("invalid timestamp definition ", parser::GoQuote(at), ": ", t.status().message()));
        return false;
      }
      cmd->eval_time = cmd->start = *t;
    } else if (re2::RE2::PartialMatch(SP(header), PatEvalRange(), &mod, &from, &to, &step, &cmd->expr)) {
      cmd->is_range = true;
      if (!ParseRangeTimes(i, from, to, step, &cmd->start, &cmd->end, &cmd->step)) return false;
    } else {
      Error(i,
            "invalid evaluation command. Must be either 'eval[_fail|_warn|_ordered|_info] instant [at "
            "<offset:duration>] <query>' or 'eval[_fail|_warn|_info] range from <from> to <to> step <step> <query>'");
      return false;
    }
    if (auto e = ParseExpr(cmd->expr, ParseOptions::AllEnabled()); !e.ok()) {
      cmd->parse_error = std::string(e.status().message());
    }
    bool header_fail = false;
    if (mod == "ordered") cmd->expectation.ordered = true;
    if (mod == "fail") header_fail = true;
    if (mod == "warn") cmd->annotations.require_warn = true;
    if (mod == "info") cmd->annotations.require_info = true;
    cmd->fail = header_fail;
    if (!ParseEvalBody(&i, cmd)) return false;
    PrepareExpectation(cmd);
    return true;
  }

  bool ParseRangeTimes(size_t i, std::string_view from, std::string_view to, std::string_view step, int64_t* start,
                       int64_t* end, int64_t* stepv) {
    auto f = Duration(from);
    if (!f.ok()) {
      Error(i, absl::StrCat("invalid start timestamp definition ", parser::GoQuote(from), ": ", f.status().message()));
      return false;
    }
    auto t = Duration(to);
    if (!t.ok()) {
      Error(i, absl::StrCat("invalid end timestamp definition ", parser::GoQuote(to), ": ", t.status().message()));
      return false;
    }
    if (*t < *f) {
      Error(i, absl::StrCat("invalid test definition, end timestamp (", AV(to), ") is before start timestamp (", AV(from), ")"));
      return false;
    }
    auto s = Duration(step);
    if (!s.ok()) {
      Error(i, absl::StrCat("invalid step definition ", parser::GoQuote(step), ": ", s.status().message()));
      return false;
    }
    *start = *f;
    *end = *t;
    *stepv = *s;
    return true;
  }

  // The lines after the header at *ip; leaves *ip at the last line consumed.
  bool ParseEvalBody(size_t* ip, EvalCommand* cmd) {
    size_t& i = *ip;
    const bool header_fail = cmd->fail;
    auto& expects = cmd->annotations.expects;
    for (int j = 1; i + 1 < lines_.size() && !lines_[i + 1].empty(); j++) {
      const std::string& def = lines_[++i];
      cmd->body.push_back(def);
      if (header_fail && def.starts_with("expected_fail_message")) {
        cmd->expected_fail_message = std::string(Trim(std::string_view(def).substr(21)));
        break;
      }
      if (header_fail && def.starts_with("expected_fail_regexp")) {
        const std::string pattern(Trim(std::string_view(def).substr(20)));
        std::string err;
        cmd->expected_fail_regexp = TextMatcher::Regex(pattern, &err);
        if (!cmd->expected_fail_regexp) {
          Error(i, absl::StrCat("invalid regexp '", pattern, "' for expected_fail_regexp: ", err));
          return false;
        }
        break;
      }
      if (def.starts_with(kRangeVectorPrefix)) {
        std::string from, to, step;
        if (!re2::RE2::PartialMatch(SP(def), PatExpectRange(), &from, &to, &step)) {
          Error(i, absl::StrCat("invalid range vector definition ", parser::GoQuote(def)));
          return false;
        }
        Expectation& e = cmd->expectation;
        if (!ParseRangeTimes(i, from, to, step, &e.start, &e.end, &e.step)) return false;
        cmd->expect_range_vector = true;
        cmd->exclude_from_range_query = true;
        cmd->eval_time = e.end;
        continue;
      }
      if (def.starts_with(kExpectStringPrefix)) {
        std::string_view str = def;
        constexpr std::string_view kPrefix = "expect string ";
        const bool has_prefix = str.starts_with(kPrefix);
        if (has_prefix) str.remove_prefix(kPrefix.size());
        if (def == kExpectStringPrefix || !has_prefix || str.empty()) {
          Error(i, "expected string literal not valid - a quoted string literal is required");
          return false;
        }
        if (!GoUnquote(str, &cmd->expectation.string_value)) {
          Error(i, "expected string literal not valid - check that the string is correctly quoted");
          return false;
        }
        cmd->exclude_from_range_query = true;
        continue;
      }
      // A metric named "expect" can still be written as expect{}.
      if (def.substr(0, def.find(' ')) == "expect") {
        std::string kind, how, text;
        if (!re2::RE2::PartialMatch(SP(def), PatExpect(), &kind, &how, &text)) {
          Error(i, "invalid expect statement, must match `expect <type> <match_type>: <string>` format");
          return false;
        }
        static const std::pair<std::string_view, ExpectKind> kKinds[] = {
            {"ordered", kExpectOrdered}, {"fail", kExpectFail}, {"warn", kExpectWarn},
            {"no_warn", kExpectNoWarn},  {"info", kExpectInfo}, {"no_info", kExpectNoInfo}};
        ExpectKind k = kExpectOrdered;
        for (const auto& [n, v] : kKinds) {
          if (n == kind) k = v;
        }
        std::optional<TextMatcher> m;
        if (how == "msg") {
          m = TextMatcher::Message(std::string(Trim(text)));
        } else if (how == "regex") {
          const std::string pattern(Trim(text));
          std::string err;
          m = TextMatcher::Regex(pattern, &err);
          if (!m) {
            Error(i, absl::StrCat("invalid regex ", pattern, " for ", kind, ": ", err));
            return false;
          }
        } else {
          m = TextMatcher::Any();
        }
        expects[k].push_back(std::move(*m));
        j--;
        if (!expects[kExpectInfo].empty() && !expects[kExpectNoInfo].empty()) {
          Error(i, "invalid expect lines, info and no_info cannot be used together");
          return false;
        }
        if (!expects[kExpectWarn].empty() && !expects[kExpectNoWarn].empty()) {
          Error(i, "invalid expect lines, warn and no_warn cannot be used together");
          return false;
        }
        if (expects[kExpectFail].size() > 1) {
          Error(i, "invalid expect lines, multiple expect fail lines are not allowed");
          return false;
        }
        continue;
      }
      double scalar;
      if (ParseScalarLine(def, &scalar)) {
        cmd->expectation.expect_scalar = true;
        cmd->expectation.scalar = SeqValue::Float(scalar);
        break;
      }
      auto d = ParseSeriesDesc(def);
      if (!d.ok()) {
        Error(i, SV(d.status().message()));
        return false;
      }
      if (d->values.size() > 1 && !cmd->is_range && !cmd->expect_range_vector) {
        Error(i,
              "expecting multiple values in instant evaluation not allowed. consider using 'expect range vector' "
              "directive to enable a range vector result for an instant query");
        return false;
      }
      cmd->expects_histograms = cmd->expects_histograms || d->has_histograms;
      cmd->expectation.expect_scalar = false;
      cmd->expectation.AddSeries({d->metric, std::move(d->values), j});
    }
    cmd->fail = header_fail || !expects[kExpectFail].empty();
    cmd->expectation.ordered = cmd->expectation.ordered || !expects[kExpectOrdered].empty();
    return true;
  }

  std::vector<std::string> lines_;
  std::vector<int> line_numbers_;  // empty: index + 1
  std::string_view name_;
  std::vector<std::string> errors_;
};

absl::Status ErrorsToStatus(const std::vector<std::string>& errors) {
  return absl::InvalidArgumentError(absl::StrJoin(errors, "\n"));
}

}  // namespace

void PrepareExpectation(EvalCommand* cmd) {
  Expectation& e = cmd->expectation;
  if (cmd->is_range) {
    e.start = cmd->start;
    e.end = cmd->end;
    e.step = cmd->step;
  } else if (!cmd->expect_range_vector) {
    e.start = cmd->eval_time;
    e.end = std::numeric_limits<int64_t>::min();
    e.step = 0;
  }
}

absl::StatusOr<Script> ParseScript(std::string_view text, std::string_view name) {
  ScriptParser p(ScriptParser::Lines(text), name);
  Script s = p.Parse(/*loads_only=*/false);
  if (!p.errors().empty()) return ErrorsToStatus(p.errors());
  return s;
}

absl::StatusOr<std::vector<LoadCommand>> ParseLoadScript(std::string_view text, std::string_view name) {
  ScriptParser p(ScriptParser::Lines(text), name);
  Script s = p.Parse(/*loads_only=*/true);
  if (!p.errors().empty()) return ErrorsToStatus(p.errors());
  std::vector<LoadCommand> out;
  for (auto& c : s.commands) out.push_back(std::move(std::get<LoadCommand>(c)));
  return out;
}

absl::StatusOr<EvalCommand> ParseEvalBody(std::string_view body, bool is_range, std::string_view name) {
  std::vector<std::string> lines;
  std::vector<int> numbers;
  int n = 0;
  for (auto& l : ScriptParser::Lines(body)) {
    n++;
    if (l.empty()) continue;
    lines.push_back(std::move(l));
    numbers.push_back(n);
  }
  ScriptParser p(std::move(lines), name);
  EvalCommand cmd;
  cmd.is_range = is_range;
  if (!p.ParseBodyOnly(&cmd, std::move(numbers))) return ErrorsToStatus(p.errors());
  return cmd;
}

absl::Status ValidateTestScript(std::string_view script, std::string_view name) {
  auto parsed = ParseScript(script, name);
  if (!parsed.ok()) return parsed.status();
  std::string errors;
  for (const Command& c : parsed->commands) {
    const auto* e = std::get_if<EvalCommand>(&c);
    if (e != nullptr && !e->parse_error.empty()) {
      absl::StrAppend(&errors, errors.empty() ? "" : "\n", AV(name), ":", e->line, ": ", e->parse_error);
    }
  }
  if (!errors.empty()) return absl::InvalidArgumentError(errors);
  return absl::OkStatus();
}

}  // namespace promlite::promql::promqltest
