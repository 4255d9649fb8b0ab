// promtool's rule unit-test file format (cmd/promtool/unittest.go),
// decoded strictly as its yaml.v2 UnmarshalStrict does.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace promlite::promql::unittest {

struct InputSeries {
  std::string series;
  std::string values;
};

struct ExpAlert {
  std::map<std::string, std::string> labels;
  std::map<std::string, std::string> annotations;
};

struct AlertTestCase {
  int64_t eval_time_ms = 0;
  std::string alertname;
  std::vector<ExpAlert> exp_alerts;
};

struct ExpSample {
  std::string labels;
  double value = 0;
  std::string histogram;
};

struct PromqlTestCase {
  std::string expr;
  int64_t eval_time_ms = 0;
  std::vector<ExpSample> exp_samples;
};

struct TestGroup {
  int64_t interval_ms = 0;
  std::vector<InputSeries> input_series;
  std::vector<AlertTestCase> alert_rule_test;
  std::vector<PromqlTestCase> promql_expr_test;
  std::map<std::string, std::string> external_labels;
  std::string external_url;
  std::string name;
  std::optional<int64_t> start_timestamp_ms;
};

struct TestFile {
  std::vector<std::string> rule_files;
  int64_t evaluation_interval_ms = 0;
  std::vector<std::string> group_eval_order;
  std::vector<TestGroup> tests;
  bool fuzzy_compare = false;
};

// Decodes a test file's text; the error is Go's message.
absl::StatusOr<TestFile> DecodeTestFile(std::string_view text, bool ignore_unknown_fields);

}  // namespace promlite::promql::unittest
