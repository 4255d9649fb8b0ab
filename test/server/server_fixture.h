// Starts a promlite server in-process on a free loopback port with its own
// data directory, and talks to it over HTTP like a client would.
#pragma once

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <functional>
#include <memory>
#include <string>
#include <thread>

#include <catch2/catch.hpp>

#include "app/server.h"
#include "httplib.h"
#include "nlohmann/json.hpp"
#include "test_util.h"

namespace promlite::testing {

// A port nobody listens on right now (bound and released).
inline int FreePort() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = 0;
  bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
  socklen_t len = sizeof a;
  getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  int port = ntohs(a.sin_port);
  close(fd);
  return port;
}

class TestServer {
 public:
  // `config` is written to <dir>/prometheus.yml unless empty (then the
  // built-in configuration is used).
  explicit TestServer(const std::string& config, std::vector<std::string> extra_flags = {},
                      const TempDir* reuse_dir = nullptr)
      : dir_(reuse_dir ? nullptr : std::make_unique<TempDir>()), root_(reuse_dir ? reuse_dir->str() : dir_->str()) {
    flags_.web_listen_address = "127.0.0.1:0";
    flags_.storage_tsdb_path = root_ + "/data";
    flags_.log_level = "warn";
    flags_.config_file = root_ + "/prometheus.yml";
    if (!config.empty()) {
      WriteConfig(config);
      flags_.config_file_set = true;
    }
    for (const auto& f : extra_flags) {
      if (f == "--web.enable-lifecycle") flags_.web_enable_lifecycle = true;
      if (f == "--web.enable-admin-api") flags_.web_enable_admin_api = true;
    }
  }

  absl::Status Start() {
    auto s = server::Server::Create(flags_);
    if (!s.ok()) return s.status();
    server_ = *std::move(s);
    thread_ = std::thread([this] { server_->Run(); });
    // The scheme://host:port constructor parses with a static std::regex;
    // plain HTTP keeps the host/port one.
    client_ = scheme_ == "http" ? std::make_unique<httplib::Client>("127.0.0.1", server_->port())
                                : std::make_unique<httplib::Client>(
                                      scheme_ + "://127.0.0.1:" + std::to_string(server_->port()), client_cert_,
                                      client_key_);
    client_->set_read_timeout(30, 0);
    if (client_setup_) client_setup_(*client_);
    // Wait until the socket accepts (Run starts serving in its own thread).
    for (int i = 0; i < 200; i++) {
      if (auto r = client_->Get("/-/healthy"); r && r->status == 200) return absl::OkStatus();
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return absl::DeadlineExceededError("server did not come up");
  }

  void Stop() {
    if (!server_) return;
    server_->RequestStop();
    thread_.join();
    server_.reset();
  }

  ~TestServer() { Stop(); }

  void WriteConfig(const std::string& config) { std::ofstream(flags_.config_file) << config; }

  httplib::Result Get(const std::string& path) { return client_->Get(path.c_str()); }
  httplib::Result PostForm(const std::string& path, const httplib::Params& form) {
    return client_->Post(path.c_str(), form);
  }

  // GET returning parsed JSON; checks the HTTP status.
  nlohmann::json GetJson(const std::string& path, int want_status = 200) {
    auto r = Get(path);
    REQUIRE(r);
    INFO(path << " -> " << r->status << " " << r->body);
    REQUIRE(r->status == want_status);
    return nlohmann::json::parse(r->body);
  }

  // For servers with --web.config.file: the scheme the test client uses and
  // what it needs (CA certificate, credentials), set before Start().
  void SetClient(std::string scheme, std::function<void(httplib::Client&)> setup, std::string cert = "",
                 std::string key = "") {
    scheme_ = std::move(scheme);
    client_setup_ = std::move(setup);
    client_cert_ = std::move(cert);
    client_key_ = std::move(key);
  }

  int port() const { return server_->port(); }
  const std::string& root() const { return root_; }
  server::Flags& flags() { return flags_; }

 private:
  std::unique_ptr<TempDir> dir_;
  std::string root_;
  server::Flags flags_;
  std::unique_ptr<server::Server> server_;
  std::thread thread_;
  std::unique_ptr<httplib::Client> client_;
  std::string scheme_ = "http";
  std::function<void(httplib::Client&)> client_setup_;
  std::string client_cert_, client_key_;
};

// Polls `cond` every 50 ms for up to `seconds`.
template <typename F>
bool Eventually(F cond, double seconds) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
  while (std::chrono::steady_clock::now() < deadline) {
    if (cond()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return cond();
}

}  // namespace promlite::testing
