#include "http/client.h"

#include <netdb.h>
#include <sys/socket.h>

#include <fstream>
#include <sstream>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "http/watchdog.h"
#include "httplib.h"
#include "openssl/ssl.h"
#include "util/quote.h"
#include "util/strings.h"

namespace promlite::scrape::http {
namespace {

absl::StatusOr<std::string> ReadSecretFile(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  if (!f) return absl::UnavailableError(absl::StrCat("unable to read file ", QuoteGo(path)));
  std::stringstream ss;
  ss << f.rdbuf();
  return std::string(absl::StripAsciiWhitespace(ss.str()));
}

// Splits "host:port" / "[v6]:port" / "host" into host and port.
void SplitHostPort(std::string_view addr, std::string* host, std::string* port) {
  if (!addr.empty() && addr[0] == '[') {
    size_t close = addr.find(']');
    *host = std::string(addr.substr(1, close == std::string_view::npos ? std::string_view::npos : close - 1));
    if (close != std::string_view::npos && close + 1 < addr.size() && addr[close + 1] == ':') {
      *port = std::string(addr.substr(close + 2));
    }
    return;
  }
  size_t colon = addr.rfind(':');
  if (colon != std::string_view::npos && addr.find(':') == colon) {
    *host = std::string(addr.substr(0, colon));
    *port = std::string(addr.substr(colon + 1));
  } else {
    *host = std::string(addr);
  }
}

std::string ResolveNumeric(const std::string& host) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* res = nullptr;
  if (getaddrinfo(host.c_str(), nullptr, &hints, &res) != 0 || !res) return host;
  char buf[NI_MAXHOST];
  std::string out = host;
  if (getnameinfo(res->ai_addr, res->ai_addrlen, buf, sizeof(buf), nullptr, 0, NI_NUMERICHOST) == 0) out = buf;
  freeaddrinfo(res);
  return out;
}

}  // namespace

absl::StatusOr<std::unique_ptr<Client>> Client::Make(std::string_view scheme, std::string_view address,
                                                     const HTTPClientConfig& cfg) {
  if (scheme != "http" && scheme != "https") {
    return absl::InvalidArgumentError(absl::StrCat("unsupported protocol scheme ", QuoteGo(scheme)));
  }
  std::unique_ptr<Client> c(new Client());
  c->scheme_ = std::string(scheme);
  c->address_ = std::string(address);
  c->cfg_ = cfg;
  std::string host, port;
  SplitHostPort(address, &host, &port);
  if (host.empty()) return absl::InvalidArgumentError(absl::StrCat("no host in address ", QuoteGo(address)));
  const TLSConfig& tls = cfg.tls_config;
  // With server_name, connect to the address but present and verify the
  // configured name: the client is built for that name and pointed at the
  // address' IP.
  bool rename = scheme == "https" && !tls.server_name.empty() && tls.server_name != host;
  std::string connect_host = rename ? tls.server_name : host;
  std::string authority = connect_host.find(':') != std::string::npos ? absl::StrCat("[", connect_host, "]") : connect_host;
  std::string base = absl::StrCat(c->scheme_, "://", authority);
  if (!port.empty()) absl::StrAppend(&base, ":", port);
  if (scheme == "https" && !tls.cert_file.empty()) {
    c->cli_ = std::make_unique<httplib::Client>(base, tls.cert_file, tls.key_file);
  } else {
    c->cli_ = std::make_unique<httplib::Client>(base);
  }
  if (!c->cli_->is_valid()) {
    return absl::InvalidArgumentError(absl::StrCat("cannot create HTTP client for ", QuoteGo(base)));
  }
  if (rename) c->cli_->set_hostname_addr_map({{tls.server_name, ResolveNumeric(host)}});
  if (scheme == "https") {
    if (!tls.ca_file.empty()) c->cli_->set_ca_cert_path(tls.ca_file);
    c->cli_->enable_server_certificate_verification(!tls.insecure_skip_verify);
    if (SSL_CTX* ctx = c->cli_->ssl_context(); ctx && !tls.min_version.empty()) {
      int v = tls.min_version == "TLS13"   ? TLS1_3_VERSION
              : tls.min_version == "TLS12" ? TLS1_2_VERSION
              : tls.min_version == "TLS11" ? TLS1_1_VERSION
                                           : TLS1_VERSION;
      SSL_CTX_set_min_proto_version(ctx, v);
    }
  }
  c->cli_->set_keep_alive(true);
  c->cli_->set_follow_location(cfg.follow_redirects);
  c->cli_->set_decompress(true);
  return c;
}

Client::~Client() = default;

std::string Client::Url(std::string_view path_query) const {
  return absl::StrCat(scheme_, "://", address_, A(path_query));
}

