#include "web/web_config.h"

#include <arpa/inet.h>
#include <crypt.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include <algorithm>
#include <cstring>
#include <fstream>
#include <sstream>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "config/yaml_reader.h"

namespace promlite::server {

namespace yc = scrape::yamlcfg;

namespace {

std::string S(std::string_view v) { return std::string(v); }

// The headers exporter-toolkit lets users set, with the values allowed for
// each (an empty list: any value).
const std::map<std::string, std::vector<std::string>>& ExtraHeaders() {
  static const auto* m = new std::map<std::string, std::vector<std::string>>{
      {"Strict-Transport-Security", {}},
      {"X-Content-Type-Options", {"nosniff"}},
      {"X-Frame-Options", {"deny", "sameorigin"}},
      {"X-XSS-Protection", {}},
      {"Content-Security-Policy", {}},
  };
  return *m;
}

// Go's cipher suite names (crypto/tls CipherSuites and InsecureCipherSuites)
// and their OpenSSL names. The TLS 1.3 suites map to "": Go does not let
// them be configured either, they are always on.
const std::map<std::string, std::string>& Ciphers() {
  static const auto* m = new std::map<std::string, std::string>{
      {"TLS_RSA_WITH_RC4_128_SHA", "RC4-SHA"},
      {"TLS_RSA_WITH_3DES_EDE_CBC_SHA", "DES-CBC3-SHA"},
      {"TLS_RSA_WITH_AES_128_CBC_SHA", "AES128-SHA"},
      {"TLS_RSA_WITH_AES_256_CBC_SHA", "AES256-SHA"},
      {"TLS_RSA_WITH_AES_128_CBC_SHA256", "AES128-SHA256"},
      {"TLS_RSA_WITH_AES_128_GCM_SHA256", "AES128-GCM-SHA256"},
      {"TLS_RSA_WITH_AES_256_GCM_SHA384", "AES256-GCM-SHA384"},
      {"TLS_ECDHE_ECDSA_WITH_RC4_128_SHA", "ECDHE-ECDSA-RC4-SHA"},
      {"TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA", "ECDHE-ECDSA-AES128-SHA"},
      {"TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA", "ECDHE-ECDSA-AES256-SHA"},
      {"TLS_ECDHE_RSA_WITH_RC4_128_SHA", "ECDHE-RSA-RC4-SHA"},
      {"TLS_ECDHE_RSA_WITH_3DES_EDE_CBC_SHA", "ECDHE-RSA-DES-CBC3-SHA"},
      {"TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA", "ECDHE-RSA-AES128-SHA"},
      {"TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA", "ECDHE-RSA-AES256-SHA"},
      {"TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256", "ECDHE-ECDSA-AES128-SHA256"},
      {"TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256", "ECDHE-RSA-AES128-SHA256"},
      {"TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256", "ECDHE-RSA-AES128-GCM-SHA256"},
      {"TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256", "ECDHE-ECDSA-AES128-GCM-SHA256"},
      {"TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384", "ECDHE-RSA-AES256-GCM-SHA384"},
      {"TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384", "ECDHE-ECDSA-AES256-GCM-SHA384"},
      {"TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256", "ECDHE-RSA-CHACHA20-POLY1305"},
      {"TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256", "ECDHE-ECDSA-CHACHA20-POLY1305"},
      {"TLS_AES_128_GCM_SHA256", ""},
      {"TLS_AES_256_GCM_SHA384", ""},
      {"TLS_CHACHA20_POLY1305_SHA256", ""},
  };
  return *m;
}

const std::map<std::string, std::string>& Curves() {
  static const auto* m = new std::map<std::string, std::string>{
      {"CurveP256", "P-256"}, {"CurveP384", "P-384"}, {"CurveP521", "P-521"}, {"X25519", "X25519"}};
  return *m;
}

const std::map<std::string, uint16_t>& Versions() {
  static const auto* m = new std::map<std::string, uint16_t>{
      {"TLS10", TLS1_VERSION}, {"TLS11", TLS1_1_VERSION}, {"TLS12", TLS1_2_VERSION}, {"TLS13", TLS1_3_VERSION}};
  return *m;
}

absl::Status ReadVersion(const yc::Ctx& ctx, const YAML::Node& n, uint16_t* out) {
  std::string s;
  if (absl::Status st = yc::ReadString(ctx, n, &s); !st.ok()) return st;
  auto it = Versions().find(s);
  if (it == Versions().end()) return yc::ErrorAt(ctx, n, absl::StrCat("unknown TLS version: ", s));
  *out = it->second;
  return absl::OkStatus();
}

absl::Status ReadNamedList(const yc::Ctx& ctx, const YAML::Node& n, const std::map<std::string, std::string>& known,
                           std::string_view what, std::vector<std::string>* out) {
  if (absl::Status st = yc::ReadStringList(ctx, n, out); !st.ok()) return st;
  for (const auto& s : *out) {
    if (!known.count(s)) return yc::ErrorAt(ctx, n, absl::StrCat("unknown ", S(what), ": ", s));
  }
  return absl::OkStatus();
}

absl::Status ReadTls(const yc::Ctx& ctx, const YAML::Node& n, WebConfig::Tls* t) {
  auto m = yc::Map::Read(ctx, n, "web.TLSConfig");
  if (!m.ok()) return m.status();
  absl::Status st;
  if (!(st = yc::Field(ctx, *m, "cert", &t->cert)).ok()) return st;
  if (!(st = yc::Field(ctx, *m, "key", &t->key)).ok()) return st;
  if (!(st = yc::Field(ctx, *m, "client_ca", &t->client_ca)).ok()) return st;
  if (!(st = yc::Field(ctx, *m, "cert_file", &t->cert_file)).ok()) return st;
  if (!(st = yc::Field(ctx, *m, "key_file", &t->key_file)).ok()) return st;
  if (!(st = yc::Field(ctx, *m, "client_auth_type", &t->client_auth_type)).ok()) return st;
  if (!(st = yc::Field(ctx, *m, "client_ca_file", &t->client_ca_file)).ok()) return st;
  if (const YAML::Node* v = m->Take("cipher_suites")) {
    if (!(st = ReadNamedList(ctx, *v, Ciphers(), "cipher", &t->cipher_suites)).ok()) return st;
  }
  if (const YAML::Node* v = m->Take("curve_preferences")) {
    if (!(st = ReadNamedList(ctx, *v, Curves(), "curve", &t->curve_preferences)).ok()) return st;
  }
  if (const YAML::Node* v = m->Take("min_version"); v && !(st = ReadVersion(ctx, *v, &t->min_version)).ok()) return st;
  if (const YAML::Node* v = m->Take("max_version"); v && !(st = ReadVersion(ctx, *v, &t->max_version)).ok()) return st;
  if (!(st = yc::Field(ctx, *m, "prefer_server_cipher_suites", &t->prefer_server_cipher_suites)).ok()) return st;
  if (const YAML::Node* v = m->Take("client_allowed_sans"); v && !v->IsNull()) {
    t->has_allowed_sans = true;
    if (!(st = yc::ReadStringList(ctx, *v, &t->client_allowed_sans)).ok()) return st;
  }
  if (!(st = m->Done()).ok()) return st;
  t->cert_file = yc::JoinDir(ctx, t->cert_file);
  t->key_file = yc::JoinDir(ctx, t->key_file);
  t->client_ca_file = yc::JoinDir(ctx, t->client_ca_file);
  return absl::OkStatus();
}

absl::Status ValidateHeaders(const std::map<std::string, std::string>& headers) {
  for (const auto& [k, v] : headers) {
    auto it = ExtraHeaders().find(k);
    if (it == ExtraHeaders().end()) return absl::InvalidArgumentError(absl::StrCat("HTTP header \"", k, "\" can not be configured"));
    const auto& allowed = it->second;
    if (allowed.empty() || std::find(allowed.begin(), allowed.end(), v) != allowed.end()) continue;
    std::vector<std::string> quoted;
    for (const auto& a : allowed) quoted.push_back(absl::StrCat("\"", a, "\""));
    return absl::InvalidArgumentError(absl::StrCat("invalid value for ", k, ". Expected one of: [",
                                                   absl::StrJoin(quoted, " "), "], but got: \"", v, "\""));
  }
  return absl::OkStatus();
}

absl::StatusOr<std::string> ReadWholeFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::NotFoundError(absl::StrCat("open ", path, ": ", std::strerror(errno)));
  std::stringstream ss;
  ss << in.rdbuf();
  if (in.bad()) return absl::DataLossError(absl::StrCat("read ", path, ": ", std::strerror(errno)));
  return ss.str();
}

std::string OpenSslError() {
  std::string out;
  while (unsigned long e = ERR_get_error()) {
    char buf[256];
    ERR_error_string_n(e, buf, sizeof buf);
    if (!out.empty()) out += "; ";
    out += buf;
  }
  return out.empty() ? "unknown OpenSSL error" : out;
}

// A certificate chain and its key, parsed from PEM.
struct CertPair {
  X509* leaf = nullptr;
  STACK_OF(X509)* chain = nullptr;  // the certificates after the leaf
  EVP_PKEY* key = nullptr;
  ~CertPair() {
    X509_free(leaf);
    sk_X509_pop_free(chain, X509_free);
    EVP_PKEY_free(key);
  }
};

// PEM certificates in `pem`, in order; an error when there are none.
absl::StatusOr<std::vector<X509*>> ParseCerts(const std::string& pem, std::string_view what) {
  BIO* bio = BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()));
  std::vector<X509*> out;
  while (X509* x = PEM_read_bio_X509(bio, nullptr, nullptr, nullptr)) out.push_back(x);
  ERR_clear_error();  // the loop ends on "no start line"
  BIO_free(bio);
  if (out.empty()) return absl::InvalidArgumentError(absl::StrCat("failed to find any PEM data in ", S(what), " input"));
  return out;
}

