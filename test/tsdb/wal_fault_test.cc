// Damage and failure injection for the WAL: truncated and bit-flipped
// segments over many seeds, garbage segments, and write errors (a full disk
// simulated with RLIMIT_FSIZE in a child process, which works as root too).
#include <catch2/catch.hpp>
#include <signal.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "test_util.h"
#include "wal/dir.h"
#include "wal/reader.h"
#include "wal/wal.h"

using namespace promlite::tsdb;
using namespace promlite::tsdb::wal;
using promlite::testing::TempDir;
namespace fs = std::filesystem;

namespace {

constexpr size_t kSegSize = 3 * kPageSize;

std::string ReadFile(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(f), {});
}

void WriteFile(const std::string& path, std::string_view data) {
  std::ofstream f(path, std::ios::binary | std::ios::trunc);
  f.write(data.data(), static_cast<std::streamsize>(data.size()));
}

class CapturingLogger final : public Logger {
 public:
  void Log(LogLevel level, std::string_view component, std::string_view msg,
           std::initializer_list<LogField> fields) override {
    std::lock_guard<std::mutex> l(mu_);
    lines.push_back(FormatLogLine(LogFormat::kLogfmt, level, component, msg, fields));
  }
  std::vector<std::string> lines;

 private:
  std::mutex mu_;
};

// Record i starts with five 0xff bytes (an invalid length for snappy, not
// the zstd magic), so a flipped compression flag can never decode.
std::string MakeRecord(int i, std::mt19937_64& rng) {
  size_t size;
  switch (rng() % 8) {
    case 0: size = kPageSize + rng() % kPageSize; break;
    case 1: size = 20 + rng() % 20; break;
    default: size = 20 + rng() % 4000; break;
  }
  std::string s = "\xff\xff\xff\xff\xff#" + std::to_string(i) + "#";
  bool compressible = rng() % 4 == 0;
  while (s.size() < size) s.push_back(compressible ? static_cast<char>('a' + s.size() % 3) : static_cast<char>(rng()));
  return s;
}

struct Placed {
  std::string data;
  int segment;
  int64_t start;  // offset of the first fragment header
  int64_t end;    // offset just past the last fragment
};

struct BaseWAL {
  TempDir tmp;
  std::vector<Placed> records;
  int first = 0, last = 0;
};

// Writes a WAL of ~160 records and learns where each record lies.
void BuildBase(BaseWAL& b, Compression c, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::vector<std::string> recs;
  {
    WALOptions o;
    o.compression = c;
    o.segment_size = kSegSize;
    o.logger = NewNopLogger();
    auto w = WAL::Open(b.tmp.str(), o);
    REQUIRE(w.ok());
    for (int i = 0; i < 160;) {
      std::vector<std::string> batch;
      for (int n = 1 + static_cast<int>(rng() % 3); n > 0; --n) batch.push_back(MakeRecord(i++, rng));
      std::vector<std::string_view> v(batch.begin(), batch.end());
      REQUIRE((*w)->Log(v).ok());
      recs.insert(recs.end(), batch.begin(), batch.end());
    }
    REQUIRE((*w)->Close().ok());
  }
  auto r = Reader::Open(b.tmp.str());
  REQUIRE(r.ok());
  int64_t prev_end = 0;
  int prev_seg = -1;
  while ((*r)->Next()) {
    Placed p;
    p.data = std::string((*r)->Record());
    p.segment = (*r)->Segment();
    p.end = (*r)->Offset();
    int64_t e = p.segment == prev_seg ? prev_end : 0;
    // A record starts where the previous ended, unless fewer than 7 bytes
    // were left in that page.
    if (kPageSize - static_cast<size_t>(e) % kPageSize < kFragmentHeaderSize) {
      e = (e / static_cast<int64_t>(kPageSize) + 1) * static_cast<int64_t>(kPageSize);
    }
    p.start = e;
    prev_end = p.end;
    prev_seg = p.segment;
    b.records.push_back(std::move(p));
  }
  REQUIRE((*r)->status().ok());
  REQUIRE(b.records.size() == recs.size());
  for (size_t i = 0; i < recs.size(); ++i) REQUIRE(b.records[i].data == recs[i]);
  auto range = Segments(b.tmp.str());
  REQUIRE(range.ok());
  b.first = range->first;
  b.last = range->second;
  REQUIRE(b.last - b.first >= 5);
}

