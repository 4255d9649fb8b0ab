#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <fstream>
#include <functional>
#include <map>
#include <mutex>
#include <thread>

#include <catch2/catch.hpp>

#include "discovery/dns_client.h"
#include "promlite/scrape/config.h"
#include "promlite/scrape/discovery_manager.h"
#include "promlite/scrape/sd_configs.h"
#include "test_http_server.h"
#include "test_util.h"

using namespace promlite::scrape;
using namespace std::chrono_literals;

namespace {

bool WaitUntil(const std::function<bool()>& pred, std::chrono::milliseconds timeout = 5000ms) {
  auto end = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < end) {
    if (pred()) return true;
    std::this_thread::sleep_for(10ms);
  }
  return pred();
}

// Collects the latest groups per set.
struct Sink {
  std::mutex mu;
  std::map<std::string, std::vector<TargetGroup>> latest;
  int calls = 0;
  DiscoveryManager::Handler handler() {
    return [this](const std::map<std::string, std::vector<TargetGroup>>& changed) {
      std::lock_guard<std::mutex> l(mu);
      for (const auto& [k, v] : changed) latest[k] = v;
      calls++;
    };
  }
  std::vector<std::string> Addresses(const std::string& set) {
    std::lock_guard<std::mutex> l(mu);
    std::vector<std::string> out;
    for (const auto& g : latest[set]) {
      for (const auto& t : g.targets) out.push_back(t.at("__address__"));
    }
    std::sort(out.begin(), out.end());
    return out;
  }
  std::vector<TargetGroup> Groups(const std::string& set) {
    std::lock_guard<std::mutex> l(mu);
    return latest[set];
  }
};

DiscoveryManager::Options FastOptions() {
  DiscoveryManager::Options o;
  o.update_interval = 20ms;
  o.file_poll_interval = 20ms;
  return o;
}

void Write(const std::filesystem::path& p, std::string_view s) {
  auto tmp = p;
  tmp += ".tmp";
  {
    std::ofstream f(tmp);
    f << s;
  }
  std::filesystem::rename(tmp, p);  // atomic, like a careful SD writer
}

class CountingConfig final : public DiscoveryConfig {
 public:
  explicit CountingConfig(std::string target) : target_(std::move(target)) {}
  static std::atomic<int> created;
  std::string_view Name() const override { return "counting"; }
  bool Equals(const DiscoveryConfig& o) const override {
    auto* c = dynamic_cast<const CountingConfig*>(&o);
    return c && c->target_ == target_;
  }
  absl::StatusOr<std::unique_ptr<Discoverer>> NewDiscoverer(const DiscovererOptions&) const override {
    created++;
    struct D : Discoverer {
      std::string t;
      void Run(const StopSignal& stop, const std::function<void(std::vector<TargetGroup>)>& send) override {
        send({TargetGroup{{LabelSet{{"__address__", t}}}, {}, "only"}});
        while (!stop.WaitFor(1000ms)) {
        }
      }
    };
    auto d = std::make_unique<D>();
    d->t = target_;
    return d;
  }

 private:
  std::string target_;
};
std::atomic<int> CountingConfig::created{0};

DiscoveryConfigs Of(std::vector<std::shared_ptr<const DiscoveryConfig>> v) { return DiscoveryConfigs{std::move(v)}; }

}  // namespace

