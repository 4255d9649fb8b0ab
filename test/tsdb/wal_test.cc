#include "wal/wal.h"

#include <catch2/catch.hpp>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <zstd.h>

#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "record/record.h"
#include "test_util.h"
#include "util/crc32c.h"
#include "wal/checkpoint.h"
#include "wal/compress.h"
#include "wal/dir.h"
#include "wal/reader.h"

using namespace promlite::tsdb;
using namespace promlite::tsdb::wal;
using promlite::testing::TempDir;
namespace fs = std::filesystem;

namespace {

std::string ReadFile(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(f), {});
}

void WriteFile(const std::string& path, std::string_view data) {
  std::ofstream f(path, std::ios::binary | std::ios::trunc);
  f.write(data.data(), static_cast<std::streamsize>(data.size()));
}

struct ReadResult {
  std::vector<std::string> records;
  absl::Status status;
};

ReadResult ReadAll(std::vector<SegmentRange> ranges) {
  ReadResult out;
  auto r = Reader::Open(std::move(ranges));
  if (!r.ok()) {
    out.status = r.status();
    return out;
  }
  while ((*r)->Next()) out.records.emplace_back((*r)->Record());
  out.status = (*r)->status();
  return out;
}

ReadResult ReadAll(const std::string& dir) { return ReadAll({SegmentRange{dir, -1, -1}}); }

// Deterministic record contents: compressible or not, any size.
std::string MakeRecord(std::mt19937_64& rng, size_t n, bool compressible) {
  std::string s(n, '\0');
  for (size_t i = 0; i < n; ++i) {
    s[i] = compressible ? static_cast<char>('a' + (i / 7 + n) % 5) : static_cast<char>(rng());
  }
  return s;
}

WALOptions Opts(Compression c, size_t segment_size = kDefaultSegmentSize) {
  WALOptions o;
  o.compression = c;
  o.segment_size = segment_size;
  o.logger = NewNopLogger();
  return o;
}

std::string BE32(uint32_t v) {
  std::string s(4, '\0');
  s[0] = static_cast<char>(v >> 24);
  s[1] = static_cast<char>(v >> 16);
  s[2] = static_cast<char>(v >> 8);
  s[3] = static_cast<char>(v);
  return s;
}

std::string Header(uint8_t type, uint16_t len, uint32_t crc) {
  std::string h;
  h.push_back(static_cast<char>(type));
  h.push_back(static_cast<char>(len >> 8));
  h.push_back(static_cast<char>(len & 0xff));
  return h + BE32(crc);
}

// The fragment header bytes of every fragment in a segment file.
std::vector<uint8_t> FragmentTypes(const std::string& seg) {
  std::vector<uint8_t> out;
  for (size_t page = 0; page < seg.size(); page += kPageSize) {
    size_t pos = 0;
    while (pos + kFragmentHeaderSize <= kPageSize && page + pos < seg.size()) {
      uint8_t h = static_cast<uint8_t>(seg[page + pos]);
      if (h == 0) break;
      size_t len = (static_cast<uint8_t>(seg[page + pos + 1]) << 8) | static_cast<uint8_t>(seg[page + pos + 2]);
      out.push_back(h);
      pos += kFragmentHeaderSize + len;
    }
  }
  return out;
}

}  // namespace

TEST_CASE("wal: uncompressed segment matches Prometheus' layout byte for byte", "[wal]") {
  TempDir tmp;
  std::string dir = tmp.str() + "/wal";
  auto w = WAL::Open(dir, Opts(Compression::kNone));
  REQUIRE(w.ok());
  std::string seg = dir + "/00000000";
  REQUIRE(fs::exists(seg));
  CHECK(fs::file_size(seg) == 0);

  REQUIRE((*w)->Log({"abc"}).ok());
  // Log hands the partial page to the kernel right away.
  std::string want = Header(0x01, 3, 0x364B3FB7) + "abc";
  CHECK(ReadFile(seg) == want);

  REQUIRE((*w)->Log({"hello", ""}).ok());
  want += Header(0x01, 5, 0x9A71BB4C) + "hello" + Header(0x01, 0, 0);
  CHECK(ReadFile(seg) == want);

  // 40000 bytes from offset 29: a first fragment fills page 0, the last
  // fragment opens page 1.
  std::string big(40000, '\0');
  for (size_t i = 0; i < big.size(); ++i) big[i] = static_cast<char>(i * 31 + 7);
  REQUIRE((*w)->Log({big}).ok());
  const size_t first_len = kPageSize - 29 - 7;  // 32732
  want += Header(0x02, first_len, crc32c::Value(big.data(), first_len)) + big.substr(0, first_len);
  REQUIRE(want.size() == kPageSize);
  want += Header(0x04, 40000 - first_len, crc32c::Value(big.data() + first_len, 40000 - first_len)) +
          big.substr(first_len);
  CHECK(ReadFile(seg) == want);

  // Fill page 1 up to 3 bytes before its end: the next record cannot start
  // there, so the page is zero-padded and the record opens page 2.
  const size_t used = want.size() - kPageSize;
  std::string filler(kPageSize - used - 3 - 7, 'f');
  REQUIRE((*w)->Log({filler, "xy"}).ok());
  want += Header(0x01, filler.size(), crc32c::Value(filler)) + filler + std::string(3, '\0');
  REQUIRE(want.size() == 2 * kPageSize);
  want += Header(0x01, 2, crc32c::Value("xy")) + "xy";
  CHECK(ReadFile(seg) == want);

  REQUIRE((*w)->Close().ok());
  want.resize(3 * kPageSize, '\0');  // Close pads the last page
  CHECK(ReadFile(seg) == want);

  auto r = ReadAll(dir);
  REQUIRE(r.status.ok());
  CHECK(r.records == std::vector<std::string>{"abc", "hello", "", big, filler, "xy"});
}

