#include "metrics/registry.h"

#include <dirent.h>
#include <sys/resource.h>
#include <unistd.h>

#include <chrono>
#include <cmath>
#include <fstream>
#include <sstream>

#include "web/json.h"

namespace promlite::server {
namespace {

void AppendLabelValue(std::string* out, const std::string& v) {
  for (char c : v) {
    if (c == '\\') out->append("\\\\");
    else if (c == '"') out->append("\\\"");
    else if (c == '\n') out->append("\\n");
    else out->push_back(c);
  }
}

void AppendSample(std::string* out, const std::string& name, const std::vector<std::string>& names,
                  const std::vector<std::string>& values, const char* extra_name, const std::string& extra_value,
                  double v) {
  out->append(name);
  bool any = !names.empty() || extra_name != nullptr;
  if (any) {
    out->push_back('{');
    bool first = true;
    for (size_t i = 0; i < names.size(); i++) {
      if (!first) out->push_back(',');
      first = false;
      out->append(names[i]).append("=\"");
      AppendLabelValue(out, i < values.size() ? values[i] : std::string());
      out->push_back('"');
    }
    if (extra_name) {
      if (!first) out->push_back(',');
      out->append(extra_name).append("=\"");
      AppendLabelValue(out, extra_value);
      out->push_back('"');
    }
    out->push_back('}');
  }
  out->push_back(' ');
  JsonWriter::AppendFloat(out, v);
  out->push_back('\n');
}

void WriteHistogram(std::string* out, const std::string& name, const std::vector<std::string>& names,
                    const std::vector<std::string>& values, const Histogram& h) {
  std::vector<uint64_t> cum;
  double sum;
  uint64_t count;
  h.Snapshot(&cum, &sum, &count);
  for (size_t i = 0; i < h.bounds().size(); i++) {
    AppendSample(out, name + "_bucket", names, values, "le", JsonWriter::FormatFloat(h.bounds()[i]),
                 static_cast<double>(cum[i]));
  }
  AppendSample(out, name + "_bucket", names, values, "le", "+Inf", static_cast<double>(count));
  AppendSample(out, name + "_sum", names, values, nullptr, "", sum);
  AppendSample(out, name + "_count", names, values, nullptr, "", static_cast<double>(count));
}

const char* KindName(MetricKind k) {
  switch (k) {
    case MetricKind::kCounter: return "counter";
    case MetricKind::kGauge: return "gauge";
    case MetricKind::kHistogram: return "histogram";
    case MetricKind::kSummaryQuantiles: return "summary";
  }
  return "untyped";
}

template <typename T>
std::unique_ptr<void, void (*)(void*)> Own(T* p) {
  return std::unique_ptr<void, void (*)(void*)>(p, [](void* q) { delete static_cast<T*>(q); });
}

}  // namespace

Histogram::Histogram(std::vector<double> bounds) : bounds_(std::move(bounds)), counts_(bounds_.size(), 0) {}

void Histogram::Observe(double v) {
  std::lock_guard<std::mutex> l(mu_);
  for (size_t i = 0; i < bounds_.size(); i++) {
    if (v <= bounds_[i]) {
      counts_[i]++;
      break;
    }
  }
  sum_ += v;
  count_++;
}

void Histogram::Snapshot(std::vector<uint64_t>* cumulative, double* sum, uint64_t* count) const {
  std::lock_guard<std::mutex> l(mu_);
  cumulative->resize(counts_.size());
  uint64_t acc = 0;
  for (size_t i = 0; i < counts_.size(); i++) {
    acc += counts_[i];
    (*cumulative)[i] = acc;
  }
  *sum = sum_;
  *count = count_;
}

void Registry::Add(const std::string& name, std::string help, MetricKind kind,
                   std::function<void(const std::string&, std::string*)> write) {
  std::lock_guard<std::mutex> l(mu_);
  entries_[name] = Entry{std::move(help), kind, std::move(write)};
}

Counter& Registry::NewCounter(const std::string& name, const std::string& help) {
  auto* c = new Counter;
  {
    std::lock_guard<std::mutex> l(mu_);
    owned_.push_back(Own(c));
  }
  Add(name, help, MetricKind::kCounter,
      [c](const std::string& n, std::string* out) { AppendSample(out, n, {}, {}, nullptr, "", c->Value()); });
  return *c;
}

Gauge& Registry::NewGauge(const std::string& name, const std::string& help) {
  auto* g = new Gauge;
  {
    std::lock_guard<std::mutex> l(mu_);
    owned_.push_back(Own(g));
  }
  Add(name, help, MetricKind::kGauge,
      [g](const std::string& n, std::string* out) { AppendSample(out, n, {}, {}, nullptr, "", g->Value()); });
  return *g;
}

Histogram& Registry::NewHistogram(const std::string& name, const std::string& help, std::vector<double> bounds) {
  auto* h = new Histogram(std::move(bounds));
  {
    std::lock_guard<std::mutex> l(mu_);
    owned_.push_back(Own(h));
  }
  Add(name, help, MetricKind::kHistogram,
      [h](const std::string& n, std::string* out) { WriteHistogram(out, n, {}, {}, *h); });
  return *h;
}

Family<Counter>& Registry::NewCounterFamily(const std::string& name, const std::string& help,
                                            std::vector<std::string> labels) {
  auto* f = new Family<Counter>(std::move(labels), [] { return std::make_unique<Counter>(); });
  {
    std::lock_guard<std::mutex> l(mu_);
    owned_.push_back(Own(f));
  }
  Add(name, help, MetricKind::kCounter, [f](const std::string& n, std::string* out) {
    f->ForEach([&](const std::vector<std::string>& values, const Counter& c) {
      AppendSample(out, n, f->label_names(), values, nullptr, "", c.Value());
    });
  });
  return *f;
}

Family<Gauge>& Registry::NewGaugeFamily(const std::string& name, const std::string& help,
                                        std::vector<std::string> labels) {
  auto* f = new Family<Gauge>(std::move(labels), [] { return std::make_unique<Gauge>(); });
  {
    std::lock_guard<std::mutex> l(mu_);
    owned_.push_back(Own(f));
  }
  Add(name, help, MetricKind::kGauge, [f](const std::string& n, std::string* out) {
    f->ForEach([&](const std::vector<std::string>& values, const Gauge& g) {
      AppendSample(out, n, f->label_names(), values, nullptr, "", g.Value());
    });
  });
  return *f;
}

Family<Histogram>& Registry::NewHistogramFamily(const std::string& name, const std::string& help,
                                                std::vector<std::string> labels, std::vector<double> bounds) {
  auto* f = new Family<Histogram>(std::move(labels), [bounds] { return std::make_unique<Histogram>(bounds); });
  {
    std::lock_guard<std::mutex> l(mu_);
    owned_.push_back(Own(f));
  }
  Add(name, help, MetricKind::kHistogram, [f](const std::string& n, std::string* out) {
    f->ForEach([&](const std::vector<std::string>& values, const Histogram& h) {
      WriteHistogram(out, n, f->label_names(), values, h);
    });
  });
  return *f;
}

void Registry::NewCollector(const std::string& name, const std::string& help, MetricKind kind,
                            std::function<std::vector<CollectedSample>()> collect) {
  Add(name, help, kind, [collect](const std::string& n, std::string* out) {
    for (const auto& s : collect()) {
      std::vector<std::string> names, values;
      for (const auto& [k, v] : s.labels) {
        names.push_back(k);
        values.push_back(v);
      }
      AppendSample(out, n, names, values, nullptr, "", s.value);
    }
  });
}

std::string Registry::Expose() const {
  std::string out;
  std::lock_guard<std::mutex> l(mu_);
  for (const auto& [name, e] : entries_) {
    std::string body;
    e.write(name, &body);
    if (body.empty()) continue;
    out.append("# HELP ").append(name).push_back(' ');
    for (char c : e.help) {
      if (c == '\\') out.append("\\\\");
      else if (c == '\n') out.append("\\n");
      else out.push_back(c);
    }
    out.append("\n# TYPE ").append(name).append(" ").append(KindName(e.kind)).push_back('\n');
    out.append(body);
  }
  return out;
}

void RegisterProcessCollector(Registry* r) {
  static const double start_time = [] {
    // Field 22 of /proc/self/stat is the start time in clock ticks since boot.
    std::ifstream stat("/proc/self/stat");
    std::string line;
    std::getline(stat, line);
    size_t rp = line.rfind(')');
    std::istringstream rest(line.substr(rp + 2));
    std::string field;
    unsigned long long start_ticks = 0;
    for (int i = 3; i <= 22 && rest >> field; i++) {
      if (i == 22) start_ticks = std::stoull(field);
    }
    std::ifstream up("/proc/uptime");
    double uptime = 0;
    up >> uptime;
    double now = std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
    double boot = now - uptime;
    return boot + static_cast<double>(start_ticks) / static_cast<double>(sysconf(_SC_CLK_TCK));
  }();
  r->NewCollector("process_cpu_seconds_total", "Total user and system CPU time spent in seconds.",
                  MetricKind::kCounter, [] {
                    struct rusage ru;
                    getrusage(RUSAGE_SELF, &ru);
                    double s = static_cast<double>(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
                               static_cast<double>(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
                    return std::vector<CollectedSample>{{{}, s}};
                  });
  r->NewCollector("process_resident_memory_bytes", "Resident memory size in bytes.", MetricKind::kGauge, [] {
    std::ifstream f("/proc/self/statm");
    uint64_t size = 0, resident = 0;
    f >> size >> resident;
    double page = static_cast<double>(sysconf(_SC_PAGESIZE));
    return std::vector<CollectedSample>{{{}, static_cast<double>(resident) * page}};
  });
  r->NewCollector("process_virtual_memory_bytes", "Virtual memory size in bytes.", MetricKind::kGauge, [] {
    std::ifstream f("/proc/self/statm");
    uint64_t size = 0;
    f >> size;
    return std::vector<CollectedSample>{{{}, static_cast<double>(size) * static_cast<double>(sysconf(_SC_PAGESIZE))}};
  });
  r->NewCollector("process_open_fds", "Number of open file descriptors.", MetricKind::kGauge, [] {
    double n = 0;
    if (DIR* d = opendir("/proc/self/fd")) {
      while (readdir(d) != nullptr) n++;
      closedir(d);
      n -= 3;  // ".", ".." and the directory's own descriptor
    }
    return std::vector<CollectedSample>{{{}, n}};
  });
  r->NewCollector("process_max_fds", "Maximum number of open file descriptors.", MetricKind::kGauge, [] {
    struct rlimit rl;
    getrlimit(RLIMIT_NOFILE, &rl);
    return std::vector<CollectedSample>{{{}, static_cast<double>(rl.rlim_cur)}};
  });
  r->NewCollector("process_start_time_seconds", "Start time of the process since unix epoch in seconds.",
                  MetricKind::kGauge, [] { return std::vector<CollectedSample>{{{}, start_time}}; });
}

}  // namespace promlite::server
