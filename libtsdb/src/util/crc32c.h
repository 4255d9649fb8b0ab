// CRC32C (Castagnoli polynomial 0x1EDC6F41, reflected 0x82F63B78).
//
// The WAL's fragment checksums (and later the index and chunk files) use it, as
// Prometheus does with Go's crc32.MakeTable(crc32.Castagnoli). Debian's Abseil
// 20220623 has no crc32c and zlib's crc32 uses the IEEE polynomial, so we carry
// our own: the SSE4.2 crc32 instruction when the CPU has it (checked once at
// run time), otherwise a slicing-by-8 table.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace promlite::tsdb::crc32c {

// Continues a CRC: Extend(Value(a), b) == Value(a + b). `crc` is a finished
// CRC value (pre- and post-inversion are handled inside).
uint32_t Extend(uint32_t crc, const void* data, size_t n);

inline uint32_t Value(const void* data, size_t n) { return Extend(0, data, n); }
inline uint32_t Value(std::string_view s) { return Extend(0, s.data(), s.size()); }

// Both implementations are exposed so tests can check they agree.
uint32_t ExtendPortable(uint32_t crc, const void* data, size_t n);
// Requires HardwareAvailable().
uint32_t ExtendHardware(uint32_t crc, const void* data, size_t n);
bool HardwareAvailable();

}  // namespace promlite::tsdb::crc32c
