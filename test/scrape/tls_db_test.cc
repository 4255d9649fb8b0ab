// HTTPS targets (tls_config: ca_file, server_name, insecure_skip_verify,
// client certificates) and scraping into the real TSDB.
#include <cstdlib>
#include <fstream>
#include <string>
#include <thread>

#include <catch2/catch.hpp>
#include <httplib.h>

#include "promlite/scrape/scrape_manager.h"
#include "promlite/tsdb/db.h"
#include "promlite/tsdb/sample.h"
#include "test_util.h"

using namespace promlite::scrape;
using namespace std::chrono_literals;

namespace {

bool Run(const std::string& cmd) { return std::system((cmd + " >/dev/null 2>&1").c_str()) == 0; }

// A CA, a server certificate for "scrape.test" and 127.0.0.1, and a client certificate.
bool MakeCerts(const std::filesystem::path& d) {
  std::string p = d.string() + "/";
  std::ofstream(p + "san.cnf") << "subjectAltName=DNS:scrape.test,IP:127.0.0.1\n";
  return Run("openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=test-ca -keyout " + p + "ca.key -out " + p +
             "ca.pem") &&
         Run("openssl req -newkey rsa:2048 -nodes -subj /CN=scrape.test -keyout " + p + "srv.key -out " + p + "srv.csr") &&
         Run("openssl x509 -req -in " + p + "srv.csr -CA " + p + "ca.pem -CAkey " + p + "ca.key -CAcreateserial -days 2 "
             "-extfile " + p + "san.cnf -out " + p + "srv.pem") &&
         Run("openssl req -newkey rsa:2048 -nodes -subj /CN=promlite-client -keyout " + p + "cli.key -out " + p +
             "cli.csr") &&
         Run("openssl x509 -req -in " + p + "cli.csr -CA " + p + "ca.pem -CAkey " + p + "ca.key -CAcreateserial -days 2 "
             "-out " + p + "cli.pem");
}

std::optional<TargetStatus> Status(const ScrapeManager& m, const std::string& pool) {
  for (auto& t : m.ActiveTargets()) {
    if (t.scrape_pool == pool && t.health != TargetHealth::kUnknown) return t;
  }
  return std::nullopt;
}

}  // namespace

TEST_CASE("scrape over HTTPS with tls_config", "[loop][tls]") {
  promlite::testing::TempDir dir;
  if (!MakeCerts(dir.path())) {
    WARN("skipping: the openssl command could not make test certificates");
    return;
  }
  std::string p = dir.str() + "/";
  // The server requires a client certificate signed by the CA.
  httplib::SSLServer srv((p + "srv.pem").c_str(), (p + "srv.key").c_str(), (p + "ca.pem").c_str());
  REQUIRE(srv.is_valid());
  srv.Get("/metrics", [](const httplib::Request&, httplib::Response& res) { res.set_content("tls_ok 1\n", "text/plain"); });
  int port = srv.bind_to_any_port("127.0.0.1");
  std::thread th([&] { srv.listen_after_bind(); });
  std::string addr = "127.0.0.1:" + std::to_string(port);

  ScrapeManager::Options o;
  o.logger = promlite::tsdb::NewNopLogger();
  o.worker_threads = 2;
  o.discovery_update_interval = 10ms;
  o.skip_offset = true;
  auto db = promlite::tsdb::DB::OpenInMemory();
  ScrapeManager m(*db, o);
  auto job = [&](const std::string& name, const std::string& tls) {
    return "- job_name: " + name + "\n  scheme: https\n  scrape_interval: 200ms\n  scrape_timeout: 150ms\n"
           "  static_configs: [{targets: ['" + addr + "']}]\n  tls_config: " + tls + "\n";
  };
  std::string client = "cert_file: " + p + "cli.pem, key_file: " + p + "cli.key";
  auto cfg = LoadConfig("scrape_configs:\n" + job("verified", "{ca_file: " + p + "ca.pem, " + client + "}") +
                        job("named", "{ca_file: " + p + "ca.pem, server_name: scrape.test, " + client + "}") +
                        job("wrong_name", "{ca_file: " + p + "ca.pem, server_name: other.test, " + client + "}") +
                        job("unknown_ca", "{" + client + "}") + job("insecure", "{insecure_skip_verify: true, " + client + "}") +
                        job("no_client_cert", "{ca_file: " + p + "ca.pem}"));
  REQUIRE(cfg.ok());
  REQUIRE(m.ApplyConfig(*cfg).ok());
  for (int i = 0; i < 500; i++) {
    bool all = true;
    for (auto j : {"verified", "named", "wrong_name", "unknown_ca", "insecure", "no_client_cert"}) all &= Status(m, j).has_value();
    if (all) break;
    std::this_thread::sleep_for(10ms);
  }
  for (auto j : {"verified", "named", "insecure"}) {
    auto st = Status(m, j);
    REQUIRE(st);
    INFO(j << ": " << st->last_error);
    CHECK(st->health == TargetHealth::kUp);
  }
  for (auto j : {"wrong_name", "unknown_ca", "no_client_cert"}) {
    auto st = Status(m, j);
    REQUIRE(st);
    INFO(j);
    CHECK(st->health == TargetHealth::kDown);
  }
  m.Stop();
  srv.stop();
  th.join();

  // The samples landed in the TSDB head.
  auto q = db->NewQuerier(0, promlite::tsdb::kMaxTime);
  REQUIRE(q.ok());
  auto set = (*q)->Select(true, nullptr, {promlite::tsdb::Matcher::MustMake(promlite::tsdb::MatchType::kEqual, "__name__", "tls_ok")});
  int series = 0;
  while (set->Next()) {
    series++;
    auto it = set->At().Iterator();
    REQUIRE(it->Next());
    CHECK(it->AtV() == 1);
  }
  CHECK(series == 3);
}
