// --web.config.file: parsing and validation with exporter-toolkit's messages,
// basic auth (bcrypt, cache, reload), headers, rate limit, and TLS with
// server and client certificates made by the openssl CLI; promtool 2.42
// agrees with promlite on which files are valid.
#include <sys/wait.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "absl/strings/escaping.h"
#include "server_fixture.h"
#include "web/web_config.h"

using promlite::testing::Eventually;
using promlite::testing::FreePort;
using promlite::testing::TempDir;
using promlite::testing::TestServer;
using promlite::server::BcryptCost;
using promlite::server::BcryptMatches;
using promlite::server::ParseWebConfig;
using promlite::server::ValidateWebConfig;
using promlite::server::WebGuard;

namespace {

// bcrypt (cost 4, to keep tests fast) of "s3cret" and of "other".
constexpr const char* kHashS3cret = "$2b$04$UHI/qHBftcWEuH3/.V8xPOyYjTytOtKxeWWsw/UwdXMFpXWUn6Q/i";

void WriteFile(const std::string& path, const std::string& text) { std::ofstream(path, std::ios::trunc) << text; }

std::string Basic(const std::string& user, const std::string& pass) {
  return "Basic " + absl::Base64Escape(user + ":" + pass);
}

// A CA, a server certificate for 127.0.0.1 and a client certificate, made
// with the openssl command line tool in `dir`.
struct Pki {
  std::string dir;
  explicit Pki(const std::string& d, const std::string& prefix = "") : dir(d) {
    auto run = [&](const std::string& cmd) {
      int rc = std::system(("cd '" + dir + "' && " + cmd + " >/dev/null 2>&1").c_str());
      INFO(cmd);
      REQUIRE(rc == 0);
    };
    const std::string ec = "-newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes";
    const std::string p = prefix;
    run("openssl req -x509 " + ec + " -keyout " + p + "ca.key -out " + p + "ca.crt -subj /CN=" + p + "testca -days 2");
    WriteFile(dir + "/" + p + "server.ext", "subjectAltName=IP:127.0.0.1,DNS:localhost\n");
    WriteFile(dir + "/" + p + "client.ext", "subjectAltName=DNS:client.example\n");
    for (const std::string who : {"server", "client"}) {
      run("openssl req " + ec + " -keyout " + p + who + ".key -out " + p + who + ".csr -subj /CN=" + who);
      run("openssl x509 -req -in " + p + who + ".csr -CA " + p + "ca.crt -CAkey " + p + "ca.key -CAcreateserial -out " +
          p + who + ".crt -days 2 -extfile " + p + who + ".ext");
    }
  }
  std::string path(const std::string& f) const { return dir + "/" + f; }
};

bool HaveOpenssl() { return std::system("openssl version >/dev/null 2>&1") == 0; }

std::string ErrorOf(const std::string& yaml, const std::string& dir = "/tmp") {
  auto c = ParseWebConfig(yaml, dir + "/web.yml");
  return c.ok() ? "" : std::string(c.status().message());
}

}  // namespace

TEST_CASE("Web config: parsing and exporter-toolkit's errors", "[server][webconfig]") {
  CHECK(ErrorOf("") == "");
  CHECK(ErrorOf("foo: 1").find("field foo not found in type web.Config") != std::string::npos);
  CHECK(ErrorOf("tls_server_config:\n  certfile: x\n").find("field certfile not found in type web.TLSConfig") !=
        std::string::npos);
  CHECK(ErrorOf("tls_server_config:\n  min_version: TLS9\n").find("unknown TLS version: TLS9") != std::string::npos);
  CHECK(ErrorOf("tls_server_config:\n  cipher_suites: [TLS_FOO]\n").find("unknown cipher: TLS_FOO") !=
        std::string::npos);
  CHECK(ErrorOf("tls_server_config:\n  curve_preferences: [CurveP999]\n").find("unknown curve: CurveP999") !=
        std::string::npos);
  CHECK(ErrorOf("http_server_config:\n  headers:\n    X-Frame-Options: foo\n") ==
        "invalid value for X-Frame-Options. Expected one of: [\"deny\" \"sameorigin\"], but got: \"foo\"");
  CHECK(ErrorOf("http_server_config:\n  headers:\n    Server: nginx\n") == "HTTP header \"Server\" can not be configured");
  CHECK(ErrorOf("rate_limit:\n  interval: 5x\n").find("invalid duration") != std::string::npos);
  CHECK(ErrorOf("basic_auth_users: [a]\n") != "");

  auto c = ParseWebConfig(
      "tls_server_config:\n  cert_file: certs/s.crt\n  key_file: /abs/s.key\n  min_version: TLS13\n"
      "  cipher_suites: [TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256]\n  client_allowed_sans: [a, b]\n"
      "http_server_config:\n  http2: false\n  headers:\n    X-Content-Type-Options: nosniff\n"
      "rate_limit:\n  burst: 3\n  interval: 1m30s\n"
      "basic_auth_users:\n  alice: x\n",
      "/etc/promlite/web.yml");
  REQUIRE(c.ok());
  CHECK(c->tls.Enabled());
  CHECK(c->tls.cert_file == "/etc/promlite/certs/s.crt");  // relative to the file's directory
  CHECK(c->tls.key_file == "/abs/s.key");
  CHECK(c->tls.min_version == 0x0304);
  CHECK(c->tls.has_allowed_sans);
  CHECK(c->tls.client_allowed_sans == std::vector<std::string>{"a", "b"});
  CHECK_FALSE(c->http2);
  CHECK(c->headers.at("X-Content-Type-Options") == "nosniff");
  CHECK(c->rate_burst == 3);
  CHECK(c->rate_interval == absl::Seconds(90));
  CHECK(c->users.at("alice") == "x");
}

