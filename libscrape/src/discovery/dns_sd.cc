// dns_sd_configs: targets from SRV, A, AAAA, MX or NS records, with
// Prometheus' meta labels. A failed lookup keeps the name's last groups.
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "discovery/dns_client.h"
#include "discovery/registry.h"
#include "promlite/scrape/sd_configs.h"
#include "util/strings.h"

namespace promlite::scrape {
namespace {

std::string JoinHostPort(std::string_view host, int port) {
  if (host.find(':') != std::string_view::npos) return absl::StrCat("[", A(host), "]:", port);
  return absl::StrCat(A(host), ":", port);
}

std::string TrimDot(std::string s) {
  while (!s.empty() && s.back() == '.') s.pop_back();
  return s;
}

class DNSDiscoverer final : public Discoverer {
 public:
  DNSDiscoverer(const DNSSDConfig& cfg, const DiscovererOptions& opts) : cfg_(cfg), opts_(opts) {
    std::string t = absl::AsciiStrToUpper(A(cfg.type));
    qtype_ = t == "A" ? dns::kA : t == "AAAA" ? dns::kAAAA : t == "MX" ? dns::kMX : t == "NS" ? dns::kNS : dns::kSRV;
  }

  void Run(const StopSignal& stop, const std::function<void(std::vector<TargetGroup>)>& send) override {
    for (;;) {
      dns::ResolverConfig rc;
      absl::Status err;
      if (cfg_.nameservers.empty()) {
        absl::StatusOr<dns::ResolverConfig> loaded = dns::LoadResolvConf();
        if (loaded.ok()) {
          rc = *loaded;
        } else {
          err = loaded.status();
        }
      } else {
        rc.servers = cfg_.nameservers;
        rc.timeout_ms = 2000;
      }
      std::vector<TargetGroup> groups;
      for (const std::string& name : cfg_.names) {
        absl::StatusOr<dns::Answer> a = err.ok() ? dns::LookupWithSearchPath(rc, name, qtype_) : err;
        if (!a.ok()) {
          if (opts_.logger) {
            opts_.logger->Error("discovery", "Error refreshing DNS targets",
                                {{"job", opts_.job_name}, {"name", name}, {"err", std::string(a.status().message())}});
          }
          continue;
        }
        groups.push_back(Group(name, *a));
      }
      if (!groups.empty()) send(std::move(groups));
      if (stop.WaitFor(std::chrono::milliseconds(cfg_.refresh_interval_ms))) return;
    }
  }

 private:
  TargetGroup Group(const std::string& name, const dns::Answer& a) const {
    TargetGroup tg;
    tg.source = name;
    for (const dns::Record& r : a.records) {
      if (r.type != qtype_) continue;  // e.g. the CNAME in front of an A record
      std::string target, srv_target, srv_port, mx_target, ns_target;
      switch (r.type) {
        case dns::kSRV:
          srv_target = r.target;
          srv_port = std::to_string(r.port);
          target = JoinHostPort(TrimDot(r.target), r.port);
          break;
        case dns::kMX:
          mx_target = r.target;
          target = JoinHostPort(TrimDot(r.target), cfg_.port);
          break;
        case dns::kNS:
          ns_target = r.target;
          target = JoinHostPort(TrimDot(r.target), cfg_.port);
          break;
        default:
          target = JoinHostPort(r.addr, cfg_.port);
      }
      LabelSet t{{"__address__", target}, {"__meta_dns_name", name}};
      // Prometheus sets the record labels even when empty; an empty value is
      // the same as an absent label, so only non-empty ones are kept.
      if (!srv_target.empty()) t["__meta_dns_srv_record_target"] = srv_target;
      if (!srv_port.empty()) t["__meta_dns_srv_record_port"] = srv_port;
      if (!mx_target.empty()) t["__meta_dns_mx_record_target"] = mx_target;
      if (!ns_target.empty()) t["__meta_dns_ns_record_target"] = ns_target;
      tg.targets.push_back(std::move(t));
    }
    return tg;
  }

  DNSSDConfig cfg_;
  DiscovererOptions opts_;
  uint16_t qtype_;
};

}  // namespace

bool DNSSDConfig::Equals(const DiscoveryConfig& o) const {
  const auto* d = dynamic_cast<const DNSSDConfig*>(&o);
  return d && d->names == names && d->refresh_interval_ms == refresh_interval_ms && d->type == type &&
         d->port == port && d->nameservers == nameservers;
}

absl::StatusOr<std::unique_ptr<Discoverer>> DNSSDConfig::NewDiscoverer(const DiscovererOptions& opts) const {
  return std::make_unique<DNSDiscoverer>(*this, opts);
}

namespace discovery {

absl::StatusOr<std::shared_ptr<const DiscoveryConfig>> ParseDNSSD(const yamlcfg::Ctx& ctx, const YAML::Node& n) {
  auto c = std::make_shared<DNSSDConfig>();
  absl::StatusOr<yamlcfg::Map> m = yamlcfg::Map::Read(ctx, n, "dns.SDConfig");
  if (!m.ok()) return m.status();
  absl::Status st;
  if (const YAML::Node* v = m->Take("names"); v && !(st = yamlcfg::ReadStringList(ctx, *v, &c->names)).ok()) return st;
  const YAML::Node* ri = m->Take("refresh_interval");
  if (ri && !(st = yamlcfg::ReadDuration(ctx, *ri, &c->refresh_interval_ms)).ok()) return st;
  if (ri && c->refresh_interval_ms == 0) c->refresh_interval_ms = 30 * 1000;
  if (!(st = yamlcfg::Field(ctx, *m, "type", &c->type)).ok()) return st;
  if (c->type.empty()) c->type = "SRV";
  uint64_t port = 0;
  if (!(st = yamlcfg::Field(ctx, *m, "port", &port)).ok()) return st;
  if (port > 65535) return yamlcfg::ErrorAt(ctx, *m->Take("port"), "port out of range");
  c->port = static_cast<int>(port);
  if (!(st = m->Done()).ok()) return st;
  if (c->names.empty()) return yamlcfg::ErrorAt(ctx, n, "DNS-SD config must contain at least one SRV record name");
  std::string t = absl::AsciiStrToUpper(A(c->type));
  if (t == "A" || t == "AAAA" || t == "MX" || t == "NS") {
    if (c->port == 0) {
      return yamlcfg::ErrorAt(ctx, n, "a port is required in DNS-SD configs for all record types except SRV");
    }
  } else if (t != "SRV") {
    return yamlcfg::ErrorAt(ctx, n, absl::StrCat("invalid DNS-SD records type ", c->type));
  }
  return c;
}

}  // namespace discovery
}  // namespace promlite::scrape