TEST_CASE("wal: round trip with every compression", "[wal]") {
  for (Compression c : {Compression::kNone, Compression::kSnappy, Compression::kZstd}) {
    DYNAMIC_SECTION(CompressionName(c)) {
      TempDir tmp;
      const size_t seg_size = 4 * kPageSize;
      std::mt19937_64 rng(static_cast<int>(c) + 1);
      std::vector<std::string> want;
      {
        auto w = WAL::Open(tmp.str(), Opts(c, seg_size));
        REQUIRE(w.ok());
        for (int batch = 0; batch < 300; ++batch) {
          std::vector<std::string> recs;
          int n = 1 + static_cast<int>(rng() % 5);
          for (int i = 0; i < n; ++i) {
            size_t size;
            switch (rng() % 10) {
              case 0: size = kPageSize + rng() % (2 * kPageSize); break;   // larger than a page
              case 1: size = rng() % 8; break;                               // tiny
              default: size = rng() % 3000; break;
            }
            bool compressible = rng() % 2 == 0;
            if (batch == 150 && i == 0) {  // larger than a segment, even compressed
              size = seg_size * 2 + 12345;
              compressible = false;
            }
            recs.push_back(MakeRecord(rng, size, compressible));
          }
          std::vector<std::string_view> views(recs.begin(), recs.end());
          REQUIRE((*w)->Log(views).ok());
          want.insert(want.end(), recs.begin(), recs.end());
        }
        REQUIRE((*w)->Close().ok());
      }
      auto r = ReadAll(tmp.str());
      REQUIRE(r.status.ok());
      REQUIRE(r.records.size() == want.size());
      for (size_t i = 0; i < want.size(); ++i) REQUIRE(r.records[i] == want[i]);

      auto range = Segments(tmp.str());
      REQUIRE(range.ok());
      CHECK(range->first == 0);
      CHECK(range->second > 10);
      // Segments stay within the nominal size except the one holding the
      // oversized record; every segment is page aligned after Close.
      int oversized = 0;
      bool saw_flag = false;
      for (int i = range->first; i <= range->second; ++i) {
        std::string data = ReadFile(SegmentName(tmp.str(), i));
        CHECK(data.size() % kPageSize == 0);
        if (data.size() > seg_size) ++oversized;
        for (uint8_t h : FragmentTypes(data)) {
          if (c == Compression::kSnappy) CHECK((h & kZstdFlag) == 0);
          if (c == Compression::kZstd) CHECK((h & kSnappyFlag) == 0);
          if (c == Compression::kNone) CHECK((h & (kSnappyFlag | kZstdFlag)) == 0);
          if (h & (kSnappyFlag | kZstdFlag)) saw_flag = true;
        }
      }
      CHECK(oversized == 1);
      CHECK(saw_flag == (c != Compression::kNone));
    }
  }
}

TEST_CASE("wal: many small records", "[wal]") {
  TempDir tmp;
  std::vector<std::string> want;
  {
    auto w = WAL::Open(tmp.str(), Opts(Compression::kZstd, 8 * kPageSize));
    REQUIRE(w.ok());
    for (int b = 0; b < 2000; ++b) {
      std::vector<std::string> recs;
      for (int i = 0; i < 50; ++i) recs.push_back(absl::StrCat("r", b * 50 + i));
      std::vector<std::string_view> v(recs.begin(), recs.end());
      REQUIRE((*w)->Log(v).ok());
      want.insert(want.end(), recs.begin(), recs.end());
    }
    REQUIRE((*w)->Close().ok());
  }
  auto r = ReadAll(tmp.str());
  REQUIRE(r.status.ok());
  CHECK(r.records == want);
}

