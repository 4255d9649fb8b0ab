// /api/v1/rules, /api/v1/alerts and /api/v1/alertmanagers with Prometheus'
// JSON shapes.
#pragma once

#include <string>

#include "promlite/promql/rules.h"
#include "rules/notifier.h"
#include "web/http_server.h"

namespace promlite::server {

// Registers the three GET endpoints. Both pointers must outlive `s`'s
// serving (they are owned by the server next to it).
void RegisterRulesApi(HttpServer* s, promql::RuleManager* rules, Notifier* notifier);

// Go's time.Time JSON (RFC 3339 with trimmed fractional seconds, UTC);
// kNoTime is Go's zero time "0001-01-01T00:00:00Z".
std::string GoTimeJson(int64_t ms);
// Go's strconv.FormatFloat(v, 'e', -1, 64).
std::string FormatFloatE(double v);

}  // namespace promlite::server