TEST_CASE("Web config: bcrypt hashes", "[server][webconfig]") {
  CHECK(BcryptCost(kHashS3cret).value() == 4);
  CHECK(BcryptCost("short").status().message() == "crypto/bcrypt: hashedSecret too short to be a bcrypted password");
  CHECK(BcryptCost("x2b$04$UHI/qHBftcWEuH3/.V8xPOyYjTytOtKxeWWsw/UwdXMFpXWUn6Q/i").status().message() ==
        "crypto/bcrypt: bcrypt hashes must start with '$', but hashedSecret started with 'x'");
  CHECK(BcryptCost("$2b$99$UHI/qHBftcWEuH3/.V8xPOyYjTytOtKxeWWsw/UwdXMFpXWUn6Q/i").status().message() ==
        "crypto/bcrypt: cost 99 is outside allowed range (4,31)");
  CHECK(BcryptMatches(kHashS3cret, "s3cret"));
  CHECK_FALSE(BcryptMatches(kHashS3cret, "s3cret "));
  CHECK_FALSE(BcryptMatches(kHashS3cret, ""));
  CHECK_FALSE(BcryptMatches(kHashS3cret, std::string("s3cret\0x", 8)));
  CHECK_FALSE(BcryptMatches("not a hash", "s3cret"));
}

TEST_CASE("Web config: validation of users and TLS files", "[server][webconfig]") {
  TempDir dir;
  const std::string f = dir.str() + "/web.yml";
  WriteFile(f, "basic_auth_users:\n  a: plain\n");
  CHECK(ValidateWebConfig(f).message() == "crypto/bcrypt: hashedSecret too short to be a bcrypted password");
  WriteFile(f, "tls_server_config:\n  key_file: k\n");
  CHECK(ValidateWebConfig(f).message() == "missing one of cert or cert_file");
  WriteFile(f, "tls_server_config:\n  cert_file: c\n");
  CHECK(ValidateWebConfig(f).message() == "missing one of key or key_file");
  WriteFile(f, "tls_server_config:\n  cert_file: nope.crt\n  key_file: nope.key\n");
  CHECK(ValidateWebConfig(f).message().find("failed to read cert_file (" + dir.str() + "/nope.crt)") == 0);
  CHECK(ValidateWebConfig(dir.str() + "/missing.yml").message().find("missing.yml") != std::string::npos);
  if (!HaveOpenssl()) {
    WARN("openssl is not installed; TLS file checks skipped");
    return;
  }
  Pki pki(dir.str());
  WriteFile(f, "tls_server_config:\n  cert_file: server.crt\n  key_file: server.key\n");
  CHECK(ValidateWebConfig(f).ok());
  WriteFile(f, "tls_server_config:\n  cert_file: server.crt\n  key_file: client.key\n");
  CHECK(ValidateWebConfig(f).message() == "failed to load X509KeyPair: tls: private key does not match public key");
  WriteFile(f, "tls_server_config:\n  cert_file: server.key\n  key_file: server.key\n");
  CHECK(ValidateWebConfig(f).message().find("failed to find any PEM data in certificate input") != std::string::npos);
  WriteFile(f, "tls_server_config:\n  cert_file: server.crt\n  key_file: server.key\n  client_ca_file: ca.crt\n");
  CHECK(ValidateWebConfig(f).message() == "client CA's have been configured without a Client Auth Policy");
  WriteFile(f, "tls_server_config:\n  cert_file: server.crt\n  key_file: server.key\n  client_auth_type: Maybe\n");
  CHECK(ValidateWebConfig(f).message() == "invalid ClientAuth: Maybe");
  // Inline PEM instead of files.
  std::ifstream cin(pki.path("server.crt")), kin(pki.path("server.key"));
  std::string cert((std::istreambuf_iterator<char>(cin)), {}), key((std::istreambuf_iterator<char>(kin)), {});
  YAML::Emitter e;
  e << YAML::BeginMap << YAML::Key << "tls_server_config" << YAML::Value << YAML::BeginMap << YAML::Key << "cert"
    << YAML::Value << YAML::Literal << cert << YAML::Key << "key" << YAML::Value << YAML::Literal << key
    << YAML::EndMap << YAML::EndMap;
  WriteFile(f, e.c_str());
  CHECK(ValidateWebConfig(f).ok());
}