TEST_CASE("discovery manager keeps unchanged providers across ApplyConfig", "[discovery][concurrency]") {
  Sink sink;
  DiscoveryManager m(FastOptions(), sink.handler());
  CountingConfig::created = 0;
  auto a = std::make_shared<CountingConfig>("a:1");
  auto b = std::make_shared<CountingConfig>("b:1");
  m.ApplyConfig({{"job1", Of({a})}, {"job2", Of({b})}});
  REQUIRE(WaitUntil([&] { return sink.Addresses("job1").size() == 1 && sink.Addresses("job2").size() == 1; }));
  CHECK(CountingConfig::created == 2);

  // Same configs (new objects), job2 also gets a: nothing restarts, job2 sees both.
  m.ApplyConfig({{"job1", Of({std::make_shared<CountingConfig>("a:1")})},
                 {"job2", Of({std::make_shared<CountingConfig>("b:1"), std::make_shared<CountingConfig>("a:1")})},
                 {"empty", Of({})}});
  REQUIRE(WaitUntil([&] { return sink.Addresses("job2") == std::vector<std::string>{"a:1", "b:1"}; }));
  CHECK(CountingConfig::created == 2);
  CHECK(WaitUntil([&] {
    std::lock_guard<std::mutex> l(sink.mu);
    return sink.latest.count("empty") == 1;
  }));

  // Dropping job1's provider leaves a (used by job2) running; removing b stops it.
  m.ApplyConfig({{"job2", Of({std::make_shared<CountingConfig>("a:1")})}});
  REQUIRE(WaitUntil([&] { return sink.Addresses("job2") == std::vector<std::string>{"a:1"}; }));
  CHECK(CountingConfig::created == 2);
  auto all = m.Groups();
  CHECK(all.size() == 1);
  m.Stop();
}

TEST_CASE("file discovery reads JSON and YAML, follows edits and deletions", "[discovery][concurrency]") {
  promlite::testing::TempDir dir;
  Write(dir.path() / "a.json", R"([{"targets": ["h1:9100", "h2:9100"], "labels": {"env": "prod"}}])");
  Write(dir.path() / "b.yml", "- targets: [h3:9100]\n- targets: [h4:9100]\n  labels: {team: x}\n");
  auto cfg = LoadConfig(
      "scrape_configs:\n- job_name: f\n  file_sd_configs:\n  - files: ['*.json', '*.yml']\n    refresh_interval: 1h\n",
      "p.yml", dir.str());
  REQUIRE(cfg.ok());
  Sink sink;
  DiscoveryManager m(FastOptions(), sink.handler());
  m.ApplyConfig({{"f", cfg->scrape_configs[0].service_discovery}});
  REQUIRE(WaitUntil([&] { return sink.Addresses("f").size() == 4; }));
  auto groups = sink.Groups("f");
  bool saw_meta = false;
  for (const auto& g : groups) {
    if (g.source == (dir.path() / "a.json").string() + ":0") {
      CHECK(g.labels.at("env") == "prod");
      CHECK(g.labels.at("__meta_filepath") == (dir.path() / "a.json").string());
      saw_meta = true;
    }
  }
  CHECK(saw_meta);

  // An edit shows up; a broken file keeps its previous groups; a deleted one drops them.
  Write(dir.path() / "a.json", R"([{"targets": ["h1:9100"]}])");
  REQUIRE(WaitUntil([&] { return sink.Addresses("f").size() == 3; }));
  Write(dir.path() / "a.json", R"([{"targets": ["h1:9100"], "bogus": 1}])");
  std::this_thread::sleep_for(150ms);
  CHECK(sink.Addresses("f").size() == 3);
  std::filesystem::remove(dir.path() / "b.yml");
  REQUIRE(WaitUntil([&] { return sink.Addresses("f") == std::vector<std::string>{"h1:9100"}; }));
  m.Stop();
}

