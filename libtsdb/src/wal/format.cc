#include "wal/format.h"

#include <charconv>

#include "absl/strings/cord.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace promlite::tsdb::wal {
namespace {
constexpr char kCorruptionPayloadUrl[] = "type.promlite.dev/promlite.tsdb.wal.Corruption";
}  // namespace

std::string_view CompressionName(Compression c) {
  switch (c) {
    case Compression::kNone: return "none";
    case Compression::kSnappy: return "snappy";
    case Compression::kZstd: return "zstd";
  }
  return "unknown";
}

absl::StatusOr<Compression> ParseCompression(std::string_view s) {
  if (s.empty() || s == "none") return Compression::kNone;
  if (s == "snappy") return Compression::kSnappy;
  if (s == "zstd") return Compression::kZstd;
  return absl::InvalidArgumentError(
      absl::StrCat("unknown WAL compression \"", std::string(s), "\" (want none, snappy or zstd)"));
}

std::string SegmentName(std::string_view dir, int index) {
  return absl::StrFormat("%s/%08d", absl::string_view(dir.data(), dir.size()), index);
}

std::optional<int> ParseSegmentName(std::string_view name) {
  if (name.size() < 8 || name.size() > 10) return std::nullopt;
  for (char c : name) {
    if (c < '0' || c > '9') return std::nullopt;
  }
  // Longer than 8 digits only without leading zeros, so each index has exactly
  // one spelling and "000000012" cannot alias "00000012".
  if (name.size() > 8 && name[0] == '0') return std::nullopt;
  int v = 0;
  auto [p, ec] = std::from_chars(name.data(), name.data() + name.size(), v);
  if (ec != std::errc() || p != name.data() + name.size()) return std::nullopt;
  return v;
}

std::string Corruption::ToString() const {
  if (segment < 0) return absl::StrCat("corruption after ", offset, " bytes: ", reason);
  return absl::StrCat("corruption in segment ", SegmentName(dir, segment), " at ", offset, ": ", reason);
}

absl::Status Corruption::ToStatus() const {
  absl::Status st = absl::DataLossError(ToString());
  // Fields separated by NUL: dir and reason cannot contain one in practice
  // (paths cannot), and the reason is last so it may.
  st.SetPayload(kCorruptionPayloadUrl, absl::Cord(absl::StrCat(dir, std::string(1, '\0'), segment,
                                                               std::string(1, '\0'), offset,
                                                               std::string(1, '\0'), reason)));
  return st;
}

std::optional<Corruption> AsCorruption(const absl::Status& st) {
  auto payload = st.GetPayload(kCorruptionPayloadUrl);
  if (!payload) return std::nullopt;
  std::string s(*payload);
  size_t a = s.find('\0');
  if (a == std::string::npos) return std::nullopt;
  size_t b = s.find('\0', a + 1);
  if (b == std::string::npos) return std::nullopt;
  size_t c = s.find('\0', b + 1);
  if (c == std::string::npos) return std::nullopt;
  Corruption out;
  out.dir = s.substr(0, a);
  auto r1 = std::from_chars(s.data() + a + 1, s.data() + b, out.segment);
  auto r2 = std::from_chars(s.data() + b + 1, s.data() + c, out.offset);
  if (r1.ec != std::errc() || r2.ec != std::errc()) return std::nullopt;
  out.reason = s.substr(c + 1);
  return out;
}

}  // namespace promlite::tsdb::wal