TEST_CASE("Web config: promtool 2.42 and promlite agree on which files are valid", "[server][webconfig][promtool]") {
  if (!std::filesystem::exists("/usr/bin/promtool")) {
    WARN("promtool is not installed; skipping");
    return;
  }
  TempDir dir;
  std::vector<std::string> files = {
      "",
      "basic_auth_users:\n  admin: '" + std::string(kHashS3cret) + "'\n",
      "basic_auth_users:\n  admin: plain\n",
      "foo: 1\n",
      "http_server_config:\n  headers:\n    X-Frame-Options: sameorigin\n    Strict-Transport-Security: max-age=1\n",
      "http_server_config:\n  headers:\n    X-Frame-Options: allow\n",
      "http_server_config:\n  headers:\n    Server: x\n",
      "tls_server_config:\n  min_version: TLS11\n",
      "tls_server_config:\n  max_version: TLS14\n",
      "tls_server_config:\n  cert_file: nope.crt\n  key_file: nope.key\n",
      "tls_server_config:\n  cipher_suites: [TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384]\n  curve_preferences: [X25519]\n",
      "tls_server_config:\n  curve_preferences: [P256]\n",
  };
  bool pki = HaveOpenssl();
  if (pki) {
    Pki p(dir.str());
    files.push_back("tls_server_config:\n  cert_file: server.crt\n  key_file: server.key\n");
    files.push_back("tls_server_config:\n  cert_file: server.crt\n  key_file: client.key\n");
    files.push_back("tls_server_config:\n  cert_file: server.crt\n  key_file: server.key\n  client_ca_file: ca.crt\n");
    files.push_back(
        "tls_server_config:\n  cert_file: server.crt\n  key_file: server.key\n  client_ca_file: ca.crt\n"
        "  client_auth_type: RequireAndVerifyClientCert\n");
    files.push_back("tls_server_config:\n  cert_file: server.crt\n  key_file: server.key\n  client_auth_type: Nope\n");
  }
  for (size_t i = 0; i < files.size(); i++) {
    const std::string f = dir.str() + "/web" + std::to_string(i) + ".yml";
    WriteFile(f, files[i]);
    int rc = std::system(("/usr/bin/promtool check web-config '" + f + "' >/dev/null 2>&1").c_str());
    REQUIRE(WIFEXITED(rc));
    bool promtool_ok = WEXITSTATUS(rc) == 0;
    absl::Status ours = ValidateWebConfig(f);
    INFO("file " << i << ":\n" << files[i] << "promlite: " << ours);
    CHECK(ours.ok() == promtool_ok);
  }
}

