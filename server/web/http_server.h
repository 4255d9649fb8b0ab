// The HTTP front end: cpp-httplib with the workarounds Debian's build needs
// (see shared/notes/debian-deps.md): a real listen backlog, a sized worker
// pool and keep-alive, no Brotli (too slow at its default quality), and POST
// form bodies of any size (httplib refuses form bodies over 8 KiB otherwise).
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "promlite/tsdb/logger.h"

namespace httplib {
struct Request;
struct Response;
}  // namespace httplib

namespace promlite::server {

class WebGuard;

// A request with URL query and form parameters merged, as Go's
// Request.FormValue / Form see them.
struct HttpRequest {
  const httplib::Request* raw = nullptr;
  std::string method;
  std::string path;
  std::multimap<std::string, std::string> params;
  std::vector<std::string> path_args;  // regex captures of the route
  std::string body;                    // raw body (non-form POSTs)
  std::string remote_addr;

  // The first value of a parameter ("" when absent).
  std::string Param(const std::string& name) const;
  bool HasParam(const std::string& name) const { return params.count(name) > 0; }
  std::vector<std::string> Params(const std::string& name) const;
  std::string Header(const std::string& name) const;
};

struct HttpResponse {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
};

using HttpHandler = std::function<void(const HttpRequest&, HttpResponse*)>;

class HttpServer {
 public:
  struct Options {
    std::string listen_address = "0.0.0.0:9090";
    std::string route_prefix;  // e.g. "/prometheus"; routes are served below it
    size_t worker_threads = 64;
    int64_t read_timeout_s = 300;
    int64_t keep_alive_timeout_s = 10;
    size_t max_body_bytes = 64 << 20;
    std::shared_ptr<tsdb::Logger> logger;
    // --web.config.file: TLS, basic auth, headers, rate limit (none when null).
    std::shared_ptr<WebGuard> guard;
    // Called after every request (method, route pattern, status, seconds).
    std::function<void(const std::string&, const std::string&, int, double)> observe;
  };

  explicit HttpServer(Options opts);
  ~HttpServer();

  // Routes: `pattern` is an ECMAScript regex over the path (below the
  // prefix), e.g. "/api/v1/label/([^/]+)/values".
  void Get(const std::string& pattern, HttpHandler h);
  void Post(const std::string& pattern, HttpHandler h);
  void Put(const std::string& pattern, HttpHandler h);
  void Delete(const std::string& pattern, HttpHandler h);

  // Whether the listener speaks TLS.
  bool tls() const;
  // Binds the listen address; errors name it ("listen tcp 0.0.0.0:9090: address already in use").
  absl::Status Bind();
  int port() const;
  // Serves until Stop(). Returns when the server has stopped.
  void Serve();
  void Stop();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace promlite::server