// Offsets of fragment header type bytes in a segment.
std::set<int64_t> HeaderOffsets(const std::string& seg) {
  std::set<int64_t> out;
  for (size_t page = 0; page < seg.size(); page += kPageSize) {
    size_t pos = 0;
    while (pos + kFragmentHeaderSize <= kPageSize && page + pos < seg.size() && seg[page + pos] != 0) {
      size_t len = (static_cast<uint8_t>(seg[page + pos + 1]) << 8) | static_cast<uint8_t>(seg[page + pos + 2]);
      out.insert(static_cast<int64_t>(page + pos));
      pos += kFragmentHeaderSize + len;
    }
  }
  return out;
}

struct Outcome {
  std::vector<std::string> records;
  absl::Status status;
  std::optional<Corruption> corruption;
};

Outcome ReadAll(const std::string& dir) {
  Outcome o;
  auto r = Reader::Open(dir);
  if (!r.ok()) {
    o.status = r.status();
    return o;
  }
  while ((*r)->Next()) o.records.emplace_back((*r)->Record());
  o.status = (*r)->status();
  o.corruption = (*r)->corruption();
  return o;
}

enum class Damage { kFlip, kTruncate };

// Damages a copy of the base WAL, checks what the reader returns, repairs,
// and checks that exactly the records before the damage survive.
void RunFault(const BaseWAL& base, Compression c, Damage kind, uint64_t seed) {
  std::mt19937_64 rng(seed * 7919 + 17);
  TempDir tmp;
  std::string dir = tmp.str() + "/wal";
  fs::copy(base.tmp.path(), dir, fs::copy_options::recursive);

  const int k = base.first + static_cast<int>(rng() % static_cast<uint64_t>(base.last - base.first + 1));
  const std::string seg = SegmentName(dir, k);
  std::string data = ReadFile(seg);
  REQUIRE(!data.empty());
  int64_t off = 0;
  if (kind == Damage::kFlip) {
    std::set<int64_t> headers = HeaderOffsets(data);
    do {
      off = static_cast<int64_t>(rng() % data.size());
      // The type byte of a fragment header is not covered by the CRC: with
      // compression on, clearing its compression flag turns a valid record
      // into its raw compressed bytes. That is a property of Prometheus'
      // format, so compressed WALs get flips everywhere else.
    } while (c != Compression::kNone && headers.count(off) > 0);
    data[static_cast<size_t>(off)] ^= static_cast<char>(1u << (rng() % 8));
    WriteFile(seg, data);
  } else {
    off = static_cast<int64_t>(rng() % data.size());
    fs::resize_file(seg, static_cast<uintmax_t>(off));
  }
  INFO("seed " << seed << " compression " << CompressionName(c) << (kind == Damage::kFlip ? " flip" : " truncate")
               << " segment " << k << " offset " << off);

  std::vector<std::string> before, later;
  bool straddled = false;
  for (const Placed& p : base.records) {
    if (p.segment < k || (p.segment == k && p.end <= off)) {
      before.push_back(p.data);
    } else if (p.segment > k) {
      later.push_back(p.data);
    } else if (p.start < off) {
      straddled = true;  // the damage falls inside this record
    }
  }

  Outcome o = ReadAll(dir);
  if (kind == Damage::kFlip) {
    // CRC32C catches every single-bit error in fragment data, and header and
    // padding bytes are all checked: a flip is always detected.
    REQUIRE(o.corruption.has_value());
  }
  if (straddled) REQUIRE(o.corruption.has_value());
  if (o.corruption) {
    REQUIRE(absl::IsDataLoss(o.status));
    CHECK(o.corruption->segment == k);
    CHECK(o.corruption->offset <= off);
    REQUIRE(o.records == before);
  } else {
    // A cut exactly between records, or in padding, is indistinguishable
    // from a crash after a complete write.
    REQUIRE(o.status.ok());
    std::vector<std::string> want = before;
    want.insert(want.end(), later.begin(), later.end());
    REQUIRE(o.records == want);
    return;
  }

  auto logger = std::make_shared<CapturingLogger>();
  WALOptions opts;
  opts.compression = c;
  opts.segment_size = kSegSize;
  opts.logger = logger;
  auto w = WAL::Open(dir, opts);
  REQUIRE(w.ok());
  REQUIRE((*w)->Repair(*o.corruption).ok());
  bool logged = false;
  for (const std::string& l : logger->lines) {
    if (l.find("msg=\"WAL repaired\"") != std::string::npos && l.find("component=wal") != std::string::npos &&
        l.find("dropped_bytes=") != std::string::npos && l.find("deleted_segments=") != std::string::npos) {
      logged = true;
    }
  }
  CHECK(logged);
  REQUIRE((*w)->Log({"written after repair"}).ok());
  REQUIRE((*w)->Close().ok());

  Outcome after = ReadAll(dir);
  REQUIRE(after.status.ok());
  std::vector<std::string> want = before;
  want.push_back("written after repair");
  REQUIRE(after.records == want);
  auto range = Segments(dir);
  REQUIRE(range.ok());
  CHECK(range->second == k + 1);
}

}  // namespace

