#include "web/http_server.h"

#include <sys/socket.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <list>
#include <mutex>
#include <thread>

#include "absl/strings/str_cat.h"
#include "httplib.h"
#include "web/web_config.h"

namespace promlite::server {

std::string HttpRequest::Param(const std::string& name) const {
  auto it = params.find(name);
  return it == params.end() ? std::string() : it->second;
}

std::vector<std::string> HttpRequest::Params(const std::string& name) const {
  std::vector<std::string> out;
  auto [lo, hi] = params.equal_range(name);
  for (auto it = lo; it != hi; ++it) out.push_back(it->second);
  return out;
}

std::string HttpRequest::Header(const std::string& name) const {
  return raw ? raw->get_header_value(name) : std::string();
}

namespace {

// httplib keeps the listen socket protected; the backlog it uses is 5.
template <typename Base>
class Backlogged : public Base {
 public:
  using Base::Base;
  void RaiseBacklog(int n) { ::listen(this->svr_sock_, n); }
};

// httplib's ThreadPool starts all its threads up front: with Prometheus'
// --web.max-connections that is hundreds of idle threads, each with a stack
// and possibly a malloc arena. This queue starts a thread only when no idle
// one can take the task, up to `max`, and lets a thread above `keep` exit
// after `idle` without work. Tasks beyond `max` busy threads wait in order.
class ElasticPool final : public httplib::TaskQueue {
 public:
  ElasticPool(size_t max, size_t keep, std::chrono::milliseconds idle)
      : max_(std::max<size_t>(max, 1)), keep_(std::min(keep, max_)), idle_timeout_(idle) {}
  ~ElasticPool() override { shutdown(); }

  void enqueue(std::function<void()> fn) override {
    std::list<std::thread> finished;
    {
      std::lock_guard<std::mutex> l(mu_);
      if (shutdown_) return;
      jobs_.push_back(std::move(fn));
      if (idle_ >= jobs_.size() || threads_.size() >= max_) {
        cv_.notify_one();
      } else {
        threads_.emplace_back();
        auto it = std::prev(threads_.end());
        *it = std::thread([this, it] { Work(it); });
      }
      finished.splice(finished.end(), finished_);
    }
    for (auto& t : finished) t.join();
  }

  void shutdown() override {
    std::list<std::thread> all;
    {
      std::lock_guard<std::mutex> l(mu_);
      if (shutdown_ && threads_.empty() && finished_.empty()) return;
      shutdown_ = true;
    }
    cv_.notify_all();
    for (;;) {
      {
        std::lock_guard<std::mutex> l(mu_);
        all.splice(all.end(), finished_);
        if (threads_.empty()) break;
        // Threads still running move themselves to finished_ on exit.
      }
      for (auto& t : all) t.join();
      all.clear();
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    for (auto& t : all) t.join();
  }

 private:
  void Work(std::list<std::thread>::iterator self) {
    std::unique_lock<std::mutex> l(mu_);
    for (;;) {
      if (jobs_.empty()) {
        if (shutdown_) break;
        idle_++;
        bool timed_out = !cv_.wait_for(l, idle_timeout_, [this] { return shutdown_ || !jobs_.empty(); });
        idle_--;
        if (timed_out && threads_.size() > keep_) break;
        continue;
      }
      std::function<void()> fn = std::move(jobs_.front());
      jobs_.pop_front();
      l.unlock();
      fn();
      fn = nullptr;
      l.lock();
    }
    // Hand our std::thread to whoever joins next; we only return after this.
    finished_.splice(finished_.end(), threads_, self);
  }

  const size_t max_;
  const size_t keep_;
  const std::chrono::milliseconds idle_timeout_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::function<void()>> jobs_;
  std::list<std::thread> threads_;   // running
  std::list<std::thread> finished_;  // returned or about to: join them
  size_t idle_ = 0;
  bool shutdown_ = false;
};

bool SplitHostPort(const std::string& addr, std::string* host, int* port) {
  size_t colon = addr.rfind(':');
  if (colon == std::string::npos) return false;
  *host = addr.substr(0, colon);
  if (host->size() >= 2 && host->front() == '[' && host->back() == ']') *host = host->substr(1, host->size() - 2);
  if (host->empty()) *host = "0.0.0.0";
  try {
    size_t used = 0;
    *port = std::stoi(addr.substr(colon + 1), &used);
    return used == addr.size() - colon - 1 && *port >= 0 && *port <= 65535;
  } catch (...) {
    return false;
  }
}

}  // namespace

struct HttpServer::Impl {
  Options opts;
  std::unique_ptr<httplib::Server> server;
  std::function<void(int)> raise_backlog;
  std::string tls_error;  // the TLS context could not be set up
  int port = 0;

