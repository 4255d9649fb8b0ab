// static_configs, the stop signal every discoverer waits on, and target
// group reading shared by static and file discovery.
#include "absl/strings/str_cat.h"
#include "discovery/registry.h"
#include "discovery/targetgroup.h"
#include "promlite/scrape/discovery.h"

namespace promlite::scrape {

void StopSignal::Stop() {
  {
    std::lock_guard<std::mutex> l(mu_);
    stopped_ = true;
  }
  cv_.notify_all();
}

bool StopSignal::Stopped() const {
  std::lock_guard<std::mutex> l(mu_);
  return stopped_;
}

bool StopSignal::WaitFor(std::chrono::milliseconds d) const {
  std::unique_lock<std::mutex> l(mu_);
  return cv_.wait_for(l, d, [this] { return stopped_; });
}

bool operator==(const DiscoveryConfigs& a, const DiscoveryConfigs& b) {
  if (a.configs.size() != b.configs.size()) return false;
  for (size_t i = 0; i < a.configs.size(); i++) {
    if (!a.configs[i]->Equals(*b.configs[i])) return false;
  }
  return true;
}

namespace {

class StaticDiscoverer final : public Discoverer {
 public:
  explicit StaticDiscoverer(std::vector<TargetGroup> groups) : groups_(std::move(groups)) {}
  // Sends once and returns: nothing ever changes.
  void Run(const StopSignal&, const std::function<void(std::vector<TargetGroup>)>& send) override { send(groups_); }

 private:
  std::vector<TargetGroup> groups_;
};

}  // namespace

bool StaticConfig::Equals(const DiscoveryConfig& o) const {
  const auto* s = dynamic_cast<const StaticConfig*>(&o);
  return s && s->groups == groups;
}

absl::StatusOr<std::unique_ptr<Discoverer>> StaticConfig::NewDiscoverer(const DiscovererOptions&) const {
  return std::make_unique<StaticDiscoverer>(groups);
}

namespace discovery {

absl::Status ReadTargetGroup(const yamlcfg::Ctx& ctx, const YAML::Node& n, TargetGroup* tg) {
  absl::StatusOr<yamlcfg::Map> m = yamlcfg::Map::Read(ctx, n, "targetgroup.Group");
  if (!m.ok()) return m.status();
  std::vector<std::string> targets;
  if (const YAML::Node* t = m->Take("targets")) {
    if (absl::Status st = yamlcfg::ReadStringList(ctx, *t, &targets); !st.ok()) return st;
  }
  if (const YAML::Node* l = m->Take("labels")) {
    if (absl::Status st = ReadLabelSet(ctx, *l, &tg->labels); !st.ok()) return st;
  }
  if (absl::Status st = m->Done(); !st.ok()) return st;
  tg->targets.clear();
  for (std::string& t : targets) tg->targets.push_back(LabelSet{{"__address__", std::move(t)}});
  return absl::OkStatus();
}

absl::StatusOr<std::shared_ptr<const DiscoveryConfig>> ParseStaticConfig(const yamlcfg::Ctx& ctx, const YAML::Node& n) {
  // One element of static_configs is one group; the config collects them
  // all so that sources are numbered across the list like Prometheus does.
  auto c = std::make_shared<StaticConfig>();
  TargetGroup tg;
  if (absl::Status st = ReadTargetGroup(ctx, n, &tg); !st.ok()) return st;
  tg.source = "0";
  c->groups.push_back(std::move(tg));
  return c;
}

}  // namespace discovery
}  // namespace promlite::scrape