TEST_CASE("HTTP discovery fetches JSON groups and keeps them when the endpoint fails", "[discovery][concurrency]") {
  testing::TestHttpServer srv;
  std::atomic<int> mode{0};
  std::atomic<bool> accept_json{true};  // Catch2 assertions belong on the test thread
  srv.server().Get("/sd", [&](const httplib::Request& req, httplib::Response& res) {
    if (req.get_header_value("Accept") != "application/json") accept_json = false;
    if (mode == 0) {
      res.set_content(R"([{"targets": ["10.0.0.1:80"], "labels": {"dc": "a"}}, {"targets": ["10.0.0.2:80"]}])",
                      "application/json");
    } else if (mode == 1) {
      res.set_content("oops", "text/html");
    } else {
      res.set_content(R"([{"targets": ["10.0.0.3:80"]}])", "application/json; charset=utf-8");
    }
  });
  srv.Start();
  auto sd = std::make_shared<HTTPSDConfig>();
  sd->url = "http://" + srv.address() + "/sd";
  sd->refresh_interval_ms = 50;
  Sink sink;
  DiscoveryManager m(FastOptions(), sink.handler());
  m.ApplyConfig({{"h", Of({sd})}});
  REQUIRE(WaitUntil([&] { return sink.Addresses("h").size() == 2; }));
  for (const auto& g : sink.Groups("h")) {
    CHECK(g.labels.at("__meta_url") == sd->url);
    CHECK(g.source.rfind(sd->url + ":", 0) == 0);
  }
  mode = 1;
  std::this_thread::sleep_for(200ms);
  CHECK(sink.Addresses("h").size() == 2);
  mode = 2;
  REQUIRE(WaitUntil([&] { return sink.Addresses("h") == std::vector<std::string>{"10.0.0.3:80"}; }));
  m.Stop();
  CHECK(accept_json);
}

namespace {

// A DNS server on 127.0.0.1 (UDP and TCP on one port) answering from a table.
class FakeDNS {
 public:
  struct Rec {
    uint16_t type;
    std::string target;  // SRV target
    uint16_t port = 0;
    std::string ip;  // A / AAAA
  };
  std::map<std::pair<std::string, uint16_t>, std::vector<Rec>> table;
  std::set<std::string> truncate_udp;  // names answered with TC over UDP
  std::atomic<int> tcp_queries{0};