absl::StatusOr<std::shared_ptr<CertPair>> ParseCertPair(const std::string& cert_pem, const std::string& key_pem) {
  auto certs = ParseCerts(cert_pem, "certificate");
  if (!certs.ok()) return absl::InvalidArgumentError(absl::StrCat("failed to load X509KeyPair: tls: ", certs.status().message()));
  auto pair = std::make_shared<CertPair>();
  pair->leaf = (*certs)[0];
  pair->chain = sk_X509_new_null();
  for (size_t i = 1; i < certs->size(); i++) sk_X509_push(pair->chain, (*certs)[i]);
  BIO* bio = BIO_new_mem_buf(key_pem.data(), static_cast<int>(key_pem.size()));
  pair->key = PEM_read_bio_PrivateKey(bio, nullptr, nullptr, nullptr);
  BIO_free(bio);
  if (!pair->key) {
    ERR_clear_error();
    return absl::InvalidArgumentError("failed to load X509KeyPair: tls: failed to find any PEM data in key input");
  }
  if (X509_check_private_key(pair->leaf, pair->key) != 1) {
    ERR_clear_error();
    return absl::InvalidArgumentError("failed to load X509KeyPair: tls: private key does not match public key");
  }
  return pair;
}

// Reads the PEM text of the certificate and key, from files or inline.
absl::Status ReadPemPair(const WebConfig::Tls& t, std::string* cert, std::string* key) {
  if (!t.cert_file.empty()) {
    auto c = ReadWholeFile(t.cert_file);
    if (!c.ok()) return absl::InvalidArgumentError(absl::StrCat("failed to read cert_file (", t.cert_file, "): ", c.status().message()));
    *cert = *std::move(c);
  } else {
    *cert = t.cert;
  }
  if (!t.key_file.empty()) {
    auto k = ReadWholeFile(t.key_file);
    if (!k.ok()) return absl::InvalidArgumentError(absl::StrCat("failed to read key_file (", t.key_file, "): ", k.status().message()));
    *key = *std::move(k);
  } else {
    *key = t.key;
  }
  return absl::OkStatus();
}