TEST_CASE("wal: reopening starts a new segment and keeps everything", "[wal]") {
  TempDir tmp;
  std::vector<std::string> want;
  for (int round = 0; round < 3; ++round) {
    auto w = WAL::Open(tmp.str(), Opts(Compression::kSnappy));
    REQUIRE(w.ok());
    auto last = (*w)->LastSegmentAndOffset();
    REQUIRE(last.ok());
    CHECK(last->first == round);
    CHECK(last->second == 0);
    for (int i = 0; i < 10; ++i) {
      std::string rec = "round " + std::to_string(round) + " record " + std::to_string(i);
      REQUIRE((*w)->Log({rec}).ok());
      want.push_back(rec);
    }
    auto range = (*w)->Segments();
    REQUIRE(range.ok());
    CHECK(*range == std::pair<int, int>{0, round});
    REQUIRE((*w)->Close().ok());
  }
  auto r = ReadAll(tmp.str());
  REQUIRE(r.status.ok());
  CHECK(r.records == want);

  // A WAL opened and closed without writing leaves an empty segment, which
  // reads as nothing.
  {
    auto w = WAL::Open(tmp.str(), Opts(Compression::kSnappy));
    REQUIRE(w.ok());
    REQUIRE((*w)->Close().ok());
  }
  CHECK(fs::file_size(SegmentName(tmp.str(), 3)) == 0);
  r = ReadAll(tmp.str());
  REQUIRE(r.status.ok());
  CHECK(r.records == want);
}

TEST_CASE("wal: segment rollover, ranges and Truncate", "[wal]") {
  TempDir tmp;
  auto w = WAL::Open(tmp.str(), Opts(Compression::kNone, 2 * kPageSize));
  REQUIRE(w.ok());
  std::string rec(20000, 'x');
  for (int i = 0; i < 10; ++i) REQUIRE((*w)->Log({rec}).ok());
  // Two 20000-byte records need 40014 bytes; a 64 KiB segment holds three
  // only if they fit its pages: 3 * 20007 = 60021 <= 65536 - 7.
  auto range = (*w)->Segments();
  REQUIRE(range.ok());
  CHECK(range->first == 0);
  CHECK(range->second == 3);  // 3 + 3 + 3 + 1 records

  auto next = (*w)->NextSegment();
  REQUIRE(next.ok());
  CHECK(*next == 4);
  CHECK(fs::file_size(SegmentName(tmp.str(), 3)) == kPageSize);  // padded on close

  REQUIRE((*w)->Truncate(2).ok());
  range = (*w)->Segments();
  REQUIRE(range.ok());
  CHECK(*range == std::pair<int, int>{2, 4});
  CHECK(!fs::exists(SegmentName(tmp.str(), 1)));
  auto st = (*w)->Truncate(5);
  CHECK(absl::IsInvalidArgument(st));
  REQUIRE((*w)->Truncate(4).ok());
  REQUIRE((*w)->Log({"after truncate"}).ok());
  REQUIRE((*w)->Close().ok());
  auto r = ReadAll(tmp.str());
  REQUIRE(r.status.ok());
  CHECK(r.records == std::vector<std::string>{"after truncate"});
}

TEST_CASE("wal: every call after Close fails", "[wal]") {
  TempDir tmp;
  auto w = WAL::Open(tmp.str(), Opts(Compression::kZstd));
  REQUIRE(w.ok());
  REQUIRE((*w)->Log({"a"}).ok());
  REQUIRE((*w)->Close().ok());
  auto is_closed = [](const absl::Status& st) {
    return absl::IsFailedPrecondition(st) && st.message() == "WAL is closed";
  };
  CHECK(is_closed((*w)->Log({"b"})));
  CHECK(is_closed((*w)->NextSegment().status()));
  CHECK(is_closed((*w)->Segments().status()));
  CHECK(is_closed((*w)->LastSegmentAndOffset().status()));
  CHECK(is_closed((*w)->Truncate(0)));
  CHECK(is_closed((*w)->Sync()));
  CHECK(is_closed((*w)->Repair(Corruption{tmp.str(), 0, 0, "x"})));
  CHECK(is_closed((*w)->Close()));
}

