#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "promlite/scrape/relabel.h"

using namespace promlite::scrape;
using promlite::tsdb::Labels;

namespace {

RelabelConfig Cfg(RelabelAction action, std::vector<std::string> src = {}, std::string regex = "",
                  std::string target = "", std::string replacement = "$1") {
  RelabelConfig c;
  c.action = action;
  c.source_labels = std::move(src);
  if (!regex.empty()) {
    auto re = RelabelRegex::Compile(regex);
    REQUIRE(re.ok());
    c.regex = *re;
    c.regex_set = true;
  }
  c.target_label = std::move(target);
  c.replacement = std::move(replacement);
  return c;
}

std::string Run(const Labels& in, const std::vector<RelabelConfig>& cfgs) {
  for (const auto& c : cfgs) REQUIRE(c.Validate().ok());
  Labels out = Relabel(in, cfgs);
  return out.empty() ? "<dropped>" : out.ToString();
}

}  // namespace

TEST_CASE("relabel: every action with Prometheus' defaults", "[relabel]") {
  using A = RelabelAction;
  const Labels in{{"a", "foo"}, {"b", "bar"}, {"c", "baz"}};
  struct Case {
    std::string name;
    std::vector<RelabelConfig> cfgs;
    std::string want;
  };
  std::vector<Case> cases = {
      {"replace with group", {Cfg(A::kReplace, {"a"}, "f(.*)", "d", "ch${1}-ch${1}")},
       "{a=\"foo\", b=\"bar\", c=\"baz\", d=\"choo-choo\"}"},
      {"replace joins with separator", {Cfg(A::kReplace, {"a", "b"}, "f(.*);(.*)r", "a", "b${1}${2}m")},
       "{a=\"boobam\", b=\"bar\", c=\"baz\"}"},
      {"replace without match does nothing", {Cfg(A::kReplace, {"a"}, "x(.*)", "d")},
       "{a=\"foo\", b=\"bar\", c=\"baz\"}"},
      {"default regex and replacement copy the value", {Cfg(A::kReplace, {"c"}, "", "d")},
       "{a=\"foo\", b=\"bar\", c=\"baz\", d=\"baz\"}"},
      {"empty replacement deletes the target", {Cfg(A::kReplace, {"a"}, "(f).*", "a", "")},
       "{b=\"bar\", c=\"baz\"}"},
      {"missing source with default regex sets the replacement", {Cfg(A::kReplace, {"z"}, "", "d", "static")},
       "{a=\"foo\", b=\"bar\", c=\"baz\", d=\"static\"}"},
      {"target label from a group", {Cfg(A::kReplace, {"a"}, "(f)oo", "lbl_$1", "v")},
       "{a=\"foo\", b=\"bar\", c=\"baz\", lbl_f=\"v\"}"},
      {"named groups", {Cfg(A::kReplace, {"a"}, "(?P<first>f)(?P<rest>.*)", "d", "$rest-${first}")},
       "{a=\"foo\", b=\"bar\", c=\"baz\", d=\"oo-f\"}"},
      {"$1x names group 1x which is empty", {Cfg(A::kReplace, {"a"}, "(f.*)", "d", "$1x")},
       "{a=\"foo\", b=\"bar\", c=\"baz\"}"},
      {"$$ is a literal dollar", {Cfg(A::kReplace, {"a"}, "(f.*)", "d", "$$1")},
       "{a=\"foo\", b=\"bar\", c=\"baz\", d=\"$1\"}"},
      {"regex is anchored", {Cfg(A::kReplace, {"a"}, "o", "d", "hit")}, "{a=\"foo\", b=\"bar\", c=\"baz\"}"},
      {"dot matches newline", {[] {
         RelabelConfig c = Cfg(A::kReplace, {"a", "b"}, "foo.bar", "d", "hit");
         c.separator = "\n";
         return c;
       }()},
       "{a=\"foo\", b=\"bar\", c=\"baz\", d=\"hit\"}"},
      {"keep keeps matches", {Cfg(A::kKeep, {"a"}, "f.*")}, "{a=\"foo\", b=\"bar\", c=\"baz\"}"},
      {"keep drops others", {Cfg(A::kKeep, {"a"}, "b.*")}, "<dropped>"},
      {"keep on a missing label sees the empty string", {Cfg(A::kKeep, {"z"}, "")},
       "{a=\"foo\", b=\"bar\", c=\"baz\"}"},
      {"drop drops matches", {Cfg(A::kDrop, {"b"}, "ba.")}, "<dropped>"},
      {"drop keeps others", {Cfg(A::kDrop, {"b"}, "x")}, "{a=\"foo\", b=\"bar\", c=\"baz\"}"},
      {"keepequal keeps equal", {Cfg(A::kKeepEqual, {"a"}, "", "a")}, "{a=\"foo\", b=\"bar\", c=\"baz\"}"},
      {"keepequal drops unequal", {Cfg(A::kKeepEqual, {"a"}, "", "b")}, "<dropped>"},
      {"dropequal drops equal", {Cfg(A::kDropEqual, {"a"}, "", "a")}, "<dropped>"},
      {"dropequal keeps unequal", {Cfg(A::kDropEqual, {"a"}, "", "b")}, "{a=\"foo\", b=\"bar\", c=\"baz\"}"},
      {"labelmap copies with the replacement", {Cfg(A::kLabelMap, {}, "(a|b)", "", "new_$1")},
       "{a=\"foo\", b=\"bar\", c=\"baz\", new_a=\"foo\", new_b=\"bar\"}"},
      {"labeldrop", {Cfg(A::kLabelDrop, {}, "[ab]")}, "{c=\"baz\"}"},
      {"labelkeep", {Cfg(A::kLabelKeep, {}, "[ab]")}, "{a=\"foo\", b=\"bar\"}"},
      {"lowercase", {Cfg(A::kLowercase, {"a"}, "", "u")}, "{a=\"foo\", b=\"bar\", c=\"baz\", u=\"foo\"}"},
      {"rules apply in order", {Cfg(A::kReplace, {"a"}, "", "x"), Cfg(A::kDrop, {"x"}, "foo")}, "<dropped>"},
  };
  for (const auto& c : cases) {
    INFO(c.name);
    CHECK(Run(in, c.cfgs) == c.want);
  }
  // Case mapping is Unicode-aware like Go's strings.ToUpper/ToLower.
  // ß has no single-rune upper case, so Go (simple case mapping) keeps it.
  CHECK(Run(Labels{{"a", "Grüße ÄÖÜ"}}, {Cfg(A::kUppercase, {"a"}, "", "u")}) ==
        "{a=\"Grüße ÄÖÜ\", u=\"GRÜßE ÄÖÜ\"}");
  CHECK(Run(Labels{{"a", "ÄBC"}}, {Cfg(A::kLowercase, {"a"}, "", "l")}) == "{a=\"ÄBC\", l=\"äbc\"}");
}

