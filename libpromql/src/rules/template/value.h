// Run-time values of template execution: the handful of Go types that
// Prometheus' template data and functions produce, with Go's printing
// (fmt's %v) and type names, which error messages and output depend on.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace promlite::promql::tmpl {

using StringMap = std::map<std::string, std::string>;

// Prometheus' template sample: {Labels map[string]string; Value interface{}}.
struct SampleObj {
  StringMap labels;
  double value = 0;
};
using SamplePtr = std::shared_ptr<const SampleObj>;
// queryResult ([]*sample). Shared and mutable: sortByLabel sorts in place,
// as Go's does.
using SampleList = std::vector<SamplePtr>;

// The data of an alert template.
struct DataObj {
  StringMap labels;
  StringMap external_labels;
  std::string external_url;
  double value = 0;
};

class Value;
using AnyMap = std::map<std::string, Value>;

class Value {
 public:
  enum class Kind {
    kInvalid,     // no value (nil interface)
    kBool,        // bool
    kInt,         // int
    kFloat,       // float64
    kString,      // string
    kHtml,        // html/template.HTML (safeHtml)
    kStringMap,   // map[string]string
    kAnyMap,      // map[string]interface {} (args)
    kSample,      // *template.sample (may be nil)
    kSampleList,  // template.queryResult
    kTime,        // *time.Time
    kDuration,    // *time.Duration
    kData,        // the alert template data struct
  };

  Value() = default;
  static Value Bool(bool b);
  static Value Int(int64_t i);
  static Value Float(double f);
  static Value String(std::string s);
  static Value Html(std::string s);
  static Value Map(std::shared_ptr<const StringMap> m);
  static Value Args(std::shared_ptr<const AnyMap> m);
  static Value Sample(SamplePtr s);
  static Value Samples(std::shared_ptr<SampleList> l);
  static Value Time(int64_t unix_ns);
  static Value Duration(int64_t ns);
  static Value Data(std::shared_ptr<const DataObj> d);

  Kind kind() const { return kind_; }
  bool valid() const { return kind_ != Kind::kInvalid; }
  bool b() const { return b_; }
  int64_t i() const { return i_; }
  double f() const { return f_; }
  const std::string& s() const { return s_; }
  const StringMap& smap() const { return *smap_; }
  const AnyMap& amap() const { return *amap_; }
  const SamplePtr& sample() const { return sample_; }
  SampleList& list() const { return *list_; }
  const std::shared_ptr<SampleList>& list_ptr() const { return list_; }
  const DataObj& data() const { return *data_; }

  // Go's %T: "float64", "map[string]string", "*template.sample", ...
  std::string TypeName() const;
  // Go's template truth: false, 0, nil, empty string / map / slice.
  bool Truth() const;
  // Length for len / range / truth; -1 when the kind has none.
  int64_t Len() const;

 private:
  Kind kind_ = Kind::kInvalid;
  bool b_ = false;
  int64_t i_ = 0;  // kInt; kTime: Unix ns; kDuration: ns
  double f_ = 0;
  std::string s_;
  std::shared_ptr<const StringMap> smap_;
  std::shared_ptr<const AnyMap> amap_;
  SamplePtr sample_;
  std::shared_ptr<SampleList> list_;
  std::shared_ptr<const DataObj> data_;
};

// fmt.Sprint of one value as a template action prints it (pointers
// dereferenced, no value as "<no value>").
// Returns false for values Go would print as memory addresses (a
// queryResult), which promlite refuses to print.
bool PrintValue(const Value& v, std::string* out);

// fmt's %v of a value inside fmt functions (nil interface as "<nil>").
bool FormatV(const Value& v, std::string* out);

// fmt.Sprint, fmt.Sprintln, fmt.Sprintf over template values. `err` is set
// when a value cannot be printed (see PrintValue).
std::string GoSprint(const std::vector<Value>& args, std::string* err);
std::string GoSprintln(const std::vector<Value>& args, std::string* err);
std::string GoSprintf(std::string_view format, const std::vector<Value>& args, std::string* err);

// time.Time.String() in UTC: "2006-01-02 15:04:05.999999999 +0000 UTC".
std::string GoTimeString(int64_t unix_ns);
// time.Duration.String(): "1h2m3.5s", "150ms", "0s".
std::string GoDurationString(int64_t ns);

}  // namespace promlite::promql::tmpl