TEST_CASE("wal: options and directories that are not a WAL", "[wal]") {
  TempDir tmp;
  WALOptions bad = Opts(Compression::kNone, 1000);
  CHECK(absl::IsInvalidArgument(WAL::Open(tmp.str() + "/w", bad).status()));

  // A file where the directory should be.
  WriteFile(tmp.str() + "/file", "not a dir");
  auto st = WAL::Open(tmp.str() + "/file", Opts(Compression::kNone)).status();
  CHECK(absl::IsFailedPrecondition(st));
  CHECK_THAT(std::string(st.message()), Catch::Contains("is not a directory"));
  CHECK(!WAL::Open(tmp.str() + "/file/sub", Opts(Compression::kNone)).ok());
  CHECK(!Reader::Open(tmp.str() + "/file").ok());
  CHECK(absl::IsNotFound(Reader::Open(tmp.str() + "/missing").status()));

  // Some other program's directory.
  fs::create_directories(tmp.str() + "/other");
  WriteFile(tmp.str() + "/other/00000000", "");
  WriteFile(tmp.str() + "/other/notes.txt", "hello");
  st = WAL::Open(tmp.str() + "/other", Opts(Compression::kNone)).status();
  CHECK(absl::IsFailedPrecondition(st));
  CHECK_THAT(std::string(st.message()), Catch::Contains("not a write-ahead log") && Catch::Contains("notes.txt"));
  CHECK(absl::IsFailedPrecondition(Reader::Open(tmp.str() + "/other").status()));
  CHECK(fs::exists(tmp.str() + "/other/notes.txt"));
  CHECK(!fs::exists(tmp.str() + "/other/00000001"));  // nothing was created

  // Names that look almost like segments.
  for (std::string name : {"123", "0000000a", "000000001", "00000001.bak", "checkpoint.x", "data.tmp"}) {
    std::string d = tmp.str() + "/near-" + name;
    fs::create_directories(d);
    WriteFile(d + "/" + name, "");
    INFO(name);
    CHECK(absl::IsFailedPrecondition(WAL::Open(d, Opts(Compression::kNone)).status()));
  }
  // A segment that is a directory, a checkpoint that is a file.
  fs::create_directories(tmp.str() + "/segdir/00000000");
  CHECK(absl::IsFailedPrecondition(WAL::Open(tmp.str() + "/segdir", Opts(Compression::kNone)).status()));
  fs::create_directories(tmp.str() + "/cpfile");
  WriteFile(tmp.str() + "/cpfile/checkpoint.00000001", "");
  CHECK(absl::IsFailedPrecondition(WAL::Open(tmp.str() + "/cpfile", Opts(Compression::kNone)).status()));

  // A gap in the segment sequence.
  fs::create_directories(tmp.str() + "/gap");
  WriteFile(tmp.str() + "/gap/00000001", "");
  WriteFile(tmp.str() + "/gap/00000003", "");
  st = WAL::Open(tmp.str() + "/gap", Opts(Compression::kNone)).status();
  CHECK_THAT(std::string(st.message()), Catch::Contains("not sequential"));

  // Leftovers of an interrupted checkpoint are removed at startup.
  fs::create_directories(tmp.str() + "/ok/checkpoint.00000002.tmp");
  WriteFile(tmp.str() + "/ok/checkpoint.00000002.tmp/00000000", "partial");
  auto w = WAL::Open(tmp.str() + "/ok", Opts(Compression::kNone));
  REQUIRE(w.ok());
  CHECK(!fs::exists(tmp.str() + "/ok/checkpoint.00000002.tmp"));
}

TEST_CASE("wal: read-only directory", "[wal]") {
  TempDir tmp;
  std::string dir = tmp.str() + "/ro";
  fs::create_directories(dir);
  {
    auto w = WAL::Open(dir, Opts(Compression::kNone));
    REQUIRE(w.ok());
    REQUIRE((*w)->Log({"kept"}).ok());
    REQUIRE((*w)->Close().ok());
  }
  chmod(dir.c_str(), 0555);
  if (geteuid() == 0) {
    // Root ignores permission bits; wal_fault_test covers write failures with
    // RLIMIT_FSIZE instead. Still check that reading needs no write access.
    WARN("running as root: permission bits do not stop writes; skipping the EACCES check");
  } else {
    auto st = WAL::Open(dir, Opts(Compression::kNone)).status();
    CHECK(absl::IsPermissionDenied(st));
    CHECK_THAT(std::string(st.message()), Catch::Contains(dir + "/00000001"));
  }
  auto r = ReadAll(dir);
  CHECK(r.status.ok());
  CHECK(r.records == std::vector<std::string>{"kept"});
  chmod(dir.c_str(), 0755);
}