// Client CA certificates (file or inline); empty when none are configured.
absl::StatusOr<std::vector<X509*>> ReadClientCAs(const WebConfig::Tls& t) {
  std::string pem;
  if (!t.client_ca_file.empty()) {
    auto c = ReadWholeFile(t.client_ca_file);
    if (!c.ok()) return c.status();
    pem = *std::move(c);
  } else if (!t.client_ca.empty()) {
    pem = t.client_ca;
  } else {
    return std::vector<X509*>{};
  }
  // Like Go's AppendCertsFromPEM: certificates that do not parse are skipped.
  auto certs = ParseCerts(pem, "client CA");
  if (!certs.ok()) return std::vector<X509*>{};
  return certs;
}

enum class ClientAuth { kNone, kRequest, kRequireAny, kVerifyIfGiven, kRequireAndVerify };

absl::StatusOr<ClientAuth> ParseClientAuth(const std::string& s) {
  if (s.empty() || s == "NoClientCert") return ClientAuth::kNone;
  if (s == "RequestClientCert") return ClientAuth::kRequest;
  if (s == "RequireAnyClientCert" || s == "RequireClientCert") return ClientAuth::kRequireAny;
  if (s == "VerifyClientCertIfGiven") return ClientAuth::kVerifyIfGiven;
  if (s == "RequireAndVerifyClientCert") return ClientAuth::kRequireAndVerify;
  return absl::InvalidArgumentError(absl::StrCat("invalid ClientAuth: ", s));
}

