// A blocking HTTP(S) GET client for one endpoint, on cpp-httplib, with what
// scraping needs and httplib lacks: a total deadline (through the Watchdog),
// a limit on the decompressed body, explicit gzip negotiation, credentials
// re-read from files on every request, and errors worded like Prometheus'.
#pragma once

#include <atomic>
#include <chrono>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "promlite/scrape/http_config.h"

namespace httplib {
class Client;
}

namespace promlite::scrape::http {

struct GetOptions {
  std::string path_query = "/";  // path and query, already encoded
  std::vector<std::pair<std::string, std::string>> headers;
  std::chrono::milliseconds timeout{10'000};  // whole request, connect to last byte
  uint64_t body_limit = 0;                    // decompressed bytes; 0 = no limit
  bool accept_gzip = true;
};

struct Response {
  int status = 0;
  std::string reason;
  std::string content_type;
};

class Client {
 public:
  // `scheme` is "http" or "https"; `address` is host, host:port or [v6]:port.
  static absl::StatusOr<std::unique_ptr<Client>> Make(std::string_view scheme, std::string_view address,
                                                      const HTTPClientConfig& cfg);
  ~Client();

  // GETs into *body (cleared first; its capacity is reused). Returns OK only
  // for a complete 200 response. Failures:
  //   DeadlineExceeded   `Get "<url>": context deadline exceeded`
  //   ResourceExhausted  `body size limit exceeded`
  //   Unavailable        `server returned HTTP status 500 Internal Server Error`,
  //                      connection errors, truncated bodies
  absl::Status Get(const GetOptions& opts, Response* resp, std::string* body);

  // The URL of a request, for messages.
  std::string Url(std::string_view path_query) const;

 private:
  Client() = default;
  absl::Status Authorize(std::vector<std::pair<std::string, std::string>>* headers) const;

  std::string scheme_;
  std::string address_;
  HTTPClientConfig cfg_;
  std::unique_ptr<httplib::Client> cli_;
  std::mutex mu_;  // serialises stop() from the watchdog with the end of a request
  bool in_flight_ = false;
  std::atomic<bool> expired_{false};
};

}  // namespace promlite::scrape::http
