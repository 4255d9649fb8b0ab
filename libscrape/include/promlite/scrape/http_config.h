// HTTP client settings shared by scrape jobs and HTTP-based discovery, with
// the YAML field names of Prometheus' common HTTPClientConfig.
#pragma once

#include <optional>
#include <string>

namespace promlite::scrape {

struct BasicAuth {
  std::string username;
  std::string username_file;
  std::string password;
  std::string password_file;
  friend bool operator==(const BasicAuth&, const BasicAuth&) = default;
};

struct Authorization {
  std::string type = "Bearer";
  std::string credentials;
  std::string credentials_file;  // re-read on every request, as Prometheus does
  friend bool operator==(const Authorization&, const Authorization&) = default;
};

struct TLSConfig {
  std::string ca_file;
  std::string cert_file;
  std::string key_file;
  std::string server_name;
  bool insecure_skip_verify = false;
  std::string min_version;  // "TLS12", ... (empty: library default)
  friend bool operator==(const TLSConfig&, const TLSConfig&) = default;
};

struct HTTPClientConfig {
  std::optional<BasicAuth> basic_auth;
  std::optional<Authorization> authorization;  // also set from bearer_token(_file)
  TLSConfig tls_config;
  bool follow_redirects = true;
  bool enable_http2 = true;  // accepted for compatibility; promlite speaks HTTP/1.1
  friend bool operator==(const HTTPClientConfig&, const HTTPClientConfig&) = default;
};

}  // namespace promlite::scrape