// exporter-toolkit's ConfigToTLSConfig checks, in its order.
absl::Status ValidateTls(const WebConfig::Tls& t) {
  if (t.cert_file.empty() && t.cert.empty()) return absl::InvalidArgumentError("missing one of cert or cert_file");
  if (t.key_file.empty() && t.key.empty()) return absl::InvalidArgumentError("missing one of key or key_file");
  std::string cert, key;
  if (absl::Status st = ReadPemPair(t, &cert, &key); !st.ok()) return st;
  if (auto p = ParseCertPair(cert, key); !p.ok()) return p.status();
  auto cas = ReadClientCAs(t);
  if (!cas.ok()) return cas.status();
  for (X509* x : *cas) X509_free(x);
  auto auth = ParseClientAuth(t.client_auth_type);
  if (!auth.ok()) return auth.status();
  if ((!t.client_ca_file.empty() || !t.client_ca.empty()) && *auth == ClientAuth::kNone) {
    return absl::InvalidArgumentError("client CA's have been configured without a Client Auth Policy");
  }
  return absl::OkStatus();
}

// The subject alternative names of a certificate, as Go prints them.
std::vector<std::string> SubjectAltNames(X509* cert) {
  std::vector<std::string> out;
  auto* names = static_cast<GENERAL_NAMES*>(X509_get_ext_d2i(cert, NID_subject_alt_name, nullptr, nullptr));
  if (!names) return out;
  for (int i = 0; i < sk_GENERAL_NAME_num(names); i++) {
    const GENERAL_NAME* g = sk_GENERAL_NAME_value(names, i);
    if (g->type == GEN_DNS || g->type == GEN_EMAIL || g->type == GEN_URI) {
      const ASN1_IA5STRING* s = g->d.ia5;
      out.emplace_back(reinterpret_cast<const char*>(ASN1_STRING_get0_data(s)), ASN1_STRING_length(s));
    } else if (g->type == GEN_IPADD) {
      const ASN1_OCTET_STRING* ip = g->d.iPAddress;
      char buf[INET6_ADDRSTRLEN] = {0};
      int len = ASN1_STRING_length(ip);
      if ((len == 4 && inet_ntop(AF_INET, ASN1_STRING_get0_data(ip), buf, sizeof buf)) ||
          (len == 16 && inet_ntop(AF_INET6, ASN1_STRING_get0_data(ip), buf, sizeof buf))) {
        out.emplace_back(buf);
      }
    }
  }
  GENERAL_NAMES_free(names);
  return out;
}

int ExDataIndex() {
  static const int idx = SSL_CTX_get_ex_new_index(0, nullptr, nullptr, nullptr, nullptr);
  return idx;
}

// A cheap fixed-size key for the auth cache, so passwords are not kept.
std::string AuthCacheKey(std::string_view user, std::string_view hash, std::string_view password) {
  std::string material = absl::StrCat(absl::BytesToHexString(S(user)), ":", absl::BytesToHexString(S(hash)), ":",
                                      absl::BytesToHexString(S(password)));
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(material.data(), material.size(), md, &len, EVP_sha256(), nullptr);
  return std::string(reinterpret_cast<const char*>(md), len);
}

bool ConstantTimeEquals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  unsigned char diff = 0;
  for (size_t i = 0; i < a.size(); i++) diff |= static_cast<unsigned char>(a[i] ^ b[i]);
  return diff == 0;
}

// Go's net/http Request.BasicAuth.
bool ParseBasicAuth(std::string_view header, std::string* user, std::string* password) {
  constexpr std::string_view kPrefix = "Basic ";
  if (header.size() < kPrefix.size() || !absl::EqualsIgnoreCase(S(header.substr(0, kPrefix.size())), S(kPrefix))) return false;
  std::string decoded;
  if (!absl::Base64Unescape(S(header.substr(kPrefix.size())), &decoded)) return false;
  size_t colon = decoded.find(':');
  if (colon == std::string::npos) return false;
  *user = decoded.substr(0, colon);
  *password = decoded.substr(colon + 1);
  return true;
}