  void Wrap(const std::string& method, const std::string& pattern, HttpHandler h);
};

HttpServer::HttpServer(Options opts) : impl_(std::make_unique<Impl>()) {
  impl_->opts = std::move(opts);
  if (!impl_->opts.logger) impl_->opts.logger = tsdb::DefaultLogger();
  if (impl_->opts.guard && impl_->opts.guard->tls_enabled()) {
    std::shared_ptr<WebGuard> guard = impl_->opts.guard;
    auto tls = std::make_unique<Backlogged<httplib::SSLServer>>(
        [guard](SSL_CTX& ctx) { return guard->SetupTls(&ctx); });
    if (!tls->is_valid()) impl_->tls_error = "setting up the TLS context failed (see the log)";
    auto* raw = tls.get();
    impl_->raise_backlog = [raw](int n) { raw->RaiseBacklog(n); };
    impl_->server = std::move(tls);
  } else {
    auto plain = std::make_unique<Backlogged<httplib::Server>>();
    auto* raw = plain.get();
    impl_->raise_backlog = [raw](int n) { raw->RaiseBacklog(n); };
    impl_->server = std::move(plain);
  }
  auto& svr = *impl_->server;
  size_t threads = impl_->opts.worker_threads;
  svr.new_task_queue = [threads] { return new ElasticPool(threads, 4, std::chrono::seconds(30)); };
  svr.set_keep_alive_timeout(impl_->opts.keep_alive_timeout_s);
  svr.set_keep_alive_max_count(1000);
  svr.set_read_timeout(impl_->opts.read_timeout_s);
  svr.set_write_timeout(impl_->opts.read_timeout_s);
  svr.set_payload_max_length(impl_->opts.max_body_bytes);
  svr.set_tcp_nodelay(true);
  // Brotli at httplib's default quality costs ~1 s per MiB; offer gzip only.
  svr.set_pre_routing_handler([guard = impl_->opts.guard](const httplib::Request& req, httplib::Response& res) {
    if (guard) {
      WebGuard::Verdict v = guard->Check(req.get_header_value("Authorization"));
      for (const auto& [k, val] : v.headers) res.set_header(k, val);
      if (!v.allow) {
        res.status = v.status;
        res.set_header("X-Content-Type-Options", "nosniff");
        res.set_content(v.body, "text/plain; charset=utf-8");
        return httplib::Server::HandlerResponse::Handled;
      }
    }
    auto& r = const_cast<httplib::Request&>(req);
    auto it = r.headers.find("Accept-Encoding");
    if (it != r.headers.end()) {
      bool gzip = it->second.find("gzip") != std::string::npos;
      r.headers.erase("Accept-Encoding");
      if (gzip) r.headers.emplace("Accept-Encoding", "gzip");
    }
    return httplib::Server::HandlerResponse::Unhandled;
  });
  svr.set_exception_handler([](const httplib::Request&, httplib::Response& res, std::exception_ptr ep) {
    std::string what = "unknown error";
    try {
      if (ep) std::rethrow_exception(ep);
    } catch (const std::exception& e) {
      what = e.what();
    } catch (...) {
    }
    res.status = 500;
    res.set_content(absl::StrCat("{\"status\":\"error\",\"errorType\":\"internal\",\"error\":\"", what, "\"}"),
                    "application/json");
  });
}

HttpServer::~HttpServer() { Stop(); }

void HttpServer::Impl::Wrap(const std::string& method, const std::string& pattern, HttpHandler h) {
  std::string full = opts.route_prefix + pattern;
  auto run = [this, method, pattern, h](const httplib::Request& req, httplib::Response& res, std::string body) {
    auto start = std::chrono::steady_clock::now();
    HttpRequest r;
    r.raw = &req;
    r.method = method;
    r.path = req.path;
    r.remote_addr = req.remote_addr;
    for (const auto& [k, v] : req.params) r.params.emplace(k, v);
    for (size_t i = 1; i < req.matches.size(); i++) r.path_args.push_back(req.matches[i].str());
    std::string ct = req.get_header_value("Content-Type");
    if (ct.rfind("application/x-www-form-urlencoded", 0) == 0) {
      httplib::Params form;
      httplib::detail::parse_query_text(body, form);
      for (auto& [k, v] : form) r.params.emplace(k, v);
    } else {
      r.body = std::move(body);
    }
    HttpResponse out;
    h(r, &out);
    res.status = out.status;
    for (const auto& [k, v] : out.headers) res.set_header(k, v);
    res.set_content(std::move(out.body), out.content_type);
    if (opts.observe) {
      opts.observe(method, pattern, out.status,
                   std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
    }
  };
  if (method == "GET") {
    server->Get(full, [run](const httplib::Request& req, httplib::Response& res) { run(req, res, req.body); });
    return;
  }
  // Bodies are read through a content reader so that form bodies of any size
  // (Grafana POSTs long queries) are accepted.
  auto reader_handler = [run](const httplib::Request& req, httplib::Response& res,
                              const httplib::ContentReader& content_reader) {
    std::string body;
    content_reader([&](const char* data, size_t len) {
      body.append(data, len);
      return true;
    });
    run(req, res, std::move(body));
  };
  if (method == "POST") server->Post(full, reader_handler);
  if (method == "PUT") server->Put(full, reader_handler);
  if (method == "DELETE") server->Delete(full, reader_handler);
}

void HttpServer::Get(const std::string& p, HttpHandler h) { impl_->Wrap("GET", p, std::move(h)); }
void HttpServer::Post(const std::string& p, HttpHandler h) { impl_->Wrap("POST", p, std::move(h)); }
void HttpServer::Put(const std::string& p, HttpHandler h) { impl_->Wrap("PUT", p, std::move(h)); }
void HttpServer::Delete(const std::string& p, HttpHandler h) { impl_->Wrap("DELETE", p, std::move(h)); }

bool HttpServer::tls() const { return impl_->opts.guard && impl_->opts.guard->tls_enabled(); }

absl::Status HttpServer::Bind() {
  if (!impl_->tls_error.empty()) return absl::InvalidArgumentError(impl_->tls_error);
  std::string host;
  int port;
  if (!SplitHostPort(impl_->opts.listen_address, &host, &port)) {
    return absl::InvalidArgumentError(
        absl::StrCat("invalid listen address \"", impl_->opts.listen_address, "\": want host:port"));
  }
  if (port == 0) {
    impl_->port = impl_->server->bind_to_any_port(host);
    if (impl_->port < 0) {
      return absl::UnavailableError(absl::StrCat("listen tcp ", impl_->opts.listen_address, ": cannot bind"));
    }
  } else {
    if (!impl_->server->bind_to_port(host, port)) {
      return absl::UnavailableError(absl::StrCat("listen tcp ", impl_->opts.listen_address,
                                                 ": bind failed (address already in use or not available)"));
    }
    impl_->port = port;
  }
  impl_->raise_backlog(1024);
  return absl::OkStatus();
}

int HttpServer::port() const { return impl_->port; }

void HttpServer::Serve() { impl_->server->listen_after_bind(); }

void HttpServer::Stop() {
  if (impl_ && impl_->server->is_running()) impl_->server->stop();
}

}  // namespace promlite::server
