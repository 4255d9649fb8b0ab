// Structured logging in logfmt: ts=... level=info component=tsdb msg="..." k=v.
//
// Libraries never print on their own; they log through a Logger the host can
// replace (Options::logger). The default writes logfmt lines to stderr.
#pragma once

#include <initializer_list>
#include <memory>
#include <string>
#include <string_view>
#include <utility>

namespace promlite::tsdb {

enum class LogLevel { kDebug = 0, kInfo = 1, kWarn = 2, kError = 3 };

using LogField = std::pair<std::string_view, std::string>;

class Logger {
 public:
  virtual ~Logger() = default;
  virtual void Log(LogLevel level, std::string_view component, std::string_view msg,
                   std::initializer_list<LogField> fields) = 0;
  void Debug(std::string_view c, std::string_view m, std::initializer_list<LogField> f = {}) { Log(LogLevel::kDebug, c, m, f); }
  void Info(std::string_view c, std::string_view m, std::initializer_list<LogField> f = {}) { Log(LogLevel::kInfo, c, m, f); }
  void Warn(std::string_view c, std::string_view m, std::initializer_list<LogField> f = {}) { Log(LogLevel::kWarn, c, m, f); }
  void Error(std::string_view c, std::string_view m, std::initializer_list<LogField> f = {}) { Log(LogLevel::kError, c, m, f); }
};

enum class LogFormat { kLogfmt, kJson };

// Writes one line per event to stderr, dropping events below `min_level`.
std::shared_ptr<Logger> NewStderrLogger(LogLevel min_level = LogLevel::kInfo,
                                        LogFormat format = LogFormat::kLogfmt);
// Discards everything (tests, benchmarks).
std::shared_ptr<Logger> NewNopLogger();
// The logger used when none is given: stderr, info level.
std::shared_ptr<Logger> DefaultLogger();

// Formats one event; exposed for tests and for loggers that write elsewhere.
std::string FormatLogLine(LogFormat format, LogLevel level, std::string_view component, std::string_view msg,
                          std::initializer_list<LogField> fields);

std::string_view LogLevelName(LogLevel l);

}  // namespace promlite::tsdb
