// The block index in Prometheus' format v2 (tsdb/docs/format/index.md):
// symbol table, series with chunk metas (16-byte aligned, id = offset / 16),
// label indices, postings, label and postings offset tables and a TOC, every
// section with a CRC32C. The writer keeps postings in memory (4 bytes per
// label pair of a series); the reader works on a read-only memory map.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "fileutil/file_writer.h"
#include "fileutil/fileutil.h"
#include "index/encbuf.h"
#include "promlite/tsdb/labels.h"
#include "promlite/tsdb/sample.h"

namespace promlite::tsdb::index {

inline constexpr uint32_t kMagicIndex = 0xBAAAD700;
inline constexpr uint8_t kFormatV2 = 2;
inline constexpr size_t kTocLen = 6 * 8 + 4;

// A chunk of a series as the index describes it: closed time range and the
// chunk's position in the block's segment files (segment << 32 | offset).
struct ChunkMeta {
  Timestamp mint = 0;
  Timestamp maxt = 0;
  uint64_t ref = 0;
};

struct TOC {
  uint64_t symbols = 0, series = 0, label_indices = 0, label_indices_table = 0, postings = 0, postings_table = 0;
};

class IndexWriter {
 public:
  static absl::StatusOr<std::unique_ptr<IndexWriter>> Create(const std::string& path);

  // Every label name and value of the series to come, sorted and unique.
  absl::Status AddSymbols(std::vector<std::string> symbols);
  // Series in strictly increasing label order, chunks in time order.
  absl::Status AddSeries(const Labels& lset, std::span<const ChunkMeta> chunks);
  // Writes label indices, postings, offset tables and TOC; fsyncs.
  absl::Status Close();

  uint64_t num_series() const { return num_series_; }

 private:
  IndexWriter() = default;
  absl::Status FinishSymbols();
  absl::Status WriteSection(const Encbuf& body, bool align4);
  uint32_t SymbolRef(std::string_view s, bool* ok) const;

  std::unique_ptr<fileutil::FileWriter> f_;
  TOC toc_;
  std::vector<std::string> symbols_;
  absl::flat_hash_map<std::string_view, uint32_t> symbol_refs_;
  bool symbols_done_ = false;
  Labels last_;
  uint64_t num_series_ = 0;
  // (name ref << 32 | value ref) -> series ids.
  absl::flat_hash_map<uint64_t, std::vector<uint32_t>> postings_;
  std::vector<uint32_t> all_;
  Encbuf buf_;
};

// Reads an index from a mapped file. Open checks the header, the TOC, the
// symbol table and the postings offset table (their CRCs); series entries
// and postings lists are checked when they are read.
class IndexReader {
 public:
  static absl::StatusOr<std::unique_ptr<IndexReader>> Open(std::shared_ptr<fileutil::MmapFile> file);

  // Labels and chunk metas of series `id`; `labels` views point into the map.
  absl::Status Series(uint32_t id, std::vector<std::pair<std::string_view, std::string_view>>* labels,
                      std::vector<ChunkMeta>* chunks) const;
  // Union of the postings of name=value for every value (ids ascending).
  absl::Status Postings(std::string_view name, std::span<const std::string_view> values,
                        std::vector<uint32_t>* out) const;
  absl::Status AllPostings(std::vector<uint32_t>* out) const;
  // Sorted values of a label name / sorted names (without the all-postings key).
  std::vector<std::string_view> LabelValues(std::string_view name) const;
  std::vector<std::string_view> LabelNames() const;
  bool HasLabelName(std::string_view name) const;
  absl::StatusOr<std::string_view> Symbol(uint32_t ref) const;
  size_t num_symbols() const { return symbol_offsets_.size(); }
  // Calls f for every symbol in order.
  template <typename F>
  void ForEachSymbol(F&& f) const {
    for (uint32_t i = 0; i < symbol_offsets_.size(); i++) {
      auto s = Symbol(i);
      if (s.ok()) f(*s);
    }
  }
  // Bytes of each postings list by label pair (for analyze).
  size_t size() const { return file_->size(); }
  const TOC& toc() const { return toc_; }

 private:
  struct NameEntry {
    std::string_view name;
    uint32_t first;  // into value_offsets_
    uint32_t count;
  };
  IndexReader() = default;
  std::string_view ValueAt(uint32_t table_off, uint64_t* postings_off) const;
  const NameEntry* FindName(std::string_view name) const;
  absl::Status ReadPostingsList(uint64_t off, std::vector<uint32_t>* out) const;

  std::shared_ptr<fileutil::MmapFile> file_;
  const uint8_t* b_ = nullptr;
  size_t n_ = 0;
  TOC toc_;
  std::vector<uint32_t> symbol_offsets_;  // absolute offsets of each symbol
  std::vector<NameEntry> names_;           // sorted by name
  std::vector<uint32_t> value_offsets_;    // absolute offsets of postings table entries
};

}  // namespace promlite::tsdb::index