TEST_CASE("relabel: labelmap visits base labels then additions, like Prometheus", "[relabel]") {
  using A = RelabelAction;
  // Both __meta_x and __meta_y map to "z": the later one (sorted) wins.
  Labels in{{"__meta_y", "from_y"}, {"__meta_x", "from_x"}};
  CHECK(Run(in, {Cfg(A::kLabelMap, {}, "__meta_(x|y)", "", "z")}) ==
        "{__meta_x=\"from_x\", __meta_y=\"from_y\", z=\"from_y\"}");
}

TEST_CASE("relabel config validation matches Prometheus' messages", "[relabel]") {
  using A = RelabelAction;
  auto msg = [](RelabelConfig c) { return std::string(c.Validate().message()); };
  RelabelConfig hm = Cfg(A::kHashMod, {"a"}, "", "t");
  CHECK(msg(hm) == "relabel configuration for hashmod requires non-zero modulus");
  CHECK(msg(Cfg(A::kReplace, {"a"})) == "relabel configuration for replace action requires 'target_label' value");
  CHECK(msg(Cfg(A::kLowercase, {"a"}, "", "t", "x")) == "'replacement' can not be set for lowercase action");
  CHECK(msg(Cfg(A::kKeepEqual, {"a"}, "x", "t")) ==
        "keepequal action requires only 'source_labels' and `target_label`, and no other fields");
  CHECK(msg(Cfg(A::kLabelDrop, {"a"}, "x")) == "labeldrop action requires only 'regex', and no other fields");
  CHECK(Cfg(A::kReplace, {"a"}, "", "ünï").Validate().ok());  // UTF-8 names are fine by default
  CHECK(!Cfg(A::kReplace, {"a"}, "", "ünï").Validate(NameValidation::kLegacy).ok());
  CHECK(std::string(Cfg(A::kReplace, {"a"}, "", "1x").Validate(NameValidation::kLegacy).message()) ==
        "\"1x\" is invalid 'target_label' for replace action");
  CHECK(Cfg(A::kReplace, {"a"}, "", "x_${1}").Validate(NameValidation::kLegacy).ok());
  CHECK(Cfg(A::kLabelMap, {}, "(.*)", "", "$1").Validate(NameValidation::kLegacy).ok());

  CHECK(ParseRelabelAction("HashMod").value() == A::kHashMod);
  CHECK(std::string(ParseRelabelAction("explode").status().message()) == "unknown relabel action \"explode\"");
  auto bad = RelabelRegex::Compile("(abc");
  REQUIRE(!bad.ok());
  CHECK_THAT(std::string(bad.status().message()), Catch::StartsWith("error parsing regexp: missing closing )"));
}

