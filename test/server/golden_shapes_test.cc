// promlite's API answers have the JSON shapes of Prometheus' answers.
//
// test/server/golden/ holds responses of Debian's Prometheus 2.42 to the
// requests in golden/requests.txt, recorded by scripts/record-api-golden.sh
// with golden/prometheus.yml and golden/rules.yml. This test starts promlite with the same
// configuration, sends the same requests and compares the shapes: object keys,
// JSON types, array element shapes (json_shape.h), the HTTP status code and
// the few values that are fixed by construction (status, errorType,
// resultType). Differences that are right for promlite (it follows Prometheus
// 3.x, or the key is Go-specific) are listed in kAllowed with the reason.
#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <sstream>

#include "json_shape.h"
#include "server_fixture.h"

using nlohmann::json;
using promlite::testing::Eventually;
using promlite::testing::FreePort;
using promlite::testing::ShapeComparer;
using promlite::testing::ShapeDiff;
using promlite::testing::TestServer;

namespace {

const std::filesystem::path kGolden = std::filesystem::path(__FILE__).parent_path() / "golden";

std::string ReadFile(const std::filesystem::path& p) {
  std::ifstream in(p);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string ReplaceAll(std::string s, const std::string& from, const std::string& to) {
  for (size_t i = s.find(from); i != std::string::npos; i = s.find(from, i + to.size())) s.replace(i, from.size(), to);
  return s;
}

struct Request {
  std::string name, method, path, body;
};

std::vector<Request> ReadRequests() {
  std::vector<Request> out;
  std::istringstream in(ReadFile(kGolden / "requests.txt"));
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    std::istringstream ls(line);
    Request r;
    ls >> r.name >> r.method >> r.path >> r.body;
    out.push_back(r);
  }
  return out;
}

std::map<std::string, int> ReadStatusCodes() {
  std::map<std::string, int> out;
  std::istringstream in(ReadFile(kGolden / "status.txt"));
  std::string name;
  int code;
  while (in >> name >> code) out[name] = code;
  return out;
}

// Objects whose keys are data (label names, metric names, flag names, scrape
// pools): their values are compared like array elements, their keys not.
struct MapPath {
  const char* requests;  // regex over request names
  const char* path;
};
const MapPath kMaps[] = {
    {".*", "$.data.result[].metric"},
    {"series.*", "$.data[]"},
    {"targets.*", "$.data.activeTargets[].discoveredLabels"},
    {"targets.*", "$.data.activeTargets[].labels"},
    {"targets.*", "$.data.droppedTargets[].discoveredLabels"},
    {"targets.*", "$.data.droppedTargetCounts"},
    {"targets_metadata.*", "$.data[].target"},
    {"metadata.*", "$.data"},
    {"status_flags", "$.data"},
    {"rules.*", "$.data.groups[].rules[].labels"},
    {"rules.*", "$.data.groups[].rules[].annotations"},
    {"rules.*", "$.data.groups[].rules[].alerts[].labels"},
    {"rules.*", "$.data.groups[].rules[].alerts[].annotations"},
    {"alerts", "$.data.alerts[].labels"},
    {"alerts", "$.data.alerts[].annotations"},
};

// Accepted differences between promlite and the recorded Prometheus 2.42.
struct Allowed {
  const char* requests;  // regex over request names
  const char* path;
  const char* what;
  const char* reason;
};
const Allowed kAllowed[] = {
    {"targets|targets_dropped", "$.data.droppedTargets[].scrapePool", "extra key",
     "Prometheus after 2.42 (and 3.x) names the scrape pool of a dropped target too; promlite follows 3.x."},
    {"targets|targets_active|targets_dropped", "$.data.droppedTargetCounts", "extra key",
     "Prometheus after 2.42 (and 3.x) counts dropped targets per pool, since droppedTargets can be limited."},
    {"status_runtimeinfo", "$.data.GOMEMLIMIT", "extra key",
     "Prometheus after 2.42 (and 3.x) reports the Go memory limit; promlite reports no limit (max int64) so "
     "clients reading the 3.x shape find it."},
};

bool IsAllowed(const std::string& request, const ShapeDiff& d) {
  for (const auto& a : kAllowed) {
    if (std::regex_match(request, std::regex(a.requests)) && d.path == a.path && d.what == a.what) return true;
  }
  return false;
}

std::string GoldenConfig(int port) {
  return ReplaceAll(ReadFile(kGolden / "prometheus.yml"), "@PORT@", std::to_string(port));
}

// Both jobs scraped a few times, the self-scrape's metadata known and the
// alert on the down target firing (so rules and alerts are not empty).
bool Scraped(TestServer& s) {
  auto r = s.Get(
      "/api/v1/query?query=min(count_over_time(up%5B1m%5D))%20and%20on()%20count(ALERTS%7Balertstate%3D%22firing%22%7D)");
  if (!r || r->status != 200) return false;
  json j = json::parse(r->body, nullptr, false);
  if (j.is_discarded() || j["data"]["result"].empty()) return false;
  if (std::stod(j["data"]["result"][0]["value"][1].get<std::string>()) < 4) return false;
  auto m = s.Get("/api/v1/metadata?metric=prometheus_build_info");
  return m && m->status == 200 && m->body.find("gauge") != std::string::npos;
}

}  // namespace

