// The server's own metrics (/metrics), named like Prometheus' where the
// meaning is the same so existing dashboards and alerts keep working.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace promlite::server {

class Counter {
 public:
  void Inc(double v = 1) {
    double cur = v_.load(std::memory_order_relaxed);
    while (!v_.compare_exchange_weak(cur, cur + v, std::memory_order_relaxed)) {
    }
  }
  double Value() const { return v_.load(std::memory_order_relaxed); }

 private:
  std::atomic<double> v_{0};
};

class Gauge {
 public:
  void Set(double v) { v_.store(v, std::memory_order_relaxed); }
  void Add(double d) {
    double cur = v_.load(std::memory_order_relaxed);
    while (!v_.compare_exchange_weak(cur, cur + d, std::memory_order_relaxed)) {
    }
  }
  double Value() const { return v_.load(std::memory_order_relaxed); }

 private:
  std::atomic<double> v_{0};
};

class Histogram {
 public:
  explicit Histogram(std::vector<double> bounds);
  void Observe(double v);
  // Cumulative counts per bound, then +Inf; sum.
  void Snapshot(std::vector<uint64_t>* cumulative, double* sum, uint64_t* count) const;
  const std::vector<double>& bounds() const { return bounds_; }

 private:
  std::vector<double> bounds_;
  mutable std::mutex mu_;
  std::vector<uint64_t> counts_;
  double sum_ = 0;
  uint64_t count_ = 0;
};

enum class MetricKind { kCounter, kGauge, kHistogram, kSummaryQuantiles };

// A metric family with a fixed list of label names; children per label values.
template <typename T>
class Family {
 public:
  Family(std::vector<std::string> label_names, std::function<std::unique_ptr<T>()> make)
      : label_names_(std::move(label_names)), make_(std::move(make)) {}
  T& With(const std::vector<std::string>& values) {
    std::lock_guard<std::mutex> l(mu_);
    auto& p = children_[values];
    if (!p) p = make_();
    return *p;
  }
  template <typename F>
  void ForEach(F&& f) const {
    std::lock_guard<std::mutex> l(mu_);
    for (const auto& [k, v] : children_) f(k, *v);
  }
  const std::vector<std::string>& label_names() const { return label_names_; }

 private:
  std::vector<std::string> label_names_;
  std::function<std::unique_ptr<T>()> make_;
  mutable std::mutex mu_;
  std::map<std::vector<std::string>, std::unique_ptr<T>> children_;
};

// One sample a collector reports at scrape time.
struct CollectedSample {
  std::vector<std::pair<std::string, std::string>> labels;
  double value;
};

class Registry {
 public:
  Counter& NewCounter(const std::string& name, const std::string& help);
  Gauge& NewGauge(const std::string& name, const std::string& help);
  Histogram& NewHistogram(const std::string& name, const std::string& help, std::vector<double> bounds);
  Family<Counter>& NewCounterFamily(const std::string& name, const std::string& help, std::vector<std::string> labels);
  Family<Gauge>& NewGaugeFamily(const std::string& name, const std::string& help, std::vector<std::string> labels);
  Family<Histogram>& NewHistogramFamily(const std::string& name, const std::string& help,
                                        std::vector<std::string> labels, std::vector<double> bounds);
  // A family whose samples are computed when /metrics is read.
  void NewCollector(const std::string& name, const std::string& help, MetricKind kind,
                    std::function<std::vector<CollectedSample>()> collect);

  // The text exposition format 0.0.4, families sorted by name.
  std::string Expose() const;

 private:
  struct Entry {
    std::string help;
    MetricKind kind;
    std::function<void(const std::string& name, std::string* out)> write;
  };
  void Add(const std::string& name, std::string help, MetricKind kind,
           std::function<void(const std::string&, std::string*)> write);
  mutable std::mutex mu_;
  std::map<std::string, Entry> entries_;
  std::vector<std::unique_ptr<void, void (*)(void*)>> owned_;
};

// Adds process_* metrics (CPU, memory, file descriptors, start time) read
// from /proc, as client_golang's process collector does.
void RegisterProcessCollector(Registry* r);

}  // namespace promlite::server