TEST_CASE("wal: a crashed process loses no acknowledged record", "[wal]") {
  TempDir tmp;
  pid_t pid = fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    auto w = WAL::Open(tmp.str(), Opts(Compression::kZstd, 4 * kPageSize));
    if (!w.ok()) _exit(2);
    for (int i = 0; i < 1000; ++i) {
      std::string rec = "record " + std::to_string(i) + std::string(static_cast<size_t>(i % 97) * 13, 'z');
      if (!(*w)->Log({rec}).ok()) _exit(3);
    }
    raise(SIGKILL);  // no Close, no destructor, no flush
    _exit(4);
  }
  int status = 0;
  waitpid(pid, &status, 0);
  REQUIRE(WIFSIGNALED(status));
  REQUIRE(WTERMSIG(status) == SIGKILL);
  auto r = ReadAll(tmp.str());
  REQUIRE(r.status.ok());
  REQUIRE(r.records.size() == 1000);
  for (int i = 0; i < 1000; ++i) {
    REQUIRE(r.records[i] == "record " + std::to_string(i) + std::string(static_cast<size_t>(i % 97) * 13, 'z'));
  }
  // The torn last page is fine for a new writer too.
  auto w = WAL::Open(tmp.str(), Opts(Compression::kZstd, 4 * kPageSize));
  REQUIRE(w.ok());
  REQUIRE((*w)->Log({"after crash"}).ok());
  REQUIRE((*w)->Close().ok());
  r = ReadAll(tmp.str());
  REQUIRE(r.status.ok());
  CHECK(r.records.size() == 1001);
  CHECK(r.records.back() == "after crash");
}

TEST_CASE("wal: concurrent writers", "[wal]") {
  TempDir tmp;
  auto w = WAL::Open(tmp.str(), Opts(Compression::kSnappy, 4 * kPageSize));
  REQUIRE(w.ok());
  constexpr int kThreads = 4, kPer = 500;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPer; ++i) {
        std::string a = std::to_string(t) + ":" + std::to_string(i) + std::string(static_cast<size_t>(i % 50) * 40, 'p');
        std::string b = a + "/second";
        if (!(*w)->Log({a, b}).ok()) std::abort();
        if (i % 100 == 0 && t == 0) (void)(*w)->NextSegment();
      }
    });
  }
  for (auto& th : threads) th.join();
  REQUIRE((*w)->Close().ok());
  auto r = ReadAll(tmp.str());
  REQUIRE(r.status.ok());
  REQUIRE(r.records.size() == 2 * kThreads * kPer);
  std::vector<int> next(kThreads, 0);
  for (size_t i = 0; i < r.records.size(); i += 2) {
    const std::string& a = r.records[i];
    REQUIRE(r.records[i + 1] == a + "/second");  // a batch is contiguous
    int t = a[0] - '0';
    int idx = std::stoi(a.substr(2));
    REQUIRE(idx == next[t]);  // each writer's order is kept
    ++next[t];
  }
}

TEST_CASE("wal: records of types we do not decode pass through the reader", "[wal]") {
  TempDir tmp;
  auto w = WAL::Open(tmp.str(), Opts(Compression::kNone));
  REQUIRE(w.ok());
  std::string samples;
  record::EncodeSamples(std::vector<record::RefSample>{{1, 10, 1.0}}, &samples);
  // An exemplar record and a metadata record as Prometheus would write them
  // (contents are opaque to the WAL).
  std::string exemplars = std::string("\x04", 1) + std::string(16, '\x01');
  std::string metadata = std::string("\x06\x01\x02\x02", 4) + "\x04UNIT\x00\x04HELP\x01h";
  REQUIRE((*w)->Log({exemplars, samples, metadata, "\x63garbage"}).ok());
  REQUIRE((*w)->Close().ok());
  auto r = ReadAll(tmp.str());
  REQUIRE(r.status.ok());
  REQUIRE(r.records.size() == 4);
  CHECK(record::GetType(r.records[0]) == record::Type::kExemplars);
  CHECK(record::GetType(r.records[1]) == record::Type::kSamples);
  CHECK(record::GetType(r.records[2]) == record::Type::kMetadata);
  CHECK(record::GetType(r.records[3]) == record::Type::kUnknown);
}