// A bcrypt hash of "fakepassword", checked for unknown users so that their
// requests take as long as those of known ones.
constexpr const char* kFakeHash = "$2y$10$QOauhQNbBCuQDKes6eFzPeMqBSjb7Mr5DUmpZ/VcEd00UAV/LDeSi";

}  // namespace

bool WebConfig::Tls::Enabled() const {
  return !cert_file.empty() || !cert.empty() || !key_file.empty() || !key.empty() || !client_ca_file.empty() ||
         !client_ca.empty() || !client_auth_type.empty();
}

absl::StatusOr<WebConfig> ParseWebConfig(std::string_view text, const std::string& file) {
  yc::Ctx ctx;
  ctx.file = file;
  size_t slash = file.rfind('/');
  ctx.base_dir = slash == std::string::npos ? "." : file.substr(0, slash == 0 ? 1 : slash);
  auto doc = yc::Parse(ctx, text);
  if (!doc.ok()) return doc.status();
  WebConfig c;
  auto m = yc::Map::Read(ctx, *doc, "web.Config");
  if (!m.ok()) return m.status();
  absl::Status st;
  if (const YAML::Node* v = m->Take("tls_server_config"); v && !(st = ReadTls(ctx, *v, &c.tls)).ok()) return st;
  if (const YAML::Node* v = m->Take("http_server_config")) {
    auto h = yc::Map::Read(ctx, *v, "web.HTTPConfig");
    if (!h.ok()) return h.status();
    if (!(st = yc::Field(ctx, *h, "http2", &c.http2)).ok()) return st;
    if (const YAML::Node* hv = h->Take("headers"); hv && !(st = yc::ReadStringMap(ctx, *hv, &c.headers)).ok()) return st;
    if (!(st = h->Done()).ok()) return st;
  }
  if (const YAML::Node* v = m->Take("rate_limit")) {
    auto r = yc::Map::Read(ctx, *v, "web.RateLimiterConfig");
    if (!r.ok()) return r.status();
    if (!(st = yc::Field(ctx, *r, "burst", &c.rate_burst)).ok()) return st;
    if (const YAML::Node* iv = r->Take("interval"); iv && !iv->IsNull()) {
      std::string s;
      if (!(st = yc::ReadString(ctx, *iv, &s)).ok()) return st;
      if (!absl::ParseDuration(s, &c.rate_interval) || c.rate_interval < absl::ZeroDuration()) {
        return yc::ErrorAt(ctx, *iv, absl::StrCat("time: invalid duration \"", s, "\""));
      }
    }
    if (!(st = r->Done()).ok()) return st;
  }
  if (const YAML::Node* v = m->Take("basic_auth_users"); v && !(st = yc::ReadStringMap(ctx, *v, &c.users)).ok()) return st;
  if (!(st = m->Done()).ok()) return st;
  if (!(st = ValidateHeaders(c.headers)).ok()) return st;
  return c;
}

absl::StatusOr<WebConfig> LoadWebConfig(const std::string& path) {
  auto text = ReadWholeFile(path);
  if (!text.ok()) return text.status();
  return ParseWebConfig(*text, path);
}

absl::StatusOr<int> BcryptCost(std::string_view h) {
  // Go's x/crypto/bcrypt: "$2" minor "$" cost(2 digits) "$" 53 characters.
  if (h.size() < 59) return absl::InvalidArgumentError("crypto/bcrypt: hashedSecret too short to be a bcrypted password");
  if (h[0] != '$') {
    return absl::InvalidArgumentError(
        absl::StrCat("crypto/bcrypt: bcrypt hashes must start with '$', but hashedSecret started with '", S(h.substr(0, 1)), "'"));
  }
  if (h[1] > '2') {
    return absl::InvalidArgumentError(absl::StrCat("crypto/bcrypt: bcrypt algorithm version '", S(h.substr(1, 1)),
                                                   "' requested is newer than current version '2'"));
  }
  size_t p = 2;
  if (h[p] != '$') p++;  // minor version letter
  if (h[p] != '$' || !absl::ascii_isdigit(h[p + 1]) || !absl::ascii_isdigit(h[p + 2]) || h[p + 3] != '$') {
    return absl::InvalidArgumentError(absl::StrCat("crypto/bcrypt: bcrypt hash has an invalid cost field: ", S(h.substr(p, 4))));
  }
  int cost = (h[p + 1] - '0') * 10 + (h[p + 2] - '0');
  if (cost < 4 || cost > 31) {
    return absl::InvalidArgumentError(absl::StrCat("crypto/bcrypt: cost ", cost, " is outside allowed range (4,31)"));
  }
  return cost;
}

