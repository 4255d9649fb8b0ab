// Prometheus' TSDB admin API: /api/v1/admin/tsdb/{snapshot,delete_series,clean_tombstones}.
#pragma once

#include "promlite/tsdb/db.h"
#include "web/http_server.h"

namespace promlite::server {

// Registers the admin endpoints (POST and PUT). When `enabled` is false
// (--web.enable-admin-api not given) they answer 503 "admin APIs disabled",
// as Prometheus does.
void RegisterAdminApi(HttpServer* s, tsdb::DB* db, bool enabled);

}  // namespace promlite::server