TEST_CASE("API answers have the JSON shapes of Prometheus' recorded answers", "[server][golden]") {
  std::vector<Request> requests = ReadRequests();
  std::map<std::string, int> codes = ReadStatusCodes();
  REQUIRE(requests.size() > 40);

  int port = FreePort();
  TestServer s(GoldenConfig(port));
  std::filesystem::copy_file(kGolden / "rules.yml", std::filesystem::path(s.root()) / "rules.yml");
  s.flags().web_listen_address = "127.0.0.1:" + std::to_string(port);
  REQUIRE(s.Start().ok());
  REQUIRE(Eventually([&] { return Scraped(s); }, 30));
  httplib::Client client("127.0.0.1", port);
  client.set_read_timeout(30, 0);

  auto now = std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch());
  std::string end = std::to_string(now.count());
  std::string start = std::to_string(now.count() - 10);
  auto subst = [&](std::string x) { return ReplaceAll(ReplaceAll(x, "@START@", start), "@END@", end); };

  for (const auto& req : requests) {
    INFO(req.name << ": " << req.method << " " << req.path << " " << req.body);
    std::filesystem::path gf = kGolden / (req.name + ".json");
    REQUIRE(std::filesystem::exists(gf));
    REQUIRE(codes.count(req.name) == 1);
    json golden = json::parse(ReadFile(gf));

    httplib::Result r = req.method == "POST" ? client.Post(subst(req.path).c_str(), subst(req.body),
                                                           "application/x-www-form-urlencoded")
                                             : client.Get(subst(req.path).c_str());
    REQUIRE(r);
    INFO("promlite answered " << r->status << " " << r->body.substr(0, 2000));
    CHECK(r->status == codes[req.name]);
    json got = json::parse(r->body, nullptr, false);
    REQUIRE(!got.is_discarded());

    // Values fixed by construction.
    for (const char* key : {"status", "errorType"}) {
      if (golden.contains(key)) CHECK(got.value(key, json()) == golden[key]);
    }
    if (golden.contains("data") && golden["data"].is_object() && golden["data"].contains("resultType")) {
      CHECK(got["data"].value("resultType", json()) == golden["data"]["resultType"]);
    }

    ShapeComparer cmp;
    std::string name = req.name;
    cmp.is_map = [&](const std::string& path) {
      for (const auto& m : kMaps) {
        if (path == m.path && std::regex_match(name, std::regex(m.requests))) return true;
      }
      return false;
    };
    cmp.allowed = [&](const ShapeDiff& d) { return IsAllowed(name, d); };
    std::string diffs;
    for (const auto& d : cmp.Compare(golden, got)) diffs += "  " + d.path + ": " + d.what + "\n";
    INFO("shape differences from golden/" << req.name << ".json:\n" << diffs);
    CHECK(diffs.empty());
  }
}

TEST_CASE("The shape comparison finds what it should", "[server][golden]") {
  ShapeComparer cmp;
  auto diffs = [&](const char* g, const char* a) {
    std::string out;
    for (const auto& d : cmp.Compare(json::parse(g), json::parse(a))) out += d.path + ": " + d.what + "\n";
    return out;
  };
  CHECK(diffs(R"({"a":1,"b":"x"})", R"({"a":2,"b":"y"})").empty());
  CHECK(diffs(R"({"a":1,"b":"x"})", R"({"a":1,"c":"x"})") == "$.b: missing key\n$.c: extra key\n");
  CHECK(diffs(R"({"a":1})", R"({"a":"1"})") == "$.a: type golden=number got=string\n");
  CHECK(diffs(R"({"a":null})", R"({"a":false})") == "$.a: type golden=null got=bool\n");
  // Arrays: element shapes, in any order; empty arrays match anything.
  CHECK(diffs(R"([1,"x"])", R"(["y",2,3])").empty());
  CHECK(diffs(R"([])", R"([{"a":1}])").empty());
  CHECK(diffs(R"([{"a":1}])", R"([])").empty());
  CHECK(diffs(R"([{"a":1}])", R"([{"a":1},{"a":2,"b":3}])") == "$[].b: extra key\n");
  CHECK(diffs(R"([{"a":1},{"b":1}])", R"([{"a":1}])") == "$[].b: missing key\n$[].a: extra key\n");
  // Maps: keys are data, values compared like array elements.
  cmp.is_map = [](const std::string& p) { return p == "$.m"; };
  CHECK(diffs(R"({"m":{"x":"1"}})", R"({"m":{"y":"2","z":"3"}})").empty());
  CHECK(diffs(R"({"m":{"x":"1"}})", R"({"m":{"y":2}})") == "$.m.*: type golden=string got=number\n");
  // Allowed differences do not count, not even inside array elements.
  cmp.allowed = [](const ShapeDiff& d) { return d.path == "$[].b"; };
  CHECK(diffs(R"([{"a":1}])", R"([{"a":1,"b":2}])").empty());
}