bool BcryptMatches(const std::string& hash, std::string_view password) {
  if (password.find('\0') != std::string_view::npos) return false;
  auto data = std::make_unique<crypt_data>();  // 32 KiB: not on the stack
  std::memset(data.get(), 0, sizeof(crypt_data));
  const char* out = crypt_r(std::string(password).c_str(), hash.c_str(), data.get());
  // libxcrypt returns "*0"/"*1" (never NULL) on failure; those never equal a hash.
  return out != nullptr && out[0] != '*' && ConstantTimeEquals(out, hash);
}

absl::Status ValidateWebConfig(const std::string& path) {
  if (path.empty()) return absl::OkStatus();
  auto c = LoadWebConfig(path);
  if (!c.ok()) return c.status();
  for (const auto& [user, hash] : c->users) {
    if (auto cost = BcryptCost(hash); !cost.ok()) return cost.status();
  }
  if (!c->tls.Enabled()) return absl::OkStatus();
  return ValidateTls(c->tls);
}

// The TLS side: fixed settings from start-up and the current certificate.
struct WebGuard::TlsState {
  WebConfig::Tls config;
  ClientAuth auth = ClientAuth::kNone;
  std::mutex mu;  // guards the fields below
  std::string cert_pem, key_pem;  // what `pair` was parsed from
  std::string failed_pem;         // the last failure (see Cert), logged once
  std::shared_ptr<CertPair> pair;
};

struct TlsCallbacks {
  static WebGuard* GuardOf(SSL* ssl) {
    return static_cast<WebGuard*>(SSL_CTX_get_ex_data(SSL_get_SSL_CTX(ssl), ExDataIndex()));
  }

  // Per handshake: the current certificate. Like Prometheus, the files are
  // read on every handshake (two small reads next to a handshake's
  // cryptography); they are parsed again only when their text changed.
  static int Cert(SSL* ssl, void*) {
    WebGuard* g = GuardOf(ssl);
    if (!g || !g->tls_) return 0;
    WebGuard::TlsState& t = *g->tls_;
    std::shared_ptr<CertPair> pair;
    {
      std::lock_guard<std::mutex> l(t.mu);
      std::string cert, key;
      absl::Status st = ReadPemPair(t.config, &cert, &key);
      std::string failure;  // identifies a failure, so each is logged once
      if (!st.ok()) {
        failure = std::string(st.message());
      } else if (!t.pair || cert != t.cert_pem || key != t.key_pem) {
        auto p = ParseCertPair(cert, key);
        if (p.ok()) {
          t.pair = *std::move(p);
          t.cert_pem = std::move(cert);
          t.key_pem = std::move(key);
        } else {
          st = p.status();
          failure = cert + key;
        }
      }
      if (!st.ok() && failure != t.failed_pem) {
        // Keep serving the last good pair (a rotation may be half written).
        g->logger_->Error("web", "Loading the TLS certificate failed; keeping the previous one",
                          {{"err", std::string(st.message())}});
      }
      t.failed_pem = std::move(failure);
      pair = t.pair;
    }
    if (!pair) return 0;
    if (SSL_use_certificate(ssl, pair->leaf) != 1 || SSL_use_PrivateKey(ssl, pair->key) != 1 ||
        SSL_set1_chain(ssl, pair->chain) != 1) {
      return 0;
    }
    return 1;
  }

  static int Verify(int preverify_ok, X509_STORE_CTX* store) {
    auto* ssl = static_cast<SSL*>(X509_STORE_CTX_get_ex_data(store, SSL_get_ex_data_X509_STORE_CTX_idx()));
    WebGuard* g = ssl ? GuardOf(ssl) : nullptr;
    if (!g || !g->tls_) return 0;
    const WebGuard::TlsState& t = *g->tls_;
    bool verify = t.auth == ClientAuth::kVerifyIfGiven || t.auth == ClientAuth::kRequireAndVerify;
    if (verify && !preverify_ok) return 0;
    if (X509_STORE_CTX_get_error_depth(store) != 0 || !t.config.has_allowed_sans) return 1;
    for (const auto& san : SubjectAltNames(X509_STORE_CTX_get_current_cert(store))) {
      if (std::find(t.config.client_allowed_sans.begin(), t.config.client_allowed_sans.end(), san) !=
          t.config.client_allowed_sans.end()) {
        return 1;
      }
    }
    X509_STORE_CTX_set_error(store, X509_V_ERR_APPLICATION_VERIFICATION);
    return 0;
  }
};