  FakeDNS() {
    udp_ = ::socket(AF_INET, SOCK_DGRAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    REQUIRE(::bind(udp_, reinterpret_cast<sockaddr*>(&a), sizeof(a)) == 0);
    socklen_t len = sizeof(a);
    ::getsockname(udp_, reinterpret_cast<sockaddr*>(&a), &len);
    port_ = ntohs(a.sin_port);
    tcp_ = ::socket(AF_INET, SOCK_STREAM, 0);
    int one = 1;
    ::setsockopt(tcp_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    REQUIRE(::bind(tcp_, reinterpret_cast<sockaddr*>(&a), sizeof(a)) == 0);
    ::listen(tcp_, 8);
  }
  ~FakeDNS() {
    stop_ = true;
    if (thread_.joinable()) thread_.join();
    ::close(udp_);
    ::close(tcp_);
  }
  void Start() {
    thread_ = std::thread([this] { Loop(); });
  }
  std::string server() const { return "127.0.0.1:" + std::to_string(port_); }

 private:
  static void Put16(std::string* s, uint16_t v) {
    s->push_back(static_cast<char>(v >> 8));
    s->push_back(static_cast<char>(v));
  }
  static void PutName(std::string* s, const std::string& fqdn) {
    size_t i = 0;
    while (i < fqdn.size()) {
      size_t dot = fqdn.find('.', i);
      if (dot == std::string::npos) dot = fqdn.size();
      if (dot > i) {
        s->push_back(static_cast<char>(dot - i));
        s->append(fqdn, i, dot - i);
      }
      i = dot + 1;
    }
    s->push_back('\0');
  }
  std::string Answer(const std::string& q, bool tcp) {
    uint16_t id = static_cast<uint16_t>((static_cast<unsigned char>(q[0]) << 8) | static_cast<unsigned char>(q[1]));
    std::string name;
    size_t off = 12;
    while (q[off] != 0) {
      size_t l = static_cast<unsigned char>(q[off]);
      name.append(q, off + 1, l);
      name.push_back('.');
      off += 1 + l;
    }
    off++;
    uint16_t qtype = static_cast<uint16_t>((static_cast<unsigned char>(q[off]) << 8) | static_cast<unsigned char>(q[off + 1]));
    auto it = table.find({name, qtype});
    bool trunc = !tcp && truncate_udp.count(name);
    std::string r;
    Put16(&r, id);
    uint16_t flags = 0x8180 | (it == table.end() ? 3 : 0) | (trunc ? 0x0200 : 0);
    Put16(&r, flags);
    Put16(&r, 1);
    Put16(&r, trunc || it == table.end() ? 0 : static_cast<uint16_t>(it->second.size()));
    Put16(&r, 0);
    Put16(&r, 0);
    r.append(q, 12, off + 4 - 12);
    if (trunc || it == table.end()) return r;
    for (const Rec& rec : it->second) {
      r.push_back(static_cast<char>(0xC0));  // pointer to the question name
      r.push_back(12);
      Put16(&r, rec.type);
      Put16(&r, 1);
      Put16(&r, 0);
      Put16(&r, 60);
      std::string rd;
      if (rec.type == 33) {
        Put16(&rd, 10);
        Put16(&rd, 5);
        Put16(&rd, rec.port);
        PutName(&rd, rec.target);
      } else if (rec.type == 1) {
        in_addr a{};
        inet_pton(AF_INET, rec.ip.c_str(), &a);
        rd.append(reinterpret_cast<char*>(&a), 4);
      } else if (rec.type == 28) {
        in6_addr a{};
        inet_pton(AF_INET6, rec.ip.c_str(), &a);
        rd.append(reinterpret_cast<char*>(&a), 16);
      }
      Put16(&r, static_cast<uint16_t>(rd.size()));
      r += rd;
    }
    return r;
  }
  void Loop() {
    while (!stop_) {
      pollfd fds[2] = {{udp_, POLLIN, 0}, {tcp_, POLLIN, 0}};
      if (::poll(fds, 2, 20) <= 0) continue;
      if (fds[0].revents & POLLIN) {
        char buf[1500];
        sockaddr_in from{};
        socklen_t fl = sizeof(from);
        ssize_t n = ::recvfrom(udp_, buf, sizeof(buf), 0, reinterpret_cast<sockaddr*>(&from), &fl);
        if (n > 12) {
          std::string resp = Answer(std::string(buf, static_cast<size_t>(n)), false);
          ::sendto(udp_, resp.data(), resp.size(), 0, reinterpret_cast<sockaddr*>(&from), fl);
        }
      }
      if (fds[1].revents & POLLIN) {
        int c = ::accept(tcp_, nullptr, nullptr);
        tcp_queries++;
        std::string in;
        char buf[1500];
        while (in.size() < 2 || in.size() < 2u + ((static_cast<unsigned char>(in[0]) << 8) | static_cast<unsigned char>(in[1]))) {
          ssize_t n = ::recv(c, buf, sizeof(buf), 0);
          if (n <= 0) break;
          in.append(buf, static_cast<size_t>(n));
        }
        if (in.size() > 14) {
          std::string resp = Answer(in.substr(2), true);
          std::string out;
          Put16(&out, static_cast<uint16_t>(resp.size()));
          out += resp;
          ::send(c, out.data(), out.size(), MSG_NOSIGNAL);
        }
        ::close(c);
      }
    }
  }
  int udp_ = -1, tcp_ = -1;
  int port_ = 0;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

}  // namespace

TEST_CASE("DNS discovery resolves SRV, A and AAAA records with Prometheus' labels", "[discovery][concurrency]") {
  FakeDNS dns;
  dns.table[{"_node._tcp.example.org.", 33}] = {{33, "web1.example.org.", 9100, ""}, {33, "web2.example.org.", 9101, ""}};
  dns.table[{"hosts.example.org.", 1}] = {{1, "", 0, "10.1.2.3"}};
  dns.table[{"hosts6.example.org.", 28}] = {{28, "", 0, "2001:db8::1"}};
  dns.table[{"big.example.org.", 33}] = {{33, "big1.example.org.", 1, ""}};
  dns.truncate_udp.insert("big.example.org.");
  dns.Start();

  auto srv = std::make_shared<DNSSDConfig>();
  srv->names = {"_node._tcp.example.org", "big.example.org", "missing.example.org"};
  srv->nameservers = {dns.server()};
  auto a = std::make_shared<DNSSDConfig>();
  a->names = {"hosts.example.org"};
  a->type = "A";
  a->port = 9100;
  a->nameservers = {dns.server()};
  auto aaaa = std::make_shared<DNSSDConfig>();
  aaaa->names = {"hosts6.example.org"};
  aaaa->type = "AAAA";
  aaaa->port = 80;
  aaaa->nameservers = {dns.server()};

  Sink sink;
  DiscoveryManager m(FastOptions(), sink.handler());
  m.ApplyConfig({{"srv", Of({srv})}, {"a", Of({a, aaaa})}});
  REQUIRE(WaitUntil([&] { return sink.Addresses("srv").size() == 3 && sink.Addresses("a").size() == 2; }));
  CHECK(sink.Addresses("srv") == std::vector<std::string>{"big1.example.org:1", "web1.example.org:9100",
                                                         "web2.example.org:9101"});
  CHECK(sink.Addresses("a") == std::vector<std::string>{"10.1.2.3:9100", "[2001:db8::1]:80"});
  CHECK(dns.tcp_queries >= 1);  // the truncated answer was retried over TCP
  for (const auto& g : sink.Groups("srv")) {
    if (g.source != "_node._tcp.example.org") continue;
    for (const auto& t : g.targets) {
      CHECK(t.at("__meta_dns_name") == "_node._tcp.example.org");
      CHECK(t.at("__meta_dns_srv_record_target").back() == '.');
      CHECK(!t.at("__meta_dns_srv_record_port").empty());
    }
  }
  m.Stop();
}

TEST_CASE("DNS client walks the search list like miekg/dns", "[discovery]") {
  FakeDNS dns;
  dns.table[{"db.corp.example.", 1}] = {{1, "", 0, "10.9.9.9"}};
  dns.Start();
  dns::ResolverConfig rc;
  rc.servers = {dns.server()};
  rc.search = {"corp.example", "other.example"};
  rc.timeout_ms = 1000;
  auto ans = dns::LookupWithSearchPath(rc, "db", dns::kA);
  REQUIRE(ans.ok());
  REQUIRE(ans->records.size() == 1);
  CHECK(ans->records[0].addr == "10.9.9.9");
  // NXDOMAIN everywhere is an empty answer, not an error.
  ans = dns::LookupWithSearchPath(rc, "nothing.here", dns::kA);
  REQUIRE(ans.ok());
  CHECK(ans->records.empty());
  // No server answering is an error.
  rc.servers = {"127.0.0.1:1"};
  rc.timeout_ms = 200;
  CHECK(!dns::LookupWithSearchPath(rc, "db", dns::kA).ok());
}

TEST_CASE("discovery manager's first update waits for fresh providers, not a whole interval", "[discovery][concurrency]") {
  Sink sink;
  DiscoveryManager::Options o;
  o.update_interval = std::chrono::milliseconds(5000);  // Prometheus' batching interval
  DiscoveryManager m(o, sink.handler());
  auto t0 = std::chrono::steady_clock::now();
  m.ApplyConfig({{"job1", Of({std::make_shared<CountingConfig>("a:1")})}});
  // The first update carries the provider's targets; without the wait it went
  // out empty and the targets followed an interval later.
  REQUIRE(WaitUntil([&] { return sink.Addresses("job1").size() == 1; }));
  CHECK(std::chrono::steady_clock::now() - t0 < std::chrono::milliseconds(2500));
  m.Stop();
}