// Values read from Debian's Prometheus 2.42 (/api/v1/targets) for a config
// that shards static targets with hashmod into __tmp_hash and copies it to
// "shard". Job "multi" hashes job|__address__|team with separator "|".
TEST_CASE("hashmod is bit-compatible with Prometheus", "[relabel]") {
  struct Row {
    const char* job;
    const char* address;
    uint64_t modulus;
    uint64_t want;
  };
  const Row rows[] = {
      {"mod7", "10.0.0.10:9100", 7ull, 3ull},
      {"mod7", "10.0.0.11:9100", 7ull, 2ull},
      {"mod7", "10.0.0.12:9100", 7ull, 0ull},
      {"mod7", "10.0.0.1:9100", 7ull, 2ull},
      {"mod7", "10.0.0.2:9100", 7ull, 1ull},
      {"mod7", "10.0.0.3:9100", 7ull, 5ull},
      {"mod7", "10.0.0.4:9100", 7ull, 0ull},
      {"mod7", "10.0.0.5:9100", 7ull, 0ull},
      {"mod7", "10.0.0.6:9100", 7ull, 4ull},
      {"mod7", "10.0.0.7:9100", 7ull, 1ull},
      {"mod7", "10.0.0.8:9100", 7ull, 3ull},
      {"mod7", "10.0.0.9:9100", 7ull, 3ull},
      {"mod7", "[::1]:8080", 7ull, 0ull},
      {"mod7", "db-01:5432", 7ull, 3ull},
      {"mod7", "node-a.example.org:9100", 7ull, 3ull},
      {"mod7", "ünïcode-host:1", 7ull, 5ull},
      {"mod1000", "10.0.0.10:9100", 1000ull, 788ull},
      {"mod1000", "10.0.0.11:9100", 1000ull, 166ull},
      {"mod1000", "10.0.0.12:9100", 1000ull, 745ull},
      {"mod1000", "10.0.0.1:9100", 1000ull, 645ull},
      {"mod1000", "10.0.0.2:9100", 1000ull, 841ull},
      {"mod1000", "10.0.0.3:9100", 1000ull, 175ull},
      {"mod1000", "10.0.0.4:9100", 1000ull, 352ull},
      {"mod1000", "10.0.0.5:9100", 1000ull, 870ull},
      {"mod1000", "10.0.0.6:9100", 1000ull, 305ull},
      {"mod1000", "10.0.0.7:9100", 1000ull, 546ull},
      {"mod1000", "10.0.0.8:9100", 1000ull, 807ull},
      {"mod1000", "10.0.0.9:9100", 1000ull, 258ull},
      {"mod1000", "[::1]:8080", 1000ull, 235ull},
      {"mod1000", "db-01:5432", 1000ull, 967ull},
      {"mod1000", "node-a.example.org:9100", 1000ull, 599ull},
      {"mod1000", "ünïcode-host:1", 1000ull, 413ull},
      {"mod2p40", "10.0.0.10:9100", 1099511627776ull, 205600244820ull},
      {"mod2p40", "10.0.0.11:9100", 1099511627776ull, 920141493638ull},
      {"mod2p40", "10.0.0.12:9100", 1099511627776ull, 808714907897ull},
      {"mod2p40", "10.0.0.1:9100", 1099511627776ull, 277082180413ull},
      {"mod2p40", "10.0.0.2:9100", 1099511627776ull, 817225017713ull},
      {"mod2p40", "10.0.0.3:9100", 1099511627776ull, 534562788783ull},
      {"mod2p40", "10.0.0.4:9100", 1099511627776ull, 438738723408ull},
      {"mod2p40", "10.0.0.5:9100", 1099511627776ull, 775866870302ull},
      {"mod2p40", "10.0.0.6:9100", 1099511627776ull, 387213591297ull},
      {"mod2p40", "10.0.0.7:9100", 1099511627776ull, 188138974658ull},
      {"mod2p40", "10.0.0.8:9100", 1099511627776ull, 311283185055ull},
      {"mod2p40", "10.0.0.9:9100", 1099511627776ull, 953225519914ull},
      {"mod2p40", "[::1]:8080", 1099511627776ull, 982147357851ull},
      {"mod2p40", "db-01:5432", 1099511627776ull, 356487863831ull},
      {"mod2p40", "node-a.example.org:9100", 1099511627776ull, 396452577239ull},
      {"mod2p40", "ünïcode-host:1", 1099511627776ull, 816589917133ull},
      {"multi", "10.0.0.10:9100", 13ull, 9ull},
      {"multi", "10.0.0.11:9100", 13ull, 4ull},
      {"multi", "10.0.0.12:9100", 13ull, 3ull},
      {"multi", "10.0.0.1:9100", 13ull, 0ull},
      {"multi", "10.0.0.2:9100", 13ull, 4ull},
      {"multi", "10.0.0.3:9100", 13ull, 11ull},
      {"multi", "10.0.0.4:9100", 13ull, 7ull},
      {"multi", "10.0.0.5:9100", 13ull, 9ull},
      {"multi", "10.0.0.6:9100", 13ull, 9ull},
      {"multi", "10.0.0.7:9100", 13ull, 3ull},
      {"multi", "10.0.0.8:9100", 13ull, 12ull},
      {"multi", "10.0.0.9:9100", 13ull, 10ull},
      {"multi", "[::1]:8080", 13ull, 6ull},
      {"multi", "db-01:5432", 13ull, 2ull},
      {"multi", "node-a.example.org:9100", 13ull, 4ull},
      {"multi", "ünïcode-host:1", 13ull, 1ull},
  };
  for (const Row& r : rows) {
    INFO(r.job << " " << r.address);
    std::string src = r.address;
    if (std::string(r.job) == "multi") src = std::string("multi|") + r.address + "|ßpecial-tëam";
    CHECK(HashMod(src, r.modulus) == r.want);
    // And through the relabel machinery, as the config did it.
    RelabelConfig c;
    c.action = RelabelAction::kHashMod;
    c.source_labels = {"__address__"};
    c.modulus = r.modulus;
    c.target_label = "__tmp_hash";
    if (std::string(r.job) == "multi") {
      c.source_labels = {"job", "__address__", "team"};
      c.separator = "|";
    }
    REQUIRE(c.Validate().ok());
    Labels out = Relabel(Labels{{"__address__", r.address}, {"job", r.job}, {"team", "ßpecial-tëam"}}, {c});
    CHECK(out.Get("__tmp_hash") == std::to_string(r.want));
  }
}