TEST_CASE("wal: zstd frames without a content size are read", "[wal]") {
  // klauspost/compress and other encoders may omit the size; build such a
  // frame with the streaming API.
  std::string input(100000, '\0');
  for (size_t i = 0; i < input.size(); ++i) input[i] = static_cast<char>("abcdefgh"[i % 8] + (i / 1000) % 3);
  ZSTD_CCtx* cctx = ZSTD_createCCtx();
  ZSTD_CCtx_setParameter(cctx, ZSTD_c_contentSizeFlag, 0);
  std::string out(ZSTD_compressBound(input.size()), '\0');
  ZSTD_inBuffer in{input.data(), input.size(), 0};
  ZSTD_outBuffer ob{out.data(), out.size(), 0};
  size_t rc = ZSTD_compressStream2(cctx, &ob, &in, ZSTD_e_end);
  REQUIRE(rc == 0);
  ZSTD_freeCCtx(cctx);
  out.resize(ob.pos);
  REQUIRE(ZSTD_getFrameContentSize(out.data(), out.size()) == ZSTD_CONTENTSIZE_UNKNOWN);
  Decompressor d;
  auto got = d.Decompress(Compression::kZstd, out);
  REQUIRE(got.ok());
  CHECK(*got == input);
  // Two frames back to back decode as their concatenation.
  Compressor c(Compression::kZstd, 3);
  std::string two = std::string(*c.Compress("hello ")) ;
  two += std::string(*c.Compress("world"));
  got = d.Decompress(Compression::kZstd, two);
  REQUIRE(got.ok());
  CHECK(*got == "hello world");
  // Garbage and truncation are errors, not crashes.
  CHECK(absl::IsDataLoss(d.Decompress(Compression::kZstd, out.substr(0, out.size() / 2)).status()));
  CHECK(absl::IsDataLoss(d.Decompress(Compression::kZstd, "not zstd at all").status()));
  CHECK(absl::IsDataLoss(d.Decompress(Compression::kSnappy, "\xff\xff\xff\xff\xff").status()));
}

TEST_CASE("wal: corruption travels inside a status", "[wal]") {
  Corruption c{"/data/wal", 12, 4096, "unexpected checksum 1, expected 2"};
  absl::Status st = c.ToStatus();
  CHECK(absl::IsDataLoss(st));
  CHECK(st.message() == "corruption in segment /data/wal/00000012 at 4096: unexpected checksum 1, expected 2");
  auto back = AsCorruption(st);
  REQUIRE(back.has_value());
  CHECK(back->dir == c.dir);
  CHECK(back->segment == 12);
  CHECK(back->offset == 4096);
  CHECK(back->reason == c.reason);
  CHECK(!AsCorruption(absl::DataLossError("x")).has_value());
  CHECK(ParseCompression("zstd").value() == Compression::kZstd);
  CHECK(ParseCompression("").value() == Compression::kNone);
  CHECK(!ParseCompression("gzip").ok());
  CHECK(SegmentName("/d", 7) == "/d/00000007");
  CHECK(ParseSegmentName("00000007") == 7);
  CHECK(ParseSegmentName("123456789") == 123456789);
  CHECK(!ParseSegmentName("0000007").has_value());
  CHECK(!ParseSegmentName("012345678").has_value());
}

TEST_CASE("wal: torn tail is repaired and everything before it kept", "[wal]") {
  TempDir tmp;
  std::vector<std::string> want;
  {
    auto w = WAL::Open(tmp.str(), Opts(Compression::kNone, 4 * kPageSize));
    REQUIRE(w.ok());
    for (int i = 0; i < 20; ++i) {
      want.push_back("rec" + std::to_string(i) + std::string(5000, 'a' + i % 26));
      REQUIRE((*w)->Log({want.back()}).ok());
    }
    REQUIRE((*w)->Close().ok());
  }
  auto range = Segments(tmp.str());
  REQUIRE(range.ok());
  std::string last = SegmentName(tmp.str(), range->second);
  // Cut the last segment in the middle of its last record.
  std::string data = ReadFile(last);
  size_t end = data.find_last_not_of('\0') + 1;
  fs::resize_file(last, end - 100);

  auto w = WAL::Open(tmp.str(), Opts(Compression::kNone, 4 * kPageSize));
  REQUIRE(w.ok());
  auto r = Reader::Open(tmp.str());
  REQUIRE(r.ok());
  std::vector<std::string> got;
  while ((*r)->Next()) got.emplace_back((*r)->Record());
  REQUIRE((*r)->corruption().has_value());
  CHECK((*r)->corruption()->segment == range->second);
  CHECK_THAT((*r)->corruption()->reason, Catch::Contains("checksum"));
  want.pop_back();
  CHECK(got == want);

  REQUIRE((*w)->Repair(*(*r)->corruption()).ok());
  REQUIRE((*w)->Log({"after repair"}).ok());
  REQUIRE((*w)->Close().ok());
  auto rr = ReadAll(tmp.str());
  REQUIRE(rr.status.ok());
  want.push_back("after repair");
  CHECK(rr.records == want);
}

