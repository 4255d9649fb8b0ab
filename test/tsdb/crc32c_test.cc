#include "util/crc32c.h"

#include <catch2/catch.hpp>

#include <cstdint>
#include <random>
#include <string>
#include <vector>

namespace crc32c = promlite::tsdb::crc32c;

namespace {

// Bit-at-a-time reference, independent of both implementations under test.
uint32_t Reference(const std::string& s) {
  uint32_t c = 0xffffffffu;
  for (unsigned char b : s) {
    c ^= b;
    for (int k = 0; k < 8; ++k) c = (c >> 1) ^ ((c & 1) ? 0x82F63B78u : 0);
  }
  return ~c;
}

std::string Bytes(std::initializer_list<int> v) {
  std::string s;
  for (int b : v) s.push_back(static_cast<char>(b));
  return s;
}

}  // namespace

TEST_CASE("crc32c: RFC 3720 B.4 test vectors", "[crc32c]") {
  std::string ascending, descending;
  for (int i = 0; i < 32; ++i) ascending.push_back(static_cast<char>(i));
  for (int i = 31; i >= 0; --i) descending.push_back(static_cast<char>(i));
  // An iSCSI read command PDU.
  std::string pdu = Bytes({0x01, 0xc0, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
                           0x00, 0x00, 0x00, 0x00, 0x14, 0x00, 0x00, 0x00, 0x00, 0x00, 0x04, 0x00,
                           0x00, 0x00, 0x00, 0x14, 0x00, 0x00, 0x00, 0x18, 0x28, 0x00, 0x00, 0x00,
                           0x00, 0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00});
  struct Case {
    std::string data;
    uint32_t want;
  } cases[] = {
      {std::string(32, '\0'), 0x8A9136AAu},
      {std::string(32, '\xff'), 0x62A8AB43u},
      {ascending, 0x46DD794Eu},
      {descending, 0x113FDB5Cu},
      {pdu, 0xD9963A56u},
      {"123456789", 0xE3069283u},
      {"", 0u},
  };
  for (const auto& c : cases) {
    CHECK(crc32c::Value(c.data) == c.want);
    CHECK(crc32c::ExtendPortable(0, c.data.data(), c.data.size()) == c.want);
    if (crc32c::HardwareAvailable()) CHECK(crc32c::ExtendHardware(0, c.data.data(), c.data.size()) == c.want);
  }
}

TEST_CASE("crc32c: implementations agree on every length and alignment", "[crc32c]") {
  std::mt19937_64 rng(42);
  std::string buf(4096 + 16, '\0');
  for (char& c : buf) c = static_cast<char>(rng());
  for (size_t align = 0; align < 8; ++align) {
    for (size_t n = 0; n < 300; ++n) {
      std::string s = buf.substr(align, n);
      uint32_t want = Reference(s);
      REQUIRE(crc32c::ExtendPortable(0, buf.data() + align, n) == want);
      if (crc32c::HardwareAvailable()) REQUIRE(crc32c::ExtendHardware(0, buf.data() + align, n) == want);
      REQUIRE(crc32c::Value(buf.data() + align, n) == want);
    }
  }
  CHECK(crc32c::Value(buf.data(), buf.size()) == Reference(buf));
}

TEST_CASE("crc32c: Extend continues a checksum", "[crc32c]") {
  std::string s = "The quick brown fox jumps over the lazy dog, twice over and then some more";
  for (size_t split = 0; split <= s.size(); ++split) {
    uint32_t a = crc32c::Value(s.data(), split);
    REQUIRE(crc32c::Extend(a, s.data() + split, s.size() - split) == crc32c::Value(s));
    REQUIRE(crc32c::ExtendPortable(crc32c::ExtendPortable(0, s.data(), split), s.data() + split,
                                   s.size() - split) == crc32c::Value(s));
  }
}
