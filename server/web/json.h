// A small streaming JSON writer that formats numbers and strings exactly as
// Prometheus' HTTP API does (jsoniter compatible with encoding/json):
// timestamps as seconds with millisecond decimals, sample values as strings
// in Go's shortest 'f' format ("+Inf", "-Inf", "NaN"), HTML-safe escaping.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace promlite::server {

class JsonWriter {
 public:
  explicit JsonWriter(std::string* out) : out_(out) {}

  void BeginObject() { Sep(); out_->push_back('{'); first_ = true; }
  void EndObject() { out_->push_back('}'); first_ = false; }
  void BeginArray() { Sep(); out_->push_back('['); first_ = true; }
  void EndArray() { out_->push_back(']'); first_ = false; }
  void Key(std::string_view k) {
    Sep();
    AppendString(out_, k);
    out_->push_back(':');
    first_ = true;  // the value follows without a comma
  }
  void String(std::string_view s) { Sep(); AppendString(out_, s); }
  void Int(int64_t v);
  void Uint(uint64_t v);
  void Bool(bool b) { Sep(); out_->append(b ? "true" : "false"); }
  void Null() { Sep(); out_->append("null"); }
  // A JSON number (finite values only; non-finite become null).
  void Double(double v);
  // Prometheus' timestamp: milliseconds printed as seconds ("1435781451.781").
  void Timestamp(int64_t ms) { Sep(); AppendTimestamp(out_, ms); }
  // Prometheus' sample value: a string in Go's FormatFloat(v, 'f', -1, 64).
  void SampleValue(double v) { Sep(); out_->push_back('"'); AppendFloat(out_, v); out_->push_back('"'); }
  // Pre-formatted JSON.
  void Raw(std::string_view json) { Sep(); out_->append(json); }

  std::string* out() { return out_; }

  static void AppendString(std::string* out, std::string_view s);
  static void AppendTimestamp(std::string* out, int64_t ms);
  // Go's strconv.FormatFloat(v, 'f', -1, 64), with "+Inf", "-Inf", "NaN".
  static void AppendFloat(std::string* out, double v);
  static std::string FormatFloat(double v) {
    std::string s;
    AppendFloat(&s, v);
    return s;
  }

 private:
  void Sep() {
    if (!first_) out_->push_back(',');
    first_ = false;
  }
  std::string* out_;
  bool first_ = true;
};

}  // namespace promlite::server