TEST_CASE("Basic auth: 401 without or with wrong credentials; cache; headers; reload", "[server][webconfig]") {
  TempDir dir;
  const std::string f = dir.str() + "/web.yml";
  WriteFile(f, "http_server_config:\n  headers:\n    X-Frame-Options: deny\nbasic_auth_users:\n  admin: '" +
                   std::string(kHashS3cret) + "'\n");
  auto guard = WebGuard::Create(f, nullptr);
  REQUIRE(guard.ok());
  auto g = *guard;
  CHECK_FALSE(g->tls_enabled());

  auto none = g->Check("");
  CHECK_FALSE(none.allow);
  CHECK(none.status == 401);
  CHECK(none.body == "Unauthorized\n");
  CHECK(std::count(none.headers.begin(), none.headers.end(), std::make_pair(std::string("WWW-Authenticate"), std::string("Basic"))) == 1);
  CHECK(std::count(none.headers.begin(), none.headers.end(), std::make_pair(std::string("X-Frame-Options"), std::string("deny"))) == 1);
  CHECK_FALSE(g->Check(Basic("admin", "wrong")).allow);
  CHECK_FALSE(g->Check(Basic("nobody", "s3cret")).allow);
  CHECK_FALSE(g->Check("Bearer abc").allow);
  CHECK_FALSE(g->Check("Basic !!!notbase64").allow);
  size_t runs = g->bcrypt_runs();
  auto ok = g->Check(Basic("admin", "s3cret"));
  CHECK(ok.allow);
  CHECK(g->bcrypt_runs() == runs + 1);
  CHECK(g->Check(Basic("admin", "s3cret")).allow);
  CHECK(g->Check("basic " + Basic("admin", "s3cret").substr(6)).allow);  // scheme is case-insensitive
  CHECK(g->bcrypt_runs() == runs + 1);  // answered from the cache

  // A new file takes effect on the next request, without a restart.
  WriteFile(f, "basic_auth_users:\n  bob: '" + std::string(kHashS3cret) + "'\n");
  CHECK_FALSE(g->Check(Basic("admin", "s3cret")).allow);
  CHECK(g->Check(Basic("bob", "s3cret")).allow);
  // A file that no longer parses: 500 until it is fixed.
  WriteFile(f, "basic_auth_users: [\n");
  auto broken = g->Check(Basic("bob", "s3cret"));
  CHECK(broken.status == 500);
  WriteFile(f, "");
  CHECK(g->Check("").allow);  // no users any more: open
}

TEST_CASE("Rate limit: requests beyond the burst get 429", "[server][webconfig]") {
  TempDir dir;
  const std::string f = dir.str() + "/web.yml";
  WriteFile(f, "rate_limit:\n  burst: 2\n  interval: 1h\n");
  auto g = WebGuard::Create(f, nullptr);
  REQUIRE(g.ok());
  CHECK((*g)->Check("").allow);
  CHECK((*g)->Check("").allow);
  auto third = (*g)->Check("");
  CHECK_FALSE(third.allow);
  CHECK(third.status == 429);
}

TEST_CASE("The server behind basic auth: every endpoint asks; self-scrape with credentials works", "[server][webconfig]") {
  TempDir dir;
  const std::string web = dir.str() + "/web.yml";
  WriteFile(web, "basic_auth_users:\n  admin: '" + std::string(kHashS3cret) + "'\n");
  int port = FreePort();
  std::string config =
      "global:\n  scrape_interval: 1s\nscrape_configs:\n  - job_name: self\n    basic_auth:\n      username: admin\n"
      "      password: s3cret\n    static_configs:\n      - targets: ['127.0.0.1:" +
      std::to_string(port) + "']\n";
  TestServer s(config);
  s.flags().web_config_file = web;
  s.flags().web_listen_address = "127.0.0.1:" + std::to_string(port);
  s.SetClient("http", [](httplib::Client& c) { c.set_basic_auth("admin", "s3cret"); });
  REQUIRE(s.Start().ok());

  httplib::Client anon("127.0.0.1", port);
  for (const char* path : {"/-/healthy", "/api/v1/query?query=up", "/metrics", "/federate?match[]=up", "/nowhere"}) {
    auto r = anon.Get(path);
    REQUIRE(r);
    INFO(path);
    CHECK(r->status == 401);
    CHECK(r->get_header_value("WWW-Authenticate") == "Basic");
  }
  CHECK(Eventually(
      [&] {
        auto j = s.GetJson("/api/v1/query?query=up");
        return j["data"]["result"].size() == 1 && j["data"]["result"][0]["value"][1] == "1";
      },
      10));
}

