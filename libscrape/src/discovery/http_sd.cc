// http_sd_configs: target groups from an HTTP endpoint, refreshed
// periodically (Prometheus' discovery/http). A failed refresh keeps the last
// good groups.
#include "absl/strings/str_cat.h"
#include "config/sections.h"
#include "discovery/registry.h"
#include "discovery/targetgroup.h"
#include "http/client.h"
#include "promlite/scrape/sd_configs.h"
#include "re2/re2.h"
#include "util/quote.h"
#include "util/strings.h"

namespace promlite::scrape {
namespace {

struct ParsedURL {
  std::string scheme, host, path_query;
};

absl::StatusOr<ParsedURL> ParseURL(std::string_view url) {
  static const re2::RE2 kURL("^([a-zA-Z][a-zA-Z0-9+.-]*)://([^/?#]*)([^#]*)");
  std::string scheme, host, rest;
  if (!re2::RE2::PartialMatch(url, kURL, &scheme, &host, &rest)) return absl::InvalidArgumentError("URL is missing a scheme");
  if (size_t at = host.rfind('@'); at != std::string::npos) host = host.substr(at + 1);
  if (rest.empty() || rest[0] == '?') rest = "/" + rest;
  return ParsedURL{scheme, host, rest};
}

class HTTPDiscoverer final : public Discoverer {
 public:
  HTTPDiscoverer(const HTTPSDConfig& cfg, const DiscovererOptions& opts, std::unique_ptr<http::Client> client,
                 std::string path_query)
      : cfg_(cfg), opts_(opts), client_(std::move(client)), path_query_(std::move(path_query)) {}

  void Run(const StopSignal& stop, const std::function<void(std::vector<TargetGroup>)>& send) override {
    for (;;) {
      absl::StatusOr<std::vector<TargetGroup>> groups = Fetch();
      if (groups.ok()) {
        size_t n = groups->size();
        // Sources beyond the new count disappeared.
        for (size_t i = n; i < last_count_; i++) groups->push_back(TargetGroup{{}, {}, absl::StrCat(cfg_.url, ":", i)});
        last_count_ = n;
        send(std::move(*groups));
      } else if (opts_.logger) {
        opts_.logger->Error("discovery", "Unable to refresh target groups",
                            {{"job", opts_.job_name}, {"url", cfg_.url}, {"err", std::string(groups.status().message())}});
      }
      if (stop.WaitFor(std::chrono::milliseconds(cfg_.refresh_interval_ms))) return;
    }
  }

 private:
  absl::StatusOr<std::vector<TargetGroup>> Fetch() {
    http::GetOptions o;
    o.path_query = path_query_;
    o.timeout = std::chrono::milliseconds(cfg_.refresh_interval_ms);
    o.headers = {{"Accept", "application/json"},
                 {"User-Agent", "promlite"},
                 {"X-Prometheus-Refresh-Interval-Seconds", std::to_string(cfg_.refresh_interval_ms / 1000)}};
    http::Response resp;
    if (absl::Status st = client_->Get(o, &resp, &body_); !st.ok()) return st;
    static const re2::RE2 kJSON("^application/json(;.*)?$");
    if (!re2::RE2::FullMatch(resp.content_type, kJSON)) {
      return absl::InvalidArgumentError(absl::StrCat("unsupported content type ", QuoteGo(resp.content_type)));
    }
    absl::StatusOr<std::vector<TargetGroup>> groups = discovery::ParseTargetGroupsJSON(body_);
    if (!groups.ok()) return groups.status();
    for (size_t i = 0; i < groups->size(); i++) {
      (*groups)[i].source = absl::StrCat(cfg_.url, ":", i);
      (*groups)[i].labels["__meta_url"] = cfg_.url;
    }
    return groups;
  }

  HTTPSDConfig cfg_;
  DiscovererOptions opts_;
  std::unique_ptr<http::Client> client_;
  std::string path_query_;
  std::string body_;
  size_t last_count_ = 0;
};

}  // namespace

bool HTTPSDConfig::Equals(const DiscoveryConfig& o) const {
  const auto* h = dynamic_cast<const HTTPSDConfig*>(&o);
  return h && h->url == url && h->refresh_interval_ms == refresh_interval_ms && h->http_client == http_client;
}

absl::StatusOr<std::unique_ptr<Discoverer>> HTTPSDConfig::NewDiscoverer(const DiscovererOptions& opts) const {
  absl::StatusOr<ParsedURL> u = ParseURL(url);
  if (!u.ok()) return u.status();
  absl::StatusOr<std::unique_ptr<http::Client>> c = http::Client::Make(u->scheme, u->host, http_client);
  if (!c.ok()) return c.status();
  return std::make_unique<HTTPDiscoverer>(*this, opts, std::move(*c), u->path_query);
}

namespace discovery {

absl::StatusOr<std::shared_ptr<const DiscoveryConfig>> ParseHTTPSD(const yamlcfg::Ctx& ctx, const YAML::Node& n) {
  auto c = std::make_shared<HTTPSDConfig>();
  absl::StatusOr<yamlcfg::Map> m = yamlcfg::Map::Read(ctx, n, "http.SDConfig");
  if (!m.ok()) return m.status();
  absl::Status st;
  if (!(st = yamlcfg::Field(ctx, *m, "url", &c->url)).ok()) return st;
  const YAML::Node* ri = m->Take("refresh_interval");
  if (ri && !(st = yamlcfg::ReadDuration(ctx, *ri, &c->refresh_interval_ms)).ok()) return st;
  if (ri && c->refresh_interval_ms == 0) c->refresh_interval_ms = 60 * 1000;
  if (!(st = yamlcfg::ReadHTTPClientFields(ctx, *m, &c->http_client)).ok()) return st;
  if (!(st = m->Done()).ok()) return st;
  if (c->url.empty()) return yamlcfg::ErrorAt(ctx, n, "URL is missing");
  absl::StatusOr<ParsedURL> u = ParseURL(c->url);
  if (!u.ok() || (u->scheme != "http" && u->scheme != "https")) {
    return yamlcfg::ErrorAt(ctx, n, "URL scheme must be 'http' or 'https'");
  }
  if (u->host.empty()) return yamlcfg::ErrorAt(ctx, n, "host is missing in URL");
  return c;
}

}  // namespace discovery
}  // namespace promlite::scrape