absl::Status Client::Authorize(std::vector<std::pair<std::string, std::string>>* headers) const {
  if (cfg_.basic_auth) {
    const BasicAuth& b = *cfg_.basic_auth;
    std::string user = b.username, pass = b.password;
    if (!b.username_file.empty()) {
      absl::StatusOr<std::string> u = ReadSecretFile(b.username_file);
      if (!u.ok()) return u.status();
      user = *u;
    }
    if (!b.password_file.empty()) {
      absl::StatusOr<std::string> p = ReadSecretFile(b.password_file);
      if (!p.ok()) return p.status();
      pass = *p;
    }
    headers->emplace_back("Authorization", absl::StrCat("Basic ", absl::Base64Escape(absl::StrCat(user, ":", pass))));
  }
  if (cfg_.authorization) {
    const Authorization& a = *cfg_.authorization;
    std::string cred = a.credentials;
    if (!a.credentials_file.empty()) {
      absl::StatusOr<std::string> c = ReadSecretFile(a.credentials_file);
      if (!c.ok()) return c.status();
      cred = *c;
    }
    headers->emplace_back("Authorization", absl::StrCat(a.type, " ", cred));
  }
  return absl::OkStatus();
}

absl::Status Client::Get(const GetOptions& opts, Response* resp, std::string* body) {
  body->clear();
  *resp = Response{};
  std::vector<std::pair<std::string, std::string>> extra;
  if (absl::Status st = Authorize(&extra); !st.ok()) return st;
  httplib::Headers headers;
  for (const auto& [k, v] : opts.headers) headers.emplace(k, v);
  for (const auto& [k, v] : extra) headers.emplace(k, v);
  headers.emplace("Accept-Encoding", opts.accept_gzip ? "gzip" : "identity");

  auto start = Watchdog::Clock::now();
  auto deadline = start + opts.timeout;
  // httplib's own timeouts bound each connect and read; the watchdog bounds
  // the total.
  auto secs = std::chrono::duration_cast<std::chrono::seconds>(opts.timeout);
  auto usecs = std::chrono::duration_cast<std::chrono::microseconds>(opts.timeout - secs);
  cli_->set_connection_timeout(secs.count(), usecs.count());
  cli_->set_read_timeout(secs.count(), usecs.count());
  cli_->set_write_timeout(secs.count(), usecs.count());

  expired_.store(false, std::memory_order_relaxed);
  {
    std::lock_guard<std::mutex> l(mu_);
    in_flight_ = true;
  }
  uint64_t arm = Watchdog::Global().Arm(deadline, [this] {
    std::lock_guard<std::mutex> l(mu_);
    if (!in_flight_) return;
    expired_.store(true, std::memory_order_relaxed);
    cli_->stop();
  });

  bool limit_hit = false;
  bool status_ok = false;
  uint64_t limit = opts.body_limit;
  httplib::Result res = cli_->Get(
      opts.path_query, headers,
      [&](const httplib::Response& r) {
        resp->status = r.status;
        resp->reason = r.reason;
        resp->content_type = r.get_header_value("Content-Type");
        status_ok = r.status == 200;
        // Anything but 200 fails the scrape; its body is not read.
        return status_ok && !expired_.load(std::memory_order_relaxed);
      },
      [&](const char* data, size_t len) {
        if (expired_.load(std::memory_order_relaxed)) return false;
        if (limit > 0 && body->size() + len >= limit) {
          limit_hit = true;
          return false;
        }
        body->append(data, len);
        return true;
      });
  Watchdog::Global().Disarm(arm);
  {
    std::lock_guard<std::mutex> l(mu_);
    in_flight_ = false;
  }
  std::string url = Url(opts.path_query);
  if (expired_.load(std::memory_order_relaxed) || Watchdog::Clock::now() >= deadline) {
    if (res.error() != httplib::Error::Success || expired_.load(std::memory_order_relaxed)) {
      return absl::DeadlineExceededError(absl::StrCat("Get ", QuoteGo(url), ": context deadline exceeded"));
    }
  }
  if (limit_hit) return absl::ResourceExhaustedError("body size limit exceeded");
  if (resp->status > 0 && !status_ok) {
    return absl::UnavailableError(absl::StrCat("server returned HTTP status ", resp->status, " ", resp->reason));
  }
  if (res.error() != httplib::Error::Success) {
    if (res.error() == httplib::Error::ConnectionTimeout) {
      return absl::DeadlineExceededError(absl::StrCat("Get ", QuoteGo(url), ": context deadline exceeded"));
    }
    return absl::UnavailableError(absl::StrCat("Get ", QuoteGo(url), ": ", httplib::to_string(res.error())));
  }
  return absl::OkStatus();
}

}  // namespace promlite::scrape::http
