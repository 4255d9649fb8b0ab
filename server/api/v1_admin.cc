#include "api/v1_admin.h"

#include <chrono>
#include <ctime>
#include <random>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "api/params.h"
#include "api/v1.h"
#include "promlite/promql/parser.h"

namespace promlite::server {
namespace {

bool ParseBool(const std::string& v, bool* out) {
  if (v == "1" || v == "t" || v == "T" || v == "true" || v == "TRUE" || v == "True") return *out = true, true;
  if (v == "0" || v == "f" || v == "F" || v == "false" || v == "FALSE" || v == "False") return *out = false, true;
  return false;
}

void Snapshot(tsdb::DB* db, const HttpRequest& req, HttpResponse* res) {
  bool skip_head = false;
  if (req.HasParam("skip_head") && !ParseBool(req.Param("skip_head"), &skip_head)) {
    return RespondError(res, ErrorType::kBadData,
                        absl::StrCat("unable to parse boolean 'skip_head' argument: strconv.ParseBool: parsing \"",
                                     req.Param("skip_head"), "\": invalid syntax"));
  }
  std::time_t now = std::time(nullptr);
  std::tm tm;
  gmtime_r(&now, &tm);
  char ts[32];
  std::strftime(ts, sizeof ts, "%Y%m%dT%H%M%SZ", &tm);
  std::random_device rd;
  uint64_t r = (uint64_t{rd()} << 32) | rd();
  std::string name = absl::StrFormat("%s-%016x", ts, r);
  std::string dir = absl::StrCat(db->dir(), "/snapshots/", name);
  if (absl::Status st = db->Snapshot(dir, !skip_head); !st.ok()) {
    return RespondError(res, ErrorType::kInternal, absl::StrCat("create snapshot: ", st.message()));
  }
  RespondData(res, absl::StrCat("{\"name\":\"", name, "\"}"));
}

void DeleteSeries(tsdb::DB* db, const HttpRequest& req, HttpResponse* res) {
  auto sets = req.Params("match[]");
  if (sets.empty()) return RespondError(res, ErrorType::kBadData, "no match[] parameter provided");
  int64_t start = kApiMinTimeMs, end = kApiMaxTimeMs;
  if (req.HasParam("start")) {
    auto t = ParseTimeParam(req.Param("start"));
    if (!t.ok()) return RespondError(res, ErrorType::kBadData, InvalidParam("start", t.status()).message());
    start = *t;
  }
  if (req.HasParam("end")) {
    auto t = ParseTimeParam(req.Param("end"));
    if (!t.ok()) return RespondError(res, ErrorType::kBadData, InvalidParam("end", t.status()).message());
    end = *t;
  }
  for (const auto& m : sets) {
    auto ms = promql::ParseMetricSelector(m);
    if (!ms.ok()) return RespondError(res, ErrorType::kBadData, ms.status().message());
    if (absl::Status st = db->DeleteSeries(*ms, start, end); !st.ok()) {
      return RespondError(res, ErrorType::kInternal, st.message());
    }
  }
  res->status = 204;
  res->body.clear();
}

void CleanTombstones(tsdb::DB* db, const HttpRequest&, HttpResponse* res) {
  if (absl::Status st = db->CleanTombstones(); !st.ok()) {
    return RespondError(res, ErrorType::kInternal, st.message());
  }
  res->status = 204;
  res->body.clear();
}

}  // namespace

void RegisterAdminApi(HttpServer* s, tsdb::DB* db, bool enabled) {
  auto route = [&](const std::string& path, void (*fn)(tsdb::DB*, const HttpRequest&, HttpResponse*)) {
    HttpHandler h = [db, enabled, fn](const HttpRequest& req, HttpResponse* res) {
      if (!enabled) return RespondError(res, ErrorType::kUnavailable, "admin APIs disabled");
      fn(db, req, res);
    };
    s->Post(path, h);
    s->Put(path, h);
  };
  route("/api/v1/admin/tsdb/snapshot", Snapshot);
  route("/api/v1/admin/tsdb/delete_series", DeleteSeries);
  route("/api/v1/admin/tsdb/clean_tombstones", CleanTombstones);
}

}  // namespace promlite::server
