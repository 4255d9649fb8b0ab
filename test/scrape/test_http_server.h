// A cpp-httplib server on 127.0.0.1 with a free port, for scrape and HTTP
// discovery tests.
#pragma once

#include <httplib.h>

#include <chrono>
#include <string>
#include <thread>

namespace promlite::scrape::testing {

class TestHttpServer {
 public:
  TestHttpServer() {
    // Handlers that hang must not keep the test waiting at shutdown forever.
    svr_.set_keep_alive_max_count(100);
    svr_.set_keep_alive_timeout(1);
    svr_.new_task_queue = [] { return new httplib::ThreadPool(8); };
  }
  ~TestHttpServer() { Stop(); }

  httplib::Server& server() { return svr_; }

  void Start() {
    port_ = svr_.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { svr_.listen_after_bind(); });
    for (int i = 0; i < 200 && !svr_.is_running(); i++) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  void Stop() {
    if (thread_.joinable()) {
      svr_.stop();
      thread_.join();
    }
  }
  int port() const { return port_; }
  std::string address() const { return "127.0.0.1:" + std::to_string(port_); }

 private:
  httplib::Server svr_;
  std::thread thread_;
  int port_ = 0;
};

}  // namespace promlite::scrape::testing
