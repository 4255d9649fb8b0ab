#include "promlite/tsdb/storage.h"

namespace promlite::tsdb {
namespace {

class StaticSeriesSet final : public SeriesSet {
 public:
  explicit StaticSeriesSet(absl::Status st) : st_(std::move(st)) {}
  bool Next() override { return false; }
  const Series& At() const override { std::abort(); }
  absl::Status Err() const override { return st_; }

 private:
  absl::Status st_;
};

constexpr char kAppendErrorPayload[] = "type.promlite.dev/tsdb.append_error";

absl::Status AppendError(absl::string_view kind, std::string msg, std::string_view detail) {
  if (!detail.empty()) {
    msg.append(": ");
    msg.append(detail);
  }
  absl::Status st = absl::InvalidArgumentError(msg);
  st.SetPayload(kAppendErrorPayload, absl::Cord(kind));
  return st;
}

bool HasAppendError(const absl::Status& st, absl::string_view kind) {
  auto p = st.GetPayload(kAppendErrorPayload);
  return p.has_value() && *p == kind;
}

}  // namespace

void SampleIterator::ReadUntil(Timestamp maxt, std::vector<Sample>* out) {
  while (Next()) {
    Timestamp t = AtT();
    if (t > maxt) return;
    out->push_back(Sample{t, AtV()});
  }
}

std::unique_ptr<SeriesSet> EmptySeriesSet() { return std::make_unique<StaticSeriesSet>(absl::OkStatus()); }
std::unique_ptr<SeriesSet> ErrorSeriesSet(absl::Status st) {
  return std::make_unique<StaticSeriesSet>(std::move(st));
}

absl::Status ErrOutOfOrderSample(std::string_view detail) {
  return AppendError("ooo", "out of order sample", detail);
}
absl::Status ErrDuplicateSampleForTimestamp(std::string_view detail) {
  return AppendError("dup", "duplicate sample for timestamp", detail);
}
absl::Status ErrOutOfBounds(std::string_view detail) { return AppendError("oob", "out of bounds", detail); }
absl::Status ErrUnknownSeriesRef(std::string_view detail) {
  return AppendError("ref", "unknown series ref and no labels", detail);
}
bool IsOutOfOrder(const absl::Status& st) { return HasAppendError(st, "ooo"); }
bool IsUnknownSeriesRef(const absl::Status& st) { return HasAppendError(st, "ref"); }
bool IsDuplicateSample(const absl::Status& st) { return HasAppendError(st, "dup"); }
bool IsOutOfBounds(const absl::Status& st) { return HasAppendError(st, "oob"); }

}  // namespace promlite::tsdb