TEST_CASE("wal: checkpoint keeps live series, recent samples and their tombstones", "[wal][checkpoint]") {
  TempDir tmp;
  auto logger = NewNopLogger();
  auto w = WAL::Open(tmp.str(), Opts(Compression::kSnappy, 4 * kPageSize));
  REQUIRE(w.ok());
  auto log_batch = [&](int seg) {
    std::vector<record::RefSeries> series;
    for (SeriesRef ref = 1; ref <= 10; ++ref) {
      series.push_back({ref + 100 * static_cast<SeriesRef>(seg),
                        Labels{{"__name__", "m"}, {"i", std::to_string(ref + 100 * seg)}}});
    }
    std::vector<record::RefSample> samples;
    for (int t = 0; t < 100; ++t) samples.push_back({static_cast<SeriesRef>(t % 10 + 1 + 100 * seg), t + 100 * seg, 1.0 * t});
    std::vector<record::Stone> stones = {{static_cast<SeriesRef>(2 + 100 * seg), 0, 10 + 100 * seg},
                                         {static_cast<SeriesRef>(3 + 100 * seg), 0, 1000},
                                         {static_cast<SeriesRef>(4 + 100 * seg), 60 + 100 * seg, 70 + 100 * seg}};
    std::string a, b, c;
    record::EncodeSeries(series, &a);
    record::EncodeSamples(samples, &b);
    record::EncodeTombstones(stones, &c);
    std::string exemplar = std::string("\x04", 1) + "opaque";
    REQUIRE((*w)->Log({a, b, c, exemplar}).ok());
  };
  for (int seg = 0; seg < 4; ++seg) {
    log_batch(seg);
    REQUIRE((*w)->NextSegment().ok());
  }
  // Keep even refs; samples from t=150 on.
  auto keep = [](SeriesRef r) { return r % 2 == 0; };
  auto stats = Checkpoint(*logger, **w, 0, 2, keep, 150);
  REQUIRE(stats.ok());
  CHECK(stats->total_series == 30);
  CHECK(stats->dropped_series == 15);
  CHECK(stats->total_samples == 300);
  CHECK(stats->dropped_samples == 150);
  CHECK(stats->dropped_other == 3);
  CHECK(fs::is_directory(tmp.str() + "/checkpoint.00000002"));
  CHECK(!fs::exists(tmp.str() + "/checkpoint.00000002.tmp"));
  auto last = LastCheckpoint(tmp.str());
  REQUIRE(last.ok());
  CHECK(last->first == tmp.str() + "/checkpoint.00000002");
  CHECK(last->second == 2);

  auto check_contents = [&](const std::string& cpdir, Timestamp mint, int max_seg) {
    auto r = ReadAll(cpdir);
    REQUIRE(r.status.ok());
    std::vector<SeriesRef> series_refs;
    int64_t samples = 0;
    std::vector<record::Stone> stones;
    for (const std::string& rec : r.records) {
      switch (record::GetType(rec)) {
        case record::Type::kSeries: {
          std::vector<record::RefSeries> s;
          REQUIRE(record::DecodeSeries(rec, &s).ok());
          for (auto& x : s) {
            CHECK(x.labels.Get("i") == std::to_string(x.ref));
            series_refs.push_back(x.ref);
          }
          break;
        }
        case record::Type::kSamples: {
          std::vector<record::RefSample> s;
          REQUIRE(record::DecodeSamples(rec, &s).ok());
          for (auto& x : s) CHECK(x.t >= mint);
          samples += static_cast<int64_t>(s.size());
          break;
        }
        case record::Type::kTombstones: {
          REQUIRE(record::DecodeTombstones(rec, &stones).ok());
          break;
        }
        default:
          FAIL("unexpected record type in checkpoint");
      }
    }
    std::vector<SeriesRef> want_refs;
    for (int seg = 0; seg <= max_seg; ++seg) {
      for (SeriesRef ref = 2; ref <= 10; ref += 2) want_refs.push_back(ref + 100 * static_cast<SeriesRef>(seg));
    }
    CHECK(series_refs == want_refs);
    int64_t want_samples = 0;
    for (int seg = 0; seg <= max_seg; ++seg) {
      for (int t = 0; t < 100; ++t) want_samples += (t + 100 * seg >= mint);
    }
    CHECK(samples == want_samples);
    for (const auto& s : stones) {
      CHECK(s.ref % 2 == 0);
      CHECK(s.maxt >= mint);
    }
  };
  check_contents(last->first, 150, 2);
  CHECK(ReadAll(last->first).records.size() > 0);

  // The next checkpoint starts from the previous one.
  REQUIRE((*w)->Truncate(3).ok());
  stats = Checkpoint(*logger, **w, 3, 3, keep, 250);
  REQUIRE(stats.ok());
  check_contents(tmp.str() + "/checkpoint.00000003", 250, 3);
  // A gap between the last checkpoint and `from` is refused.
  CHECK(absl::IsFailedPrecondition(Checkpoint(*logger, **w, 6, 6, keep, 0).status()));

  REQUIRE(DeleteCheckpoints(tmp.str(), 3).ok());
  CHECK(!fs::exists(tmp.str() + "/checkpoint.00000002"));
  CHECK(fs::exists(tmp.str() + "/checkpoint.00000003"));
  last = LastCheckpoint(tmp.str());
  REQUIRE(last.ok());
  CHECK(last->second == 3);

  // The usual replay: checkpoint, then the segments after it.
  auto all = ReadAll({SegmentRange{last->first, -1, -1}, SegmentRange{tmp.str(), last->second + 1, -1}});
  CHECK(all.status.ok());
  REQUIRE((*w)->Close().ok());

  TempDir empty;
  CHECK(absl::IsNotFound(LastCheckpoint(empty.str()).status()));
}

