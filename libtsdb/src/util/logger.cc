#include "promlite/tsdb/logger.h"

#include <cstdio>
#include <mutex>

#include "absl/time/clock.h"
#include "absl/time/time.h"

namespace promlite::tsdb {
namespace {

bool NeedsQuotes(std::string_view s) {
  if (s.empty()) return true;
  for (char c : s) {
    if (c <= ' ' || c == '=' || c == '"' || c == '\\' || static_cast<unsigned char>(c) >= 0x7f) return true;
  }
  return false;
}

void AppendEscaped(std::string* out, std::string_view s) {
  for (char c : s) {
    switch (c) {
      case '"': out->append("\\\""); break;
      case '\\': out->append("\\\\"); break;
      case '\n': out->append("\\n"); break;
      case '\t': out->append("\\t"); break;
      case '\r': out->append("\\r"); break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\u%04x", c);
          out->append(buf);
        } else {
          out->push_back(c);
        }
    }
  }
}

void AppendLogfmtValue(std::string* out, std::string_view v) {
  if (!NeedsQuotes(v)) {
    out->append(v);
    return;
  }
  out->push_back('"');
  AppendEscaped(out, v);
  out->push_back('"');
}

void AppendJsonPair(std::string* out, std::string_view k, std::string_view v, bool first) {
  if (!first) out->push_back(',');
  out->push_back('"');
  AppendEscaped(out, k);
  out->append("\":\"");
  AppendEscaped(out, v);
  out->push_back('"');
}

class StderrLogger final : public Logger {
 public:
  StderrLogger(LogLevel min, LogFormat f) : min_(min), format_(f) {}
  void Log(LogLevel level, std::string_view component, std::string_view msg,
           std::initializer_list<LogField> fields) override {
    if (level < min_) return;
    std::string line = FormatLogLine(format_, level, component, msg, fields);
    line.push_back('\n');
    std::lock_guard<std::mutex> l(mu_);
    std::fwrite(line.data(), 1, line.size(), stderr);
    std::fflush(stderr);
  }

 private:
  LogLevel min_;
  LogFormat format_;
  std::mutex mu_;
};

class NopLogger final : public Logger {
 public:
  void Log(LogLevel, std::string_view, std::string_view, std::initializer_list<LogField>) override {}
};

}  // namespace

std::string_view LogLevelName(LogLevel l) {
  switch (l) {
    case LogLevel::kDebug: return "debug";
    case LogLevel::kInfo: return "info";
    case LogLevel::kWarn: return "warn";
    case LogLevel::kError: return "error";
  }
  return "info";
}

std::string FormatLogLine(LogFormat format, LogLevel level, std::string_view component, std::string_view msg,
                          std::initializer_list<LogField> fields) {
  std::string ts = absl::FormatTime("%Y-%m-%dT%H:%M:%E3SZ", absl::Now(), absl::UTCTimeZone());
  std::string out;
  if (format == LogFormat::kJson) {
    out.push_back('{');
    AppendJsonPair(&out, "ts", ts, true);
    AppendJsonPair(&out, "level", LogLevelName(level), false);
    if (!component.empty()) AppendJsonPair(&out, "component", component, false);
    AppendJsonPair(&out, "msg", msg, false);
    for (const auto& [k, v] : fields) AppendJsonPair(&out, k, v, false);
    out.push_back('}');
    return out;
  }
  out.append("ts=").append(ts);
  out.append(" level=").append(LogLevelName(level));
  if (!component.empty()) {
    out.append(" component=");
    AppendLogfmtValue(&out, component);
  }
  out.append(" msg=");
  AppendLogfmtValue(&out, msg);
  for (const auto& [k, v] : fields) {
    out.push_back(' ');
    out.append(k);
    out.push_back('=');
    AppendLogfmtValue(&out, v);
  }
  return out;
}

std::shared_ptr<Logger> NewStderrLogger(LogLevel min_level, LogFormat format) {
  return std::make_shared<StderrLogger>(min_level, format);
}

std::shared_ptr<Logger> NewNopLogger() { return std::make_shared<NopLogger>(); }

std::shared_ptr<Logger> DefaultLogger() {
  static std::shared_ptr<Logger> l = NewStderrLogger();
  return l;
}

}  // namespace promlite::tsdb