TEST_CASE("wal fault: bit flips in uncompressed segments, 200 seeds", "[wal][fault]") {
  BaseWAL base;
  BuildBase(base, Compression::kNone, 1);
  for (uint64_t seed = 0; seed < 200; ++seed) RunFault(base, Compression::kNone, Damage::kFlip, seed);
}

TEST_CASE("wal fault: truncated segments, 200 seeds per compression", "[wal][fault]") {
  for (Compression c : {Compression::kNone, Compression::kSnappy, Compression::kZstd}) {
    BaseWAL base;
    BuildBase(base, c, 2);
    for (uint64_t seed = 0; seed < 200; ++seed) RunFault(base, c, Damage::kTruncate, seed);
  }
}

TEST_CASE("wal fault: bit flips in compressed segments, 200 seeds", "[wal][fault]") {
  for (Compression c : {Compression::kSnappy, Compression::kZstd}) {
    BaseWAL base;
    BuildBase(base, c, 3);
    for (uint64_t seed = 0; seed < 200; ++seed) RunFault(base, c, Damage::kFlip, seed);
  }
}

TEST_CASE("wal fault: garbage segments are reported, never a crash", "[wal][fault]") {
  std::mt19937_64 rng(99);
  for (int round = 0; round < 300; ++round) {
    TempDir tmp;
    std::string data(rng() % (3 * kPageSize), '\0');
    switch (round % 3) {
      case 0:  // pure noise
        for (char& ch : data) ch = static_cast<char>(rng());
        break;
      case 1:  // plausible headers with random lengths and types
        for (size_t i = 0; i + 7 < data.size(); i += 7 + rng() % 64) {
          data[i] = static_cast<char>(rng() % 0x20);
          data[i + 1] = static_cast<char>(rng() % 2 ? 0 : rng());
          data[i + 2] = static_cast<char>(rng());
        }
        break;
      case 2:  // sparse damage in zeros
        for (int i = 0; i < 3 && !data.empty(); ++i) data[rng() % data.size()] = static_cast<char>(rng());
        break;
    }
    WriteFile(tmp.str() + "/00000000", data);
    Outcome o = ReadAll(tmp.str());
    if (!o.status.ok()) {
      REQUIRE(o.corruption.has_value());
      CHECK(o.corruption->segment == 0);
    }
  }
}

TEST_CASE("wal fault: a Prometheus-style torn page in the middle of the WAL", "[wal][fault]") {
  // A crashed writer leaves a segment that ends inside a page; the next run
  // writes a new segment after it. Everything must read.
  TempDir tmp;
  WALOptions o;
  o.compression = Compression::kNone;
  o.logger = NewNopLogger();
  {
    auto w = WAL::Open(tmp.str(), o);
    REQUIRE(w.ok());
    REQUIRE((*w)->Log({"one", "two"}).ok());
    REQUIRE((*w)->Close().ok());
  }
  fs::resize_file(SegmentName(tmp.str(), 0), 10 + 10);  // both records, no padding
  {
    auto w = WAL::Open(tmp.str(), o);
    REQUIRE(w.ok());
    REQUIRE((*w)->Log({"three"}).ok());
    REQUIRE((*w)->Close().ok());
  }
  Outcome r = ReadAll(tmp.str());
  REQUIRE(r.status.ok());
  CHECK(r.records == std::vector<std::string>{"one", "two", "three"});
}

