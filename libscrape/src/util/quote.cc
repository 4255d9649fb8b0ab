#include "util/quote.h"

#include <cstdio>

namespace promlite::scrape {
namespace {

// Length of the valid UTF-8 sequence at s[i], or 0 if it is invalid.
size_t Utf8Len(std::string_view s, size_t i) {
  unsigned char c = static_cast<unsigned char>(s[i]);
  size_t len;
  uint32_t cp;
  if (c < 0x80) return 1;
  if ((c & 0xE0) == 0xC0) {
    len = 2, cp = c & 0x1F;
  } else if ((c & 0xF0) == 0xE0) {
    len = 3, cp = c & 0x0F;
  } else if ((c & 0xF8) == 0xF0) {
    len = 4, cp = c & 0x07;
  } else {
    return 0;
  }
  if (i + len > s.size()) return 0;
  for (size_t k = 1; k < len; k++) {
    unsigned char d = static_cast<unsigned char>(s[i + k]);
    if ((d & 0xC0) != 0x80) return 0;
    cp = (cp << 6) | (d & 0x3F);
  }
  if ((len == 2 && cp < 0x80) || (len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) ||
      (cp >= 0xD800 && cp <= 0xDFFF) || cp > 0x10FFFF) {
    return 0;
  }
  return len;
}

}  // namespace

std::string QuoteGo(std::string_view s, size_t max_len) {
  bool cut = max_len > 0 && s.size() > max_len;
  if (cut) s = s.substr(0, max_len);
  std::string out;
  out.reserve(s.size() + 2);
  out.push_back('"');
  for (size_t i = 0; i < s.size();) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    switch (c) {
      case '"': out.append("\\\""); i++; continue;
      case '\\': out.append("\\\\"); i++; continue;
      case '\n': out.append("\\n"); i++; continue;
      case '\t': out.append("\\t"); i++; continue;
      case '\r': out.append("\\r"); i++; continue;
      default: break;
    }
    if (c < 0x20 || c == 0x7f) {
      char b[8];
      std::snprintf(b, sizeof(b), "\\x%02x", c);
      out.append(b);
      i++;
      continue;
    }
    size_t n = Utf8Len(s, i);
    if (n == 0) {
      if (cut && s.size() - i < 4) break;  // a sequence split by the cut
      char b[8];
      std::snprintf(b, sizeof(b), "\\x%02x", c);
      out.append(b);
      i++;
      continue;
    }
    out.append(s.substr(i, n));
    i += n;
  }
  if (cut) out.append("...");
  out.push_back('"');
  return out;
}

}  // namespace promlite::scrape
