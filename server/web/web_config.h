// --web.config.file: the Prometheus exporter-toolkit web configuration
// (TLS on the listener, basic auth with bcrypt hashes, extra response headers,
// a request rate limit), with the same file format, the same validation and
// the same messages, so one file serves Prometheus and promlite alike.
//
// As in Prometheus, the file is read again while the server runs: users,
// headers and the certificate/key pair are picked up without a restart (the
// file is read on every request, the certificate and key files on every TLS
// handshake; each is parsed again only when its text changed). Whether the listener speaks TLS at all, and the TLS parameters
// (versions, ciphers, curves, client authentication) are fixed at start-up.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "promlite/tsdb/logger.h"

typedef struct ssl_ctx_st SSL_CTX;

namespace promlite::server {

struct WebConfig {
  struct Tls {
    std::string cert;  // inline PEM (`cert`), or
    std::string cert_file;
    std::string key;  // inline PEM (`key`), or
    std::string key_file;
    std::string client_ca;  // inline PEM (`client_ca`), or
    std::string client_ca_file;
    std::string client_auth_type;
    std::vector<std::string> cipher_suites;      // Go names, e.g. TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256
    std::vector<std::string> curve_preferences;  // Go names: CurveP256, CurveP384, CurveP521, X25519
    uint16_t min_version = 0x0303;               // TLS12
    uint16_t max_version = 0x0304;               // TLS13
    bool prefer_server_cipher_suites = true;
    bool has_allowed_sans = false;  // `client_allowed_sans` given (even empty)
    std::vector<std::string> client_allowed_sans;

    // Any TLS field set: the listener speaks TLS (exporter-toolkit's IsEnabled).
    bool Enabled() const;
  };
  Tls tls;
  bool http2 = true;  // accepted for compatibility; the listener speaks HTTP/1.1
  std::map<std::string, std::string> headers;
  uint64_t rate_burst = 0;
  absl::Duration rate_interval = absl::ZeroDuration();
  std::map<std::string, std::string> users;  // user -> bcrypt hash
};

// Parses a web configuration. `file` names it in messages and relative paths
// are resolved against its directory. Unknown fields, bad header names or
// values, bad TLS versions, ciphers or curves are errors.
absl::StatusOr<WebConfig> ParseWebConfig(std::string_view text, const std::string& file);
absl::StatusOr<WebConfig> LoadWebConfig(const std::string& path);

// Everything Prometheus checks before it starts (and `promtool check
// web-config`): the file parses, every password is a bcrypt hash, and when
// TLS is configured, the certificate, key and client CAs load and fit.
absl::Status ValidateWebConfig(const std::string& path);

// The cost of a bcrypt hash, or Go's x/crypto/bcrypt error for a malformed one.
absl::StatusOr<int> BcryptCost(std::string_view hash);
// Whether `password` matches the bcrypt `hash` (libxcrypt).
bool BcryptMatches(const std::string& hash, std::string_view password);

// The running server's view of the file: decides per request whether it may
// proceed, and sets up the TLS context of the listener.
class WebGuard {
 public:
  // Validates the file (as ValidateWebConfig) and keeps it.
  static absl::StatusOr<std::shared_ptr<WebGuard>> Create(const std::string& path,
                                                           std::shared_ptr<tsdb::Logger> logger);
  ~WebGuard();

  bool tls_enabled() const { return tls_enabled_; }

  struct Verdict {
    bool allow = true;
    int status = 200;  // when !allow: 401, 429 or 500
    std::string body;
    // Headers for the response either way (configured headers, and
    // WWW-Authenticate on 401).
    std::vector<std::pair<std::string, std::string>> headers;
  };
  // `authorization` is the request's Authorization header ("" when absent).
  Verdict Check(std::string_view authorization);

  // Configures an SSL_CTX for the listener (versions, ciphers, curves, client
  // authentication, the certificate callback). False with the reason logged
  // when OpenSSL refuses a setting.
  bool SetupTls(SSL_CTX* ctx);

  // Test hooks.
  size_t bcrypt_runs() const;

 private:
  WebGuard(std::string path, std::shared_ptr<tsdb::Logger> logger);
  std::shared_ptr<const WebConfig> Current();  // re-reads the file when it changed
  bool RateAllow();

  struct TlsState;
  friend struct TlsCallbacks;

  const std::string path_;
  std::shared_ptr<tsdb::Logger> logger_;
  bool tls_enabled_ = false;

  mutable std::mutex mu_;  // guards the fields below
  std::shared_ptr<const WebConfig> config_;
  std::string file_text_;     // the text config_ was parsed from
  bool file_failed_ = false;  // the file cannot be read or parsed right now
  std::string file_failure_;  // why (logged once per distinct failure)
  std::map<std::string, bool> auth_cache_;  // sha256(user, hash, password) -> ok
  size_t bcrypt_runs_ = 0;
  double tokens_ = 0;
  absl::Time last_refill_;

  std::mutex bcrypt_mu_;  // bcrypt is CPU-heavy: one at a time, as Prometheus does
  std::unique_ptr<TlsState> tls_;
};

}  // namespace promlite::server
