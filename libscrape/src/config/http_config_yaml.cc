// The inline HTTP client section of scrape and HTTP discovery configs.
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "config/sections.h"
#include "util/strings.h"

namespace promlite::scrape::yamlcfg {
namespace {

absl::Status Unsupported(const Ctx& ctx, const YAML::Node& n, std::string_view what) {
  return ErrorAt(ctx, n, absl::StrCat(A(what), " is not supported by promlite yet"));
}

absl::Status ReadTLS(const Ctx& ctx, const YAML::Node& n, TLSConfig* out) {
  absl::StatusOr<Map> m = Map::Read(ctx, n, "config.TLSConfig");
  if (!m.ok()) return m.status();
  for (std::string_view inline_pem : {"ca", "cert", "key", "ca_ref", "cert_ref", "key_ref", "max_version"}) {
    if (const YAML::Node* v = m->Take(inline_pem); v && !v->IsNull() && !(v->IsScalar() && v->Scalar().empty())) {
      return Unsupported(ctx, *v, absl::StrCat("tls_config ", A(inline_pem)));
    }
  }
  std::string min_version;
  absl::Status st;
  if (!(st = Field(ctx, *m, "ca_file", &out->ca_file)).ok()) return st;
  if (!(st = Field(ctx, *m, "cert_file", &out->cert_file)).ok()) return st;
  if (!(st = Field(ctx, *m, "key_file", &out->key_file)).ok()) return st;
  if (!(st = Field(ctx, *m, "server_name", &out->server_name)).ok()) return st;
  if (!(st = Field(ctx, *m, "insecure_skip_verify", &out->insecure_skip_verify)).ok()) return st;
  if (!(st = Field(ctx, *m, "min_version", &out->min_version)).ok()) return st;
  if (!out->min_version.empty() && out->min_version != "TLS10" && out->min_version != "TLS11" &&
      out->min_version != "TLS12" && out->min_version != "TLS13") {
    return ErrorAt(ctx, *m->Take("min_version"), absl::StrCat("unknown TLS version: ", out->min_version));
  }
  if (!(st = m->Done()).ok()) return st;
  // A client certificate needs both halves (Prometheus' TLSConfig.Validate).
  if (!out->cert_file.empty() && out->key_file.empty()) {
    return ErrorAt(ctx, n, "exactly one of key or key_file must be configured when a client certificate is configured");
  }
  if (out->cert_file.empty() && !out->key_file.empty()) {
    return ErrorAt(ctx, n, "exactly one of cert or cert_file must be configured when a client key is configured");
  }
  out->ca_file = JoinDir(ctx, out->ca_file);
  out->cert_file = JoinDir(ctx, out->cert_file);
  out->key_file = JoinDir(ctx, out->key_file);
  return absl::OkStatus();
}

}  // namespace

absl::Status ReadHTTPClientFields(const Ctx& ctx, Map& m, HTTPClientConfig* out) {
  absl::Status st;
  for (std::string_view key : {"oauth2", "proxy_url", "no_proxy", "proxy_connect_header", "http_headers"}) {
    if (const YAML::Node* v = m.Take(key); v && !v->IsNull() && !(v->IsScalar() && v->Scalar().empty())) {
      return Unsupported(ctx, *v, key);
    }
  }
  if (const YAML::Node* v = m.Take("proxy_from_environment")) {
    bool on = false;
    if (!(st = ReadBool(ctx, *v, &on)).ok()) return st;
    if (on) return Unsupported(ctx, *v, "proxy_from_environment");
  }
  const YAML::Node* ba_node = m.Take("basic_auth");
  if (ba_node && !ba_node->IsNull()) {
    absl::StatusOr<Map> ba = Map::Read(ctx, *ba_node, "config.BasicAuth");
    if (!ba.ok()) return ba.status();
    for (std::string_view ref : {"username_ref", "password_ref"}) {
      if (const YAML::Node* v = ba->Take(ref); v && !v->IsNull()) return Unsupported(ctx, *v, ref);
    }
    BasicAuth b;
    if (!(st = Field(ctx, *ba, "username", &b.username)).ok()) return st;
    if (!(st = Field(ctx, *ba, "username_file", &b.username_file)).ok()) return st;
    if (!(st = Field(ctx, *ba, "password", &b.password)).ok()) return st;
    if (!(st = Field(ctx, *ba, "password_file", &b.password_file)).ok()) return st;
    if (!(st = ba->Done()).ok()) return st;
    if (!b.username.empty() && !b.username_file.empty()) {
      return ErrorAt(ctx, *ba_node, "at most one of basic_auth username, username_file & username_ref must be configured");
    }
    if (!b.password.empty() && !b.password_file.empty()) {
      return ErrorAt(ctx, *ba_node, "at most one of basic_auth password, password_file & password_ref must be configured");
    }
    b.username_file = JoinDir(ctx, b.username_file);
    b.password_file = JoinDir(ctx, b.password_file);
    out->basic_auth = std::move(b);
  }
  const YAML::Node* au_node = m.Take("authorization");
  if (au_node && !au_node->IsNull()) {
    absl::StatusOr<Map> au = Map::Read(ctx, *au_node, "config.Authorization");
    if (!au.ok()) return au.status();
    if (const YAML::Node* v = au->Take("credentials_ref"); v && !v->IsNull()) return Unsupported(ctx, *v, "credentials_ref");
    Authorization a;
    a.type.clear();
    if (!(st = Field(ctx, *au, "type", &a.type)).ok()) return st;
    if (!(st = Field(ctx, *au, "credentials", &a.credentials)).ok()) return st;
    if (!(st = Field(ctx, *au, "credentials_file", &a.credentials_file)).ok()) return st;
    if (!(st = au->Done()).ok()) return st;
    if (!a.credentials.empty() && !a.credentials_file.empty()) {
      return ErrorAt(ctx, *au_node, "at most one of authorization credentials & credentials_file must be configured");
    }
    a.type = std::string(absl::StripAsciiWhitespace(A(a.type)));
    if (a.type.empty()) a.type = "Bearer";
    if (absl::AsciiStrToLower(A(a.type)) == "basic") {
      return ErrorAt(ctx, *au_node, "authorization type cannot be set to \"basic\", use \"basic_auth\" instead");
    }
    a.credentials_file = JoinDir(ctx, a.credentials_file);
    out->authorization = std::move(a);
  }
  std::string bearer, bearer_file;
  if (!(st = Field(ctx, m, "bearer_token", &bearer)).ok()) return st;
  if (!(st = Field(ctx, m, "bearer_token_file", &bearer_file)).ok()) return st;
  const YAML::Node& where = m.node();
  if (!bearer.empty() && !bearer_file.empty()) {
    return ErrorAt(ctx, where, "at most one of bearer_token & bearer_token_file must be configured");
  }
  if (out->basic_auth && (!bearer.empty() || !bearer_file.empty())) {
    return ErrorAt(ctx, where, "at most one of basic_auth, oauth2, bearer_token & bearer_token_file must be configured");
  }
  if (out->authorization) {
    if (!bearer.empty() || !bearer_file.empty()) {
      return ErrorAt(ctx, where, "authorization is not compatible with bearer_token & bearer_token_file");
    }
    if (out->basic_auth) return ErrorAt(ctx, where, "at most one of basic_auth, oauth2 & authorization must be configured");
  } else if (!bearer.empty() || !bearer_file.empty()) {
    Authorization a;
    a.credentials = bearer;
    a.credentials_file = JoinDir(ctx, bearer_file);
    out->authorization = std::move(a);
  }
  if (const YAML::Node* t = m.Take("tls_config")) {
    if (!(st = ReadTLS(ctx, *t, &out->tls_config)).ok()) return st;
  }
  if (!(st = Field(ctx, m, "follow_redirects", &out->follow_redirects)).ok()) return st;
  if (const YAML::Node* v = m.Take("enable_http2")) {
    if (!(st = ReadBool(ctx, *v, &out->enable_http2)).ok()) return st;
  }
  return absl::OkStatus();
}

}  // namespace promlite::scrape::yamlcfg
