// Printing PromQL ASTs.
#pragma once

#include <string>

#include "promlite/promql/ast.h"
#include "promlite/tsdb/matcher.h"

namespace promlite::promql {

// The canonical one-line form of an expression, identical to Prometheus'
// Expr.String(): `sum by (job) (rate(x[5m]))`, `a + on (b) group_left (c) d`.
// Parsing the result gives back the same tree.
std::string Format(const Expr& e);

// The multi-line form of /api/v1/format_query (Prometheus' Prettify): nodes
// whose one-line form is longer than `max_line` characters are split over
// lines indented by two spaces per level.
std::string Prettify(const Expr& e, size_t max_line = 100);

// A matcher as PromQL writes it: name="value", with the name quoted when it
// is not a legacy label name and Go's escaping in the value.
std::string FormatMatcher(const tsdb::Matcher& m);

// A compact dump of the tree with every node's kind, fields and position,
// for tests and debugging, e.g. `Binary(+ card=one-to-one)[0:5]{Num(1)[0:1] Num(1)[4:5]}`.
std::string DumpTree(const Expr& e);

}  // namespace promlite::promql