TEST_CASE("TLS: the listener serves HTTPS, reloads its certificate, checks client certificates", "[server][webconfig][tls]") {
  if (!HaveOpenssl()) {
    WARN("openssl is not installed; skipping");
    return;
  }
  TempDir dir;
  Pki pki(dir.str());
  const std::string web = dir.str() + "/web.yml";
  WriteFile(web, "tls_server_config:\n  cert_file: server.crt\n  key_file: server.key\n");
  int port = FreePort();
  std::string config =
      "global:\n  scrape_interval: 1s\nscrape_configs:\n  - job_name: self\n    scheme: https\n    tls_config:\n"
      "      ca_file: " + pki.path("ca.crt") + "\n    static_configs:\n      - targets: ['127.0.0.1:" +
      std::to_string(port) + "']\n";
  TestServer s(config);
  s.flags().web_config_file = web;
  s.flags().web_listen_address = "127.0.0.1:" + std::to_string(port);
  const std::string ca = pki.path("ca.crt");
  s.SetClient("https", [ca](httplib::Client& c) {
    c.set_ca_cert_path(ca.c_str());
    c.enable_server_certificate_verification(true);
  });
  REQUIRE(s.Start().ok());
  CHECK(s.GetJson("/api/v1/status/buildinfo")["status"] == "success");
  // Plain HTTP gets no answer from a TLS listener.
  httplib::Client plain("127.0.0.1", port);
  plain.set_connection_timeout(2, 0);
  plain.set_read_timeout(2, 0);
  auto pr = plain.Get("/-/healthy");
  CHECK((!pr || pr->status != 200));
  // The server scrapes itself over HTTPS, verifying against the CA.
  CHECK(Eventually(
      [&] {
        auto j = s.GetJson("/api/v1/query?query=up");
        return j["data"]["result"].size() == 1 && j["data"]["result"][0]["value"][1] == "1";
      },
      10));

  // Certificate rotation: a pair from another CA, picked up by the next handshake.
  Pki other(dir.str(), "b_");
  auto trusting = [&](const std::string& ca_path) {
    httplib::Client c("https://127.0.0.1:" + std::to_string(port));
    c.set_ca_cert_path(ca_path.c_str());
    c.enable_server_certificate_verification(true);
    c.set_connection_timeout(5, 0);
    auto r = c.Get("/-/healthy");
    return r && r->status == 200;
  };
  CHECK(trusting(pki.path("ca.crt")));
  CHECK_FALSE(trusting(other.path("b_ca.crt")));
  std::filesystem::copy_file(other.path("b_server.key"), pki.path("server.key"),
                             std::filesystem::copy_options::overwrite_existing);
  std::filesystem::copy_file(other.path("b_server.crt"), pki.path("server.crt"),
                             std::filesystem::copy_options::overwrite_existing);
  CHECK(trusting(other.path("b_ca.crt")));
  CHECK_FALSE(trusting(pki.path("ca.crt")));
}

TEST_CASE("TLS client authentication: RequireAndVerifyClientCert and allowed SANs", "[server][webconfig][tls]") {
  if (!HaveOpenssl()) {
    WARN("openssl is not installed; skipping");
    return;
  }
  TempDir dir;
  Pki pki(dir.str());
  Pki stranger(dir.str(), "x_");
  for (const std::string sans : {"", "  client_allowed_sans: [client.example]\n", "  client_allowed_sans: [someone.else]\n"}) {
    const std::string web = dir.str() + "/web.yml";
    WriteFile(web, "tls_server_config:\n  cert_file: server.crt\n  key_file: server.key\n  client_ca_file: ca.crt\n"
                   "  client_auth_type: RequireAndVerifyClientCert\n" + sans);
    TestServer s("global:\n  scrape_interval: 1h\n");
    s.flags().web_config_file = web;
    const std::string ca = pki.path("ca.crt"), crt = pki.path("client.crt"), key = pki.path("client.key");
    bool want = sans.find("someone.else") == std::string::npos;
    INFO("sans: " << sans);
    // The fixture's health probe presents the right client certificate.
    s.SetClient("https", [&](httplib::Client& c) { c.set_ca_cert_path(ca.c_str()); }, crt, key);
    CHECK(s.Start().ok() == want);
    auto get = [&](const std::string& cert, const std::string& k) {
      std::unique_ptr<httplib::SSLClient> c =
          cert.empty() ? std::make_unique<httplib::SSLClient>("127.0.0.1", s.port())
                       : std::make_unique<httplib::SSLClient>("127.0.0.1", s.port(), cert, k);
      c->set_ca_cert_path(ca.c_str());
      c->enable_server_certificate_verification(true);
      c->set_connection_timeout(5, 0);
      auto r = c->Get("/-/healthy");
      return r && r->status == 200;
    };
    CHECK_FALSE(get("", ""));
    CHECK_FALSE(get(stranger.path("x_client.crt"), stranger.path("x_client.key")));  // another CA
    CHECK(get(crt, key) == want);
  }
}
