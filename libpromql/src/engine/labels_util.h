// Label-set helpers with Prometheus' semantics: its text form, its hash
// (needed where the hash value decides a result, as in limit_ratio), the
// metadata labels (__name__, __type__, __unit__) and matching signatures.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "promlite/tsdb/labels.h"

namespace promlite::promql::engine {

inline constexpr std::string_view kTypeLabel = "__type__";
inline constexpr std::string_view kUnitLabel = "__unit__";
inline constexpr std::string_view kBucketLabel = "le";

// labels.Labels.String(): {a="b", c="d"}, names quoted when they are not
// legacy names, values quoted as Go's strconv.Quote.
std::string PromString(const tsdb::Labels& l);

// xxhash64 of Prometheus' label encoding (labels.Hash() of its default
// stringlabels build).
uint64_t PromHash(const tsdb::Labels& l);

bool IsMetadataLabel(std::string_view name);
// Drops __name__, __type__ and __unit__.
tsdb::Labels DropMetadata(const tsdb::Labels& l);
// Drops only __name__.
tsdb::Labels DropMetricName(const tsdb::Labels& l);

// labels.MatchLabels(on, names): with `on` only the named labels, otherwise
// all but the named ones and __name__.
tsdb::Labels MatchLabels(const tsdb::Labels& l, bool on, const std::vector<std::string>& names);

// The labels of an aggregation group: `by` keeps the grouping labels,
// `without` drops them and __name__; no grouping gives the empty set.
tsdb::Labels GroupingLabels(const tsdb::Labels& l, bool without, const std::vector<std::string>& grouping);

// xxhash64 over bytes.
uint64_t XxHash64(const void* data, size_t len, uint64_t seed = 0);

}  // namespace promlite::promql::engine