namespace {

// Runs `body` in a child whose files may not grow past `limit` bytes (write
// fails with EFBIG once SIGXFSZ is ignored): a full disk that root cannot
// bypass. The child reports through a pipe; returns what it wrote.
std::string RunWithFileSizeLimit(rlim_t limit, const std::function<std::string()>& body) {
  int fds[2];
  REQUIRE(pipe(fds) == 0);
  pid_t pid = fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    close(fds[0]);
    signal(SIGXFSZ, SIG_IGN);
    struct rlimit rl;
    getrlimit(RLIMIT_FSIZE, &rl);
    rl.rlim_cur = limit;
    if (setrlimit(RLIMIT_FSIZE, &rl) != 0) _exit(10);
    std::string out = body();
    size_t done = 0;
    while (done < out.size()) {
      ssize_t n = write(fds[1], out.data() + done, out.size() - done);
      if (n <= 0) _exit(11);
      done += static_cast<size_t>(n);
    }
    close(fds[1]);
    _exit(0);
  }
  close(fds[1]);
  std::string out;
  char buf[4096];
  ssize_t n;
  while ((n = read(fds[0], buf, sizeof buf)) > 0) out.append(buf, static_cast<size_t>(n));
  close(fds[0]);
  int status = 0;
  waitpid(pid, &status, 0);
  REQUIRE(WIFEXITED(status));
  REQUIRE(WEXITSTATUS(status) == 0);
  return out;
}

void RaiseFileSizeLimit() {
  struct rlimit rl;
  getrlimit(RLIMIT_FSIZE, &rl);
  rl.rlim_cur = rl.rlim_max;
  setrlimit(RLIMIT_FSIZE, &rl);
}

std::string BatchRecord(int batch, int i, size_t size) {
  std::string s = "batch " + std::to_string(batch) + " rec " + std::to_string(i) + " ";
  s.resize(size, static_cast<char>('a' + (batch + i) % 26));
  return s;
}

}  // namespace

TEST_CASE("wal fault: a full disk fails the batch cleanly and the WAL recovers", "[wal][fault]") {
  TempDir tmp;
  const std::string dir = tmp.str();
  // Child protocol: one line per event.
  std::string report = RunWithFileSizeLimit(100000, [&]() -> std::string {
    std::string out;
    WALOptions o;
    o.compression = Compression::kNone;
    o.segment_size = 1 << 20;
    o.logger = NewNopLogger();
    auto w = WAL::Open(dir, o);
    if (!w.ok()) return "open failed\n";
    int batch = 0;
    for (; batch < 1000; ++batch) {
      std::string a = BatchRecord(batch, 0, 1000), b = BatchRecord(batch, 1, 1000), c = BatchRecord(batch, 2, 1000);
      absl::Status st = (*w)->Log({a, b, c});
      if (!st.ok()) {
        out += "failed " + std::to_string(batch) + " code " + std::to_string(static_cast<int>(st.code())) + "\n";
        out += "msg " + std::string(st.message()) + "\n";
        break;
      }
    }
    // Still refused while the disk is full, but not broken.
    absl::Status again = (*w)->Log({BatchRecord(batch, 0, 1000)});
    out += "again " + std::string(again.ok() ? "ok" : "error") + "\n";
    RaiseFileSizeLimit();  // space is back
    for (int i = 0; i < 5; ++i) {
      if (!(*w)->Log({BatchRecord(5000 + i, 0, 1000)}).ok()) out += "post failed\n";
    }
    out += (*w)->Close().ok() ? "closed\n" : "close failed\n";
    return out;
  });
  INFO(report);
  int failed_batch = -1, code = -1;
  REQUIRE(sscanf(report.c_str(), "failed %d code %d", &failed_batch, &code) == 2);
  CHECK(code == static_cast<int>(absl::StatusCode::kResourceExhausted));
  CHECK(failed_batch > 10);
  CHECK_THAT(report, Catch::Contains(SegmentName(dir, 0)) && Catch::Contains("File too large"));
  CHECK_THAT(report, Catch::Contains("again error"));
  CHECK_THAT(report, !Catch::Contains("post failed"));
  CHECK_THAT(report, Catch::Contains("closed"));

  std::vector<std::string> want;
  for (int b = 0; b < failed_batch; ++b) {
    for (int i = 0; i < 3; ++i) want.push_back(BatchRecord(b, i, 1000));
  }
  for (int i = 0; i < 5; ++i) want.push_back(BatchRecord(5000 + i, 0, 1000));
  Outcome r = ReadAll(dir);
  REQUIRE(r.status.ok());
  CHECK(r.records.size() == want.size());
  CHECK(r.records == want);
}

