// Prometheus' write-ahead log layout (tsdb/docs/format/wal.md, tsdb/wlog).
//
// A WAL is a directory of segment files named by an 8-digit index (00000000,
// 00000001, ...) plus checkpoint.NNNNNNNN directories in the same format.
// A segment is a sequence of 32 KiB pages; records are cut into fragments that
// never cross a page, each with a 7-byte header:
//
//   byte 0   bits 0-2 fragment type (0 padding, 1 full, 2 first, 3 middle, 4 last)
//            bit 3 snappy, bit 4 zstd, bits 5-7 reserved (must be zero)
//   1..2     BE16 length of the fragment data
//   3..6     BE32 CRC32C of the fragment data
//
// A fragment never starts in the last 6 bytes of a page; unused page space is
// zero. A record never crosses a segment boundary; a record larger than the
// segment size gets a segment of its own that grows past the nominal size.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace promlite::tsdb::wal {

inline constexpr size_t kPageSize = 32 * 1024;
inline constexpr size_t kDefaultSegmentSize = 128 * 1024 * 1024;
inline constexpr size_t kFragmentHeaderSize = 7;

// Fragment type values (low 3 bits of the header byte).
enum FragmentType : uint8_t {
  kFragPadding = 0,
  kFragFull = 1,
  kFragFirst = 2,
  kFragMiddle = 3,
  kFragLast = 4,
};
inline constexpr uint8_t kFragTypeMask = 0x07;
inline constexpr uint8_t kSnappyFlag = 0x08;
inline constexpr uint8_t kZstdFlag = 0x10;
inline constexpr uint8_t kReservedMask = 0xE0;

// Record compression. Prometheus before 2.46 reads only snappy; zstd needs 2.46+
// (zstd WAL compression arrived in prometheus/prometheus#11666).
enum class Compression { kNone, kSnappy, kZstd };
std::string_view CompressionName(Compression c);
// Accepts Prometheus' flag values: "none" (or ""), "snappy", "zstd".
absl::StatusOr<Compression> ParseCompression(std::string_view s);

// "<dir>/00000012".
std::string SegmentName(std::string_view dir, int index);
// The index of a segment file name, or nullopt when `name` is not exactly the
// 8-digit (or longer, for indexes >= 10^8) form we write.
std::optional<int> ParseSegmentName(std::string_view name);

// Where a WAL could not be read. `offset` is the byte offset inside the
// segment where the damaged record (or padding) begins; every record that ends
// at or before it is intact.
struct Corruption {
  std::string dir;
  int segment = -1;
  int64_t offset = 0;
  std::string reason;

  // "corruption in segment <dir>/00000003 at 4096: <reason>"
  std::string ToString() const;
  // A DataLoss status carrying this corruption (see AsCorruption).
  absl::Status ToStatus() const;
};

// The Corruption inside a status made by Corruption::ToStatus, if any. Lets
// corruption travel through layers that only pass absl::Status along.
std::optional<Corruption> AsCorruption(const absl::Status& st);

}  // namespace promlite::tsdb::wal
