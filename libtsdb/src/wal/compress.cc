#include "wal/compress.h"

#include <snappy.h>
#include <zstd.h>

#include <algorithm>
#include <cstring>

#include "absl/strings/str_cat.h"

namespace promlite::tsdb::wal {

void ByteBuffer::Reserve(size_t n, size_t keep) {
  if (n <= cap_) return;
  size_t cap = std::max(n, cap_ + cap_ / 2);
  std::unique_ptr<char[]> d(new char[cap]);
  if (keep > 0) std::memcpy(d.get(), data_.get(), std::min(keep, cap_));
  data_ = std::move(d);
  cap_ = cap;
}

Compressor::Compressor(Compression c, int zstd_level) : c_(c), zstd_level_(zstd_level) {}

Compressor::~Compressor() {
  if (zctx_ != nullptr) ZSTD_freeCCtx(zctx_);
}

absl::StatusOr<std::string_view> Compressor::Compress(std::string_view in) {
  switch (c_) {
    case Compression::kNone:
      return in;
    case Compression::kSnappy: {
      buf_.Reserve(snappy::MaxCompressedLength(in.size()));
      size_t n = 0;
      snappy::RawCompress(in.data(), in.size(), buf_.data(), &n);
      return std::string_view(buf_.data(), n);
    }
    case Compression::kZstd: {
      if (zctx_ == nullptr) {
        zctx_ = ZSTD_createCCtx();
        if (zctx_ == nullptr) return absl::ResourceExhaustedError("zstd: cannot allocate compression context");
        ZSTD_CCtx_setParameter(zctx_, ZSTD_c_compressionLevel, zstd_level_);
        // The frame records the decompressed size, so readers (ours and Go's)
        // can size their output exactly.
        ZSTD_CCtx_setParameter(zctx_, ZSTD_c_contentSizeFlag, 1);
      }
      buf_.Reserve(ZSTD_compressBound(in.size()));
      size_t n = ZSTD_compress2(zctx_, buf_.data(), buf_.capacity(), in.data(), in.size());
      if (ZSTD_isError(n)) {
        return absl::InternalError(absl::StrCat("zstd compress: ", ZSTD_getErrorName(n)));
      }
      return std::string_view(buf_.data(), n);
    }
  }
  return absl::InternalError("unknown compression");
}

Decompressor::Decompressor() = default;

Decompressor::~Decompressor() {
  if (zctx_ != nullptr) ZSTD_freeDCtx(zctx_);
}

absl::StatusOr<std::string_view> Decompressor::Decompress(Compression c, std::string_view in) {
  switch (c) {
    case Compression::kNone:
      return in;
    case Compression::kSnappy: {
      size_t n = 0;
      if (!snappy::GetUncompressedLength(in.data(), in.size(), &n)) {
        return absl::DataLossError("snappy: invalid uncompressed length header");
      }
      if (n > kMaxRecordSize) {
        return absl::DataLossError(absl::StrCat("snappy: uncompressed length ", n, " exceeds the limit"));
      }
      buf_.Reserve(std::max<size_t>(n, 1));
      if (!snappy::RawUncompress(in.data(), in.size(), buf_.data())) {
        return absl::DataLossError("snappy: corrupt input");
      }
      return std::string_view(buf_.data(), n);
    }
    case Compression::kZstd: {
      if (zctx_ == nullptr) {
        zctx_ = ZSTD_createDCtx();
        if (zctx_ == nullptr) return absl::ResourceExhaustedError("zstd: cannot allocate decompression context");
      }
      unsigned long long size = ZSTD_getFrameContentSize(in.data(), in.size());
      if (size == ZSTD_CONTENTSIZE_ERROR) return absl::DataLossError("zstd: not a valid zstd frame");
      // One frame with a declared size (what Prometheus and we write) is
      // decoded in one call; anything else goes through the streaming path.
      if (size != ZSTD_CONTENTSIZE_UNKNOWN && ZSTD_findFrameCompressedSize(in.data(), in.size()) == in.size()) {
        if (size > kMaxRecordSize) {
          return absl::DataLossError(absl::StrCat("zstd: decompressed size ", size, " exceeds the limit"));
        }
        buf_.Reserve(std::max<size_t>(size, 1));
        size_t n = ZSTD_decompressDCtx(zctx_, buf_.data(), size, in.data(), in.size());
        if (ZSTD_isError(n)) return absl::DataLossError(absl::StrCat("zstd: ", ZSTD_getErrorName(n)));
        if (n != size) return absl::DataLossError("zstd: decompressed size does not match the frame header");
        return std::string_view(buf_.data(), n);
      }
      // Frames written without a content size (allowed by the format): stream
      // into a growing buffer.
      ZSTD_DCtx_reset(zctx_, ZSTD_reset_session_only);
      ZSTD_inBuffer src{in.data(), in.size(), 0};
      size_t out_len = 0;
      buf_.Reserve(std::max<size_t>(in.size() * 4, 4096));
      for (;;) {
        ZSTD_outBuffer dst{buf_.data() + out_len, buf_.capacity() - out_len, 0};
        size_t rc = ZSTD_decompressStream(zctx_, &dst, &src);
        if (ZSTD_isError(rc)) return absl::DataLossError(absl::StrCat("zstd: ", ZSTD_getErrorName(rc)));
        out_len += dst.pos;
        if (rc == 0 && src.pos == src.size) break;  // frame complete, input consumed
        if (src.pos == src.size && dst.pos < dst.size) {
          return absl::DataLossError("zstd: truncated frame");
        }
        if (out_len >= kMaxRecordSize) return absl::DataLossError("zstd: decompressed size exceeds the limit");
        if (out_len == buf_.capacity()) buf_.Reserve(buf_.capacity() * 2, out_len);
      }
      return std::string_view(buf_.data(), out_len);
    }
  }
  return absl::InternalError("unknown compression");
}

}  // namespace promlite::tsdb::wal