WebGuard::WebGuard(std::string path, std::shared_ptr<tsdb::Logger> logger)
    : path_(std::move(path)), logger_(std::move(logger)) {}

WebGuard::~WebGuard() = default;

absl::StatusOr<std::shared_ptr<WebGuard>> WebGuard::Create(const std::string& path,
                                                           std::shared_ptr<tsdb::Logger> logger) {
  if (absl::Status st = ValidateWebConfig(path); !st.ok()) return st;
  auto c = LoadWebConfig(path);
  if (!c.ok()) return c.status();
  std::shared_ptr<WebGuard> g(new WebGuard(path, logger ? std::move(logger) : tsdb::DefaultLogger()));
  if (auto text = ReadWholeFile(path); text.ok()) g->file_text_ = *std::move(text);
  g->tls_enabled_ = c->tls.Enabled();
  if (g->tls_enabled_) {
    g->tls_ = std::make_unique<TlsState>();
    g->tls_->config = c->tls;
    g->tls_->auth = *ParseClientAuth(c->tls.client_auth_type);
  }
  g->tokens_ = static_cast<double>(c->rate_burst);
  g->last_refill_ = absl::Now();
  if (c->rate_interval > absl::ZeroDuration()) {
    g->logger_->Info("web", "Rate Limiter is enabled.",
                     {{"burst", std::to_string(c->rate_burst)}, {"interval", absl::FormatDuration(c->rate_interval)}});
  }
  g->config_ = std::make_shared<const WebConfig>(*std::move(c));
  return g;
}

std::shared_ptr<const WebConfig> WebGuard::Current() {
  // Read on every request, as Prometheus does (a few syscalls); parsed again
  // only when the text changed.
  absl::StatusOr<std::string> text = ReadWholeFile(path_);
  std::lock_guard<std::mutex> l(mu_);
  std::string failure;
  absl::StatusOr<WebConfig> c = absl::UnknownError("");
  if (!text.ok()) {
    failure = std::string(text.status().message());
    c = text.status();
  } else if (*text == file_text_ && !file_failed_) {
    return config_;
  } else if (*text == file_text_) {
    failure = file_failure_;  // still the same broken text
    c = absl::InvalidArgumentError(failure);
  } else {
    file_text_ = *text;
    c = ParseWebConfig(*text, path_);
    if (!c.ok()) failure = std::string(c.status().message());
  }
  if (!c.ok()) {
    // Prometheus answers 500 while the file cannot be read or parsed.
    if (!file_failed_ || failure != file_failure_) {
      logger_->Error("web", "Unable to parse configuration", {{"err", failure}});
    }
    file_failed_ = true;
    file_failure_ = std::move(failure);
    if (!text.ok()) file_text_.clear();
    return nullptr;
  }
  file_failed_ = false;
  file_failure_.clear();
  // The rate limit keeps its start-up settings, as in Prometheus.
  WebConfig next = *std::move(c);
  next.rate_burst = config_->rate_burst;
  next.rate_interval = config_->rate_interval;
  config_ = std::make_shared<const WebConfig>(std::move(next));
  auth_cache_.clear();
  return config_;
}

bool WebGuard::RateAllow() {
  std::lock_guard<std::mutex> l(mu_);
  const absl::Duration interval = config_->rate_interval;
  if (interval <= absl::ZeroDuration()) return true;
  absl::Time now = absl::Now();
  const double burst = static_cast<double>(config_->rate_burst);
  tokens_ = std::min(burst, tokens_ + absl::FDivDuration(now - last_refill_, interval));
  last_refill_ = now;
  if (tokens_ < 1) return false;
  tokens_ -= 1;
  return true;
}