TEST_CASE("wal fault: a batch that fails after rolling to a new segment is undone", "[wal][fault]") {
  TempDir tmp;
  const std::string dir = tmp.str();
  const size_t seg_size = 4 * kPageSize;
  std::string report = RunWithFileSizeLimit(200000, [&]() -> std::string {
    WALOptions o;
    o.compression = Compression::kNone;
    o.segment_size = seg_size;
    o.logger = NewNopLogger();
    auto w = WAL::Open(dir, o);
    if (!w.ok()) return "open failed\n";
    std::string out;
    for (int i = 0; i < 10; ++i) {
      if (!(*w)->Log({BatchRecord(i, 0, 10000)}).ok()) out += "setup failed\n";
    }
    // 20000 bytes still fit segment 0; the 300000-byte record does not fit
    // any segment, so it opens segment 1 and hits the 200000-byte limit there.
    std::string small = BatchRecord(100, 0, 20000), huge = BatchRecord(100, 1, 300000);
    absl::Status st = (*w)->Log({small, huge});
    out += st.ok() ? "huge ok\n" : "huge failed: " + std::string(st.message()) + "\n";
    auto last = (*w)->LastSegmentAndOffset();
    out += "segment " + std::to_string(last.ok() ? last->first : -1) + "\n";
    if (!(*w)->Log({BatchRecord(200, 0, 500)}).ok()) out += "next failed\n";
    out += (*w)->Close().ok() ? "closed\n" : "close failed\n";
    return out;
  });
  INFO(report);
  CHECK_THAT(report, Catch::Contains("huge failed") && Catch::Contains(SegmentName(dir, 1)));
  CHECK_THAT(report, Catch::Contains("segment 0"));
  CHECK_THAT(report, !Catch::Contains("setup failed") && !Catch::Contains("next failed"));
  CHECK_THAT(report, Catch::Contains("closed"));
  std::vector<std::string> want;
  for (int i = 0; i < 10; ++i) want.push_back(BatchRecord(i, 0, 10000));
  want.push_back(BatchRecord(200, 0, 500));
  Outcome r = ReadAll(dir);
  REQUIRE(r.status.ok());
  CHECK(r.records == want);
  auto range = Segments(dir);
  REQUIRE(range.ok());
  CHECK(*range == std::pair<int, int>{0, 0});
}

namespace {

// Sets or clears the immutable attribute (chattr +i). Needs CAP_LINUX_IMMUTABLE
// and a file system that supports it; false when that is not the case.
bool SetImmutable(const std::string& path, bool on) {
  int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return false;
  int flags = 0;
  bool ok = ioctl(fd, FS_IOC_GETFLAGS, &flags) == 0;
  if (ok) {
    flags = on ? (flags | FS_IMMUTABLE_FL) : (flags & ~FS_IMMUTABLE_FL);
    ok = ioctl(fd, FS_IOC_SETFLAGS, &flags) == 0;
  }
  close(fd);
  return ok;
}

}  // namespace

TEST_CASE("wal fault: a write error that cannot be undone fails the WAL clearly", "[wal][fault]") {
  TempDir tmp;
  WALOptions o;
  o.compression = Compression::kNone;
  o.logger = NewNopLogger();
  auto w = WAL::Open(tmp.str(), o);
  REQUIRE(w.ok());
  REQUIRE((*w)->Log({"before"}).ok());
  const std::string seg = SegmentName(tmp.str(), 0);
  if (!SetImmutable(seg, true)) {
    WARN("cannot set the immutable attribute here (needs root and ext4/xfs); skipping");
    return;
  }
  // Neither the write nor the truncation that would undo it is allowed.
  absl::Status st = (*w)->Log({std::string(50000, 'x')});
  CHECK(!st.ok());
  CHECK_THAT(std::string(st.message()), Catch::Contains(seg));
  absl::Status again = (*w)->Log({"after"});
  CHECK(absl::IsFailedPrecondition(again));
  CHECK_THAT(std::string(again.message()), Catch::Contains("failed and refuses writes"));
  CHECK(absl::IsFailedPrecondition((*w)->NextSegment().status()));
  REQUIRE(SetImmutable(seg, false));
  CHECK(!(*w)->Close().ok());  // reports the failure
  w->reset();
  // The refused write left nothing behind; what was acknowledged is there.
  Outcome r = ReadAll(tmp.str());
  REQUIRE(r.status.ok());
  CHECK(r.records == std::vector<std::string>{"before"});
}
