#include "remote/handlers.h"

#include <chrono>

#include "absl/strings/str_cat.h"
#include "remote/proto/remote.pb.h"
#include "snappy.h"

namespace promlite::server {
namespace {

constexpr int64_t kMaxAheadMs = 10 * 60 * 1000;

void PlainError(HttpResponse* res, int status, std::string msg) {
  res->status = status;
  res->content_type = "text/plain; charset=utf-8";
  res->body = std::move(msg);
  res->body.push_back('\n');
}

// Decompresses a snappy body; false (with the response set) on failure.
bool DecodeBody(const HttpRequest& req, std::string* out, HttpResponse* res) {
  std::string enc = req.Header("Content-Encoding");
  if (!enc.empty()) {
    for (auto& c : enc) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (enc != "snappy") {
      PlainError(res, 415, absl::StrCat(enc, " encoding (compression) is not accepted by this server; only snappy is acceptable"));
      return false;
    }
  }
  if (!snappy::Uncompress(req.body.data(), req.body.size(), out)) {
    PlainError(res, 400, "snappy: corrupt input");
    return false;
  }
  return true;
}

}  // namespace

RemoteHandlers::RemoteHandlers(tsdb::Storage* storage, std::shared_ptr<tsdb::Logger> logger, Registry* registry)
    : storage_(storage), logger_(std::move(logger)) {
  if (registry != nullptr) {
    invalid_labels_ = &registry->NewCounter(
        "prometheus_api_remote_write_invalid_labels_samples_total",
        "The total number of received remote write samples and histogram samples which were rejected due to invalid labels.");
    samples_received_ = &registry->NewCounter("promlite_remote_write_received_samples_total",
                                              "Samples accepted by the remote write receiver.");
  }
}

void RemoteHandlers::Write(const HttpRequest& req, HttpResponse* res) {
  std::string ct = req.Header("Content-Type");
  if (!ct.empty()) {
    std::string media = ct.substr(0, ct.find(';'));
    while (!media.empty() && media.back() == ' ') media.pop_back();
    if (media != "application/x-protobuf") {
      return PlainError(res, 415, absl::StrCat("expected application/x-protobuf as the first (media) part, got ", ct,
                                               " content-type"));
    }
    size_t p = ct.find("proto=");
    if (p != std::string::npos && ct.compare(p + 6, 23, "prometheus.WriteRequest") != 0) {
      return PlainError(res, 415, absl::StrCat(ct.substr(p + 6), " protobuf message is not accepted by this server; "
                                                                   "accepted [prometheus.WriteRequest]"));
    }
  }
  std::string raw;
  if (!DecodeBody(req, &raw, res)) return;
  prometheus::WriteRequest wr;
  if (!wr.ParseFromString(raw)) return PlainError(res, 400, "proto: cannot parse WriteRequest");

  int64_t max_t = std::chrono::duration_cast<std::chrono::milliseconds>(
                      std::chrono::system_clock::now().time_since_epoch())
                      .count() +
                  kMaxAheadMs;
  auto app = storage_->NewAppender();
  uint64_t invalid = 0, appended = 0;
  std::vector<std::pair<std::string_view, std::string_view>> pairs;
  for (const auto& ts : wr.timeseries()) {
    pairs.clear();
    for (const auto& l : ts.labels()) pairs.emplace_back(l.name(), l.value());
    tsdb::Labels ls = tsdb::Labels::FromPairs(pairs);
    if (!ls.Has(tsdb::kMetricName) || !ls.Validate().ok()) {
      logger_->Warn("web", "Invalid metric names or labels", {{"got", ls.ToString()}});
      invalid += static_cast<uint64_t>(ts.samples_size());
      continue;
    }
    tsdb::SeriesRef ref = 0;
    for (const auto& s : ts.samples()) {
      absl::StatusOr<tsdb::SeriesRef> r =
          s.timestamp() > max_t ? absl::StatusOr<tsdb::SeriesRef>(tsdb::ErrOutOfBounds()) : app->Append(ref, ls, s.timestamp(), s.value());
      if (!r.ok()) {
        app->Rollback().IgnoreError();
        const absl::Status& st = r.status();
        if (tsdb::IsOutOfOrder(st) || tsdb::IsOutOfBounds(st) || tsdb::IsDuplicateSample(st)) {
          logger_->Error("web", "Out of order sample from remote write",
                         {{"err", std::string(st.message())}, {"series", ls.ToString()},
                          {"timestamp", std::to_string(s.timestamp())}});
          return PlainError(res, 400, std::string(st.message()));
        }
        return PlainError(res, 500, std::string(st.message()));
      }
      ref = *r;
      appended++;
    }
  }
  if (absl::Status st = app->Commit(); !st.ok()) return PlainError(res, 500, std::string(st.message()));
  if (invalid_labels_ && invalid > 0) invalid_labels_->Inc(static_cast<double>(invalid));
  if (samples_received_) samples_received_->Inc(static_cast<double>(appended));
  res->status = 204;
  res->content_type = "text/plain";
  res->body.clear();
}

void RemoteHandlers::Read(const HttpRequest& req, HttpResponse* res) {
  std::string raw;
  if (!DecodeBody(req, &raw, res)) return;
  prometheus::ReadRequest rr;
  if (!rr.ParseFromString(raw)) return PlainError(res, 400, "proto: cannot parse ReadRequest");
  prometheus::ReadResponse out;
  for (const auto& q : rr.queries()) {
    std::vector<tsdb::Matcher> ms;
    for (const auto& m : q.matchers()) {
      tsdb::MatchType t = m.type() == prometheus::LabelMatcher::NEQ  ? tsdb::MatchType::kNotEqual
                          : m.type() == prometheus::LabelMatcher::RE  ? tsdb::MatchType::kRegexMatch
                          : m.type() == prometheus::LabelMatcher::NRE ? tsdb::MatchType::kRegexNoMatch
                                                                      : tsdb::MatchType::kEqual;
      auto mm = tsdb::Matcher::Make(t, m.name(), m.value());
      if (!mm.ok()) return PlainError(res, 400, std::string(mm.status().message()));
      ms.push_back(*std::move(mm));
    }
    auto querier = storage_->NewQuerier(q.start_timestamp_ms(), q.end_timestamp_ms());
    if (!querier.ok()) return PlainError(res, 500, std::string(querier.status().message()));
    auto* result = out.add_results();
    auto ss = (*querier)->Select(true, nullptr, ms);
    while (ss->Next()) {
      auto* ts = result->add_timeseries();
      const auto& l = ss->At().labels();
      for (size_t i = 0; i < l.size(); i++) {
        auto* lb = ts->add_labels();
        lb->set_name(std::string(l[i].name));
        lb->set_value(std::string(l[i].value));
      }
      auto it = ss->At().Iterator();
      while (it->Next()) {
        auto* smp = ts->add_samples();
        smp->set_timestamp(it->AtT());
        smp->set_value(it->AtV());
      }
      if (!it->Err().ok()) return PlainError(res, 500, std::string(it->Err().message()));
    }
    if (!ss->Err().ok()) return PlainError(res, 500, std::string(ss->Err().message()));
  }
  std::string pb = out.SerializeAsString();
  res->body.clear();
  snappy::Compress(pb.data(), pb.size(), &res->body);
  res->status = 200;
  res->content_type = "application/x-protobuf";
  res->headers.emplace_back("Content-Encoding", "snappy");
}

}  // namespace promlite::server