WebGuard::Verdict WebGuard::Check(std::string_view authorization) {
  Verdict v;
  std::shared_ptr<const WebConfig> c = Current();
  auto deny = [&v](int status, std::string_view text) {
    v.allow = false;
    v.status = status;
    v.body = absl::StrCat(S(text), "\n");
  };
  if (!c) {
    deny(500, "Internal Server Error");
    return v;
  }
  if (!RateAllow()) {
    deny(429, "Too Many Requests");
    return v;
  }
  for (const auto& [k, val] : c->headers) v.headers.emplace_back(k, val);
  if (c->users.empty()) return v;

  std::string user, password;
  if (ParseBasicAuth(authorization, &user, &password)) {
    auto it = c->users.find(user);
    const bool known = it != c->users.end();
    const std::string& hash = known ? it->second : std::string(kFakeHash);
    const std::string key = AuthCacheKey(user, hash, password);
    bool ok = false, cached = false;
    {
      std::lock_guard<std::mutex> l(mu_);
      if (auto ci = auth_cache_.find(key); ci != auth_cache_.end()) {
        ok = ci->second;
        cached = true;
      }
    }
    if (!cached) {
      {
        std::lock_guard<std::mutex> l(bcrypt_mu_);
        ok = BcryptMatches(hash, password) && known;
      }
      std::lock_guard<std::mutex> l(mu_);
      bcrypt_runs_++;
      if (auth_cache_.size() >= 100) auth_cache_.erase(auth_cache_.begin());
      auth_cache_[key] = ok;
    }
    if (ok && known) return v;
  }
  v.headers.emplace_back("WWW-Authenticate", "Basic");
  deny(401, "Unauthorized");
  return v;
}

size_t WebGuard::bcrypt_runs() const {
  std::lock_guard<std::mutex> l(mu_);
  return bcrypt_runs_;
}

bool WebGuard::SetupTls(SSL_CTX* ctx) {
  if (!tls_) return false;
  const WebConfig::Tls& t = tls_->config;
  auto fail = [this](std::string_view what) {
    logger_->Error("web", "TLS setup failed", {{"setting", std::string(what)}, {"err", OpenSslError()}});
    return false;
  };
  SSL_CTX_set_ex_data(ctx, ExDataIndex(), this);
  if (SSL_CTX_set_min_proto_version(ctx, t.min_version) != 1) return fail("min_version");
  if (SSL_CTX_set_max_proto_version(ctx, t.max_version) != 1) return fail("max_version");
  std::vector<std::string> ciphers;
  for (const auto& c : t.cipher_suites) {
    if (const std::string& name = Ciphers().at(c); !name.empty()) ciphers.push_back(name);
  }
  if (!ciphers.empty() && SSL_CTX_set_cipher_list(ctx, absl::StrJoin(ciphers, ":").c_str()) != 1) {
    return fail("cipher_suites");
  }
  if (t.prefer_server_cipher_suites) SSL_CTX_set_options(ctx, SSL_OP_CIPHER_SERVER_PREFERENCE);
  if (!t.curve_preferences.empty()) {
    std::vector<std::string> groups;
    for (const auto& c : t.curve_preferences) groups.push_back(Curves().at(c));
    if (SSL_CTX_set1_groups_list(ctx, absl::StrJoin(groups, ":").c_str()) != 1) return fail("curve_preferences");
  }
  SSL_CTX_set_cert_cb(ctx, &TlsCallbacks::Cert, nullptr);

  if (tls_->auth != ClientAuth::kNone) {
    auto cas = ReadClientCAs(t);
    if (!cas.ok()) {
      logger_->Error("web", "TLS setup failed", {{"err", std::string(cas.status().message())}});
      return false;
    }
    if (cas->empty()) {
      SSL_CTX_set_default_verify_paths(ctx);  // Go verifies against the system roots then
    } else {
      X509_STORE* store = SSL_CTX_get_cert_store(ctx);
      for (X509* x : *cas) {
        X509_STORE_add_cert(store, x);
        SSL_CTX_add_client_CA(ctx, x);
        X509_free(x);
      }
    }
    int mode = SSL_VERIFY_PEER;
    if (tls_->auth == ClientAuth::kRequireAny || tls_->auth == ClientAuth::kRequireAndVerify) {
      mode |= SSL_VERIFY_FAIL_IF_NO_PEER_CERT;
    }
    SSL_CTX_set_verify(ctx, mode, &TlsCallbacks::Verify);
  }
  ERR_clear_error();
  return true;
}

}  // namespace promlite::server
