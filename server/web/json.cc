#include "web/json.h"

#include <charconv>
#include <cmath>

namespace promlite::server {

void JsonWriter::Int(int64_t v) {
  Sep();
  char buf[24];
  auto r = std::to_chars(buf, buf + sizeof buf, v);
  out_->append(buf, static_cast<size_t>(r.ptr - buf));
}

void JsonWriter::Uint(uint64_t v) {
  Sep();
  char buf[24];
  auto r = std::to_chars(buf, buf + sizeof buf, v);
  out_->append(buf, static_cast<size_t>(r.ptr - buf));
}

void JsonWriter::Double(double v) {
  Sep();
  if (!std::isfinite(v)) {
    out_->append("null");
    return;
  }
  char buf[32];
  auto r = std::to_chars(buf, buf + sizeof buf, v);
  out_->append(buf, static_cast<size_t>(r.ptr - buf));
}

void JsonWriter::AppendTimestamp(std::string* out, int64_t ms) {
  uint64_t u;
  if (ms < 0) {
    out->push_back('-');
    u = static_cast<uint64_t>(-(ms + 1)) + 1;
  } else {
    u = static_cast<uint64_t>(ms);
  }
  char buf[24];
  auto r = std::to_chars(buf, buf + sizeof buf, u / 1000);
  out->append(buf, static_cast<size_t>(r.ptr - buf));
  uint64_t frac = u % 1000;
  if (frac != 0) {
    out->push_back('.');
    out->push_back(static_cast<char>('0' + frac / 100));
    out->push_back(static_cast<char>('0' + frac / 10 % 10));
    out->push_back(static_cast<char>('0' + frac % 10));
  }
}

void JsonWriter::AppendFloat(std::string* out, double v) {
  if (std::isnan(v)) {
    out->append("NaN");
    return;
  }
  if (std::isinf(v)) {
    out->append(v > 0 ? "+Inf" : "-Inf");
    return;
  }
  // Shortest digits that round-trip, in fixed notation: Go's 'f', -1.
  char buf[512];
  auto r = std::to_chars(buf, buf + sizeof buf, v, std::chars_format::fixed);
  out->append(buf, static_cast<size_t>(r.ptr - buf));
}

void JsonWriter::AppendString(std::string* out, std::string_view s) {
  static const char kHex[] = "0123456789abcdef";
  out->push_back('"');
  size_t i = 0;
  while (i < s.size()) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) {
      switch (c) {
        case '"': out->append("\\\""); break;
        case '\\': out->append("\\\\"); break;
        case '\n': out->append("\\n"); break;
        case '\r': out->append("\\r"); break;
        case '\t': out->append("\\t"); break;
        case '<': case '>': case '&':
          // encoding/json escapes these so the output is safe inside HTML.
          out->append("\\u00");
          out->push_back(kHex[c >> 4]);
          out->push_back(kHex[c & 15]);
          break;
        default:
          if (c < 0x20) {
            out->append("\\u00");
            out->push_back(kHex[c >> 4]);
            out->push_back(kHex[c & 15]);
          } else {
            out->push_back(static_cast<char>(c));
          }
      }
      i++;
      continue;
    }
    // Validate the UTF-8 sequence; invalid bytes become U+FFFD as in Go.
    size_t len = (c & 0xE0) == 0xC0 ? 2 : (c & 0xF0) == 0xE0 ? 3 : (c & 0xF8) == 0xF0 ? 4 : 0;
    bool ok = len > 0 && i + len <= s.size();
    uint32_t cp = len == 2 ? c & 0x1F : len == 3 ? c & 0x0F : c & 0x07;
    for (size_t k = 1; ok && k < len; k++) {
      unsigned char cc = static_cast<unsigned char>(s[i + k]);
      if ((cc & 0xC0) != 0x80) ok = false;
      cp = (cp << 6) | (cc & 0x3F);
    }
    if (ok && ((len == 2 && cp < 0x80) || (len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) ||
               (cp >= 0xD800 && cp <= 0xDFFF) || cp > 0x10FFFF)) {
      ok = false;
    }
    if (!ok) {
      out->append("\\ufffd");
      i++;
      continue;
    }
    if (cp == 0x2028 || cp == 0x2029) {
      out->append(cp == 0x2028 ? "\\u2028" : "\\u2029");
    } else {
      out->append(s.substr(i, len));
    }
    i += len;
  }
  out->push_back('"');
}

}  // namespace promlite::server