TEST_CASE("wal: reader accepts and rejects fragment streams as Prometheus' reader does", "[wal]") {
  // Hand-built fragment sequences (the cases of Prometheus' reader tests,
  // re-expressed): raw fragments are concatenated into one segment file.
  std::string data(100000, '\0');
  for (size_t i = 0; i < data.size(); ++i) data[i] = static_cast<char>(i * 7 + 3);
  auto frag = [&](uint8_t type, size_t from, size_t to) {
    std::string_view b(data.data() + from, to - from);
    return Header(type, static_cast<uint16_t>(b.size()), crc32c::Value(b.data(), b.size())) + std::string(b);
  };
  auto pad = [](size_t n) { return std::string(1 + n, '\0'); };
  auto d = [&](size_t from, size_t to) { return data.substr(from, to - from); };
  struct Case {
    std::string name;
    std::string stream;
    std::vector<std::string> want;
    bool fail;
  };
  std::vector<Case> cases = {
      {"valid sequence with padding between fragments of one record",
       frag(1, 0, 200) + frag(2, 200, 300) + frag(4, 300, 400) + frag(2, 400, 800) + frag(3, 800, 900) +
           pad(kPageSize - 900 - 7 * 5 - 1) + frag(4, 900, 900) + frag(2, 900, 1000) + frag(3, 1000, 1200) +
           frag(3, 1200, 30000) + frag(3, 30000, 30001) + frag(3, 30001, 30001) + frag(4, 30001, 32000),
       {d(0, 200), d(200, 400), d(400, 900), d(900, 32000)},
       false},
      {"a full page", frag(1, 0, kPageSize - 7), {d(0, kPageSize - 7)}, false},
      {"more than a page in one fragment", frag(1, 0, kPageSize + 1), {}, true},
      // Crosses a page boundary; Prometheus' reader accepts it.
      {"two half-page records", frag(1, 0, kPageSize / 2) + frag(1, 0, kPageSize / 2),
       {d(0, kPageSize / 2), d(0, kPageSize / 2)}, false},
      {"middle first", frag(3, 0, 200), {}, true},
      {"last first", frag(4, 0, 200), {}, true},
      {"full after first", frag(2, 0, 200) + frag(1, 200, 400), {}, true},
      {"full after middle", frag(2, 0, 100) + frag(3, 100, 200) + frag(1, 200, 400), {}, true},
      {"non-zero byte in padding", frag(1, 0, 100) + pad(kPageSize - 7 - 102) + std::string(1, '\1'),
       {d(0, 100)}, true},
      {"first without last at the end", frag(1, 0, 10) + frag(2, 10, 20), {d(0, 10)}, true},
      {"reserved header bits", std::string(1, '\x21') + frag(1, 0, 10).substr(1), {}, true},
  };
  for (const Case& c : cases) {
    INFO(c.name);
    TempDir tmp;
    WriteFile(tmp.str() + "/00000000", c.stream);
    auto r = ReadAll(tmp.str());
    CHECK(r.records == c.want);
    CHECK(r.status.ok() == !c.fail);
    if (c.fail) CHECK(AsCorruption(r.status).has_value());
  }
}

TEST_CASE("wal: sync_on_log", "[wal]") {
  TempDir tmp;
  WALOptions o = Opts(Compression::kZstd, 2 * kPageSize);
  o.sync_on_log = true;
  auto w = WAL::Open(tmp.str(), o);
  REQUIRE(w.ok());
  std::vector<std::string> want;
  for (int i = 0; i < 50; ++i) {
    want.push_back(std::string(static_cast<size_t>(i) * 300, static_cast<char>('a' + i % 26)));
    REQUIRE((*w)->Log({want.back()}).ok());
  }
  REQUIRE((*w)->Sync().ok());
  REQUIRE((*w)->Close().ok());
  auto r = ReadAll(tmp.str());
  REQUIRE(r.status.ok());
  CHECK(r.records == want);
}
