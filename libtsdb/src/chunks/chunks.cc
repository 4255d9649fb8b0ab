#include "chunks/chunks.h"

#include <algorithm>
#include <cstdio>
#include <filesystem>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "index/encbuf.h"
#include "util/crc32c.h"

namespace promlite::tsdb::chunks {
namespace fs = std::filesystem;

std::string SegmentName(const std::string& dir, int seq) { return absl::StrFormat("%s/%06d", dir, seq); }

absl::StatusOr<std::unique_ptr<ChunkWriter>> ChunkWriter::Create(const std::string& dir, int64_t segment_size) {
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) return fileutil::Errno(ec.value(), "create directory", dir);
  std::unique_ptr<ChunkWriter> w(new ChunkWriter());
  w->dir_ = dir;
  w->segment_size_ = segment_size > 0 ? segment_size : kDefaultSegmentSize;
  return w;
}

absl::Status ChunkWriter::Cut() {
  if (f_) {
    if (absl::Status st = f_->Close(); !st.ok()) return st;
  }
  seq_++;
  auto f = fileutil::FileWriter::Create(SegmentName(dir_, seq_), 4 << 20);
  if (!f.ok()) return f.status();
  f_ = *std::move(f);
  index::Encbuf h;
  h.PutBE32(kMagicChunks);
  h.PutByte(1);
  h.PutByte(0);
  h.PutByte(0);
  h.PutByte(0);
  total_ += h.size();
  return f_->Write(h.str());
}

absl::StatusOr<uint64_t> ChunkWriter::Write(uint8_t encoding, std::string_view data) {
  uint64_t need = index::UvarintSize(data.size()) + 1 + data.size() + 4;
  if (!f_ || (f_->pos() > kSegmentHeaderSize && static_cast<int64_t>(f_->pos() + need) > segment_size_)) {
    if (absl::Status st = Cut(); !st.ok()) return st;
  }
  uint64_t ref = (static_cast<uint64_t>(seq_ - 1) << 32) | f_->pos();
  index::Encbuf b;
  b.PutUvarint(data.size());
  b.PutByte(encoding);
  b.PutBytes(data);
  uint32_t crc = crc32c::Extend(crc32c::Value(&encoding, 1), data.data(), data.size());
  b.PutBE32(crc);
  total_ += b.size();
  if (absl::Status st = f_->Write(b.str()); !st.ok()) return st;
  return ref;
}

absl::Status ChunkWriter::Close() {
  if (!f_) return fileutil::SyncDir(dir_);
  absl::Status st = f_->Close();
  f_.reset();
  if (!st.ok()) return st;
  return fileutil::SyncDir(dir_);
}

absl::StatusOr<std::unique_ptr<ChunkReader>> ChunkReader::Open(const std::string& dir) {
  std::error_code ec;
  std::vector<std::pair<int, std::string>> files;
  for (auto it = fs::directory_iterator(dir, ec); !ec && it != fs::directory_iterator(); it.increment(ec)) {
    std::string name = it->path().filename().string();
    if (name.empty() || !std::all_of(name.begin(), name.end(), [](char c) { return c >= '0' && c <= '9'; })) continue;
    files.emplace_back(std::atoi(name.c_str()), it->path().string());
  }
  if (ec) return fileutil::Errno(ec.value(), "read chunks directory", dir);
  std::sort(files.begin(), files.end());
  std::unique_ptr<ChunkReader> r(new ChunkReader());
  for (size_t i = 0; i < files.size(); i++) {
    if (files[i].first != static_cast<int>(i) + 1) {
      return absl::DataLossError(absl::StrCat("chunks ", dir, ": segment files are not numbered 1..n (missing ",
                                              i + 1, ")"));
    }
    auto m = fileutil::MmapFile::Open(files[i].second);
    if (!m.ok()) return m.status();
    const auto& f = **m;
    if (f.size() < kSegmentHeaderSize) {
      return absl::DataLossError(absl::StrCat("chunks segment ", f.path(), ": invalid segment header"));
    }
    if (index::BE32(f.data()) != kMagicChunks) {
      return absl::DataLossError(absl::StrCat("chunks segment ", f.path(), ": invalid magic number"));
    }
    if (f.data()[4] != 1) {
      return absl::DataLossError(absl::StrCat("chunks segment ", f.path(), ": invalid chunk format version"));
    }
    r->size_ += f.size();
    r->segs_.push_back(*std::move(m));
  }
  auto segs = std::make_shared<std::vector<std::shared_ptr<fileutil::MmapFile>>>(r->segs_);
  r->owner_ = segs;
  return r;
}

absl::StatusOr<ChunkData> ChunkReader::Chunk(uint64_t ref) const {
  size_t seg = static_cast<size_t>(ref >> 32);
  uint64_t off = ref & 0xffffffffu;
  if (seg >= segs_.size()) return absl::DataLossError(absl::StrCat("chunk ref ", ref, ": segment out of range"));
  const fileutil::MmapFile& f = *segs_[seg];
  if (off < kSegmentHeaderSize || off >= f.size()) {
    return absl::DataLossError(absl::StrCat("chunk ref ", ref, ": offset past the end of ", f.path()));
  }
  index::Decbuf d(f.data() + off, f.size() - off);
  uint64_t len = d.Uvarint();
  if (!d.ok() || len + 1 + 4 > d.len()) {
    return absl::DataLossError(absl::StrCat("chunk ref ", ref, " in ", f.path(), ": truncated"));
  }
  const uint8_t* p = d.ptr();
  if (crc32c::Value(p, len + 1) != index::BE32(p + 1 + len)) {
    return absl::DataLossError(absl::StrCat("chunk ref ", ref, " in ", f.path(), ": checksum mismatch"));
  }
  return ChunkData{p[0], p + 1, static_cast<size_t>(len)};
}

}  // namespace promlite::tsdb::chunks
