// Character classes of the exposition grammars, as one lookup table so the
// hot loops test a byte with a single load.
#pragma once

#include <array>
#include <cstdint>

namespace promlite::scrape::lex {

enum : uint8_t {
  kNameStart = 1,   // [a-zA-Z_:]  first byte of a metric name
  kNameChar = 2,    // [a-zA-Z0-9_:]
  kLNameStart = 4,  // [a-zA-Z_]   first byte of a label name
  kLNameChar = 8,   // [a-zA-Z0-9_]
  kDigit = 16,      // [0-9]
  kBlank = 32,      // [ \t]
};

constexpr std::array<uint8_t, 256> MakeTable() {
  std::array<uint8_t, 256> t{};
  for (int c = 0; c < 256; c++) {
    bool alpha = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
    bool digit = c >= '0' && c <= '9';
    uint8_t f = 0;
    if (alpha || c == ':') f |= kNameStart | kNameChar;
    if (digit) f |= kNameChar | kLNameChar | kDigit;
    if (alpha) f |= kLNameStart | kLNameChar;
    if (c == ' ' || c == '\t') f |= kBlank;
    t[static_cast<size_t>(c)] = f;
  }
  return t;
}

inline constexpr std::array<uint8_t, 256> kTable = MakeTable();

inline bool Is(char c, uint8_t cls) { return (kTable[static_cast<unsigned char>(c)] & cls) != 0; }

}  // namespace promlite::scrape::lex
