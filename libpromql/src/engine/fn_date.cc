// Calendar functions (UTC): year, month, day_of_month, day_of_week,
// day_of_year, days_in_month, hour, minute. Without an argument they use
// the evaluation time; with one, each sample's value as Unix seconds.
#include <cstdint>

#include "engine/functions.h"
#include "engine/status_macros.h"

namespace promlite::promql::engine {
namespace {

struct Civil {
  int64_t year;
  int month;       // 1..12
  int day;         // 1..31
  int yday;        // 1..366
  int wday;        // 0 = Sunday
  int hour, minute;
};

int64_t FloorDiv(int64_t a, int64_t b) {
  int64_t q = a / b;
  if ((a % b != 0) && ((a < 0) != (b < 0))) q--;
  return q;
}

bool IsLeap(int64_t y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

int DaysInMonth(int64_t y, int m) {
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return m == 2 && IsLeap(y) ? 29 : kDays[m - 1];
}

Civil FromUnix(int64_t secs) {
  Civil c;
  int64_t days = FloorDiv(secs, 86400);
  int64_t sod = secs - days * 86400;
  c.hour = static_cast<int>(sod / 3600);
  c.minute = static_cast<int>(sod % 3600 / 60);
  c.wday = static_cast<int>(((days % 7) + 7 + 4) % 7);  // 1970-01-01 was a Thursday
  // Days to civil date (proleptic Gregorian).
  int64_t z = days + 719468;
  int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  int64_t doe = z - era * 146097;
  int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  int64_t y = yoe + era * 400;
  int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  int64_t mp = (5 * doy + 2) / 153;
  c.day = static_cast<int>(doy - (153 * mp + 2) / 5 + 1);
  c.month = static_cast<int>(mp < 10 ? mp + 3 : mp - 9);
  c.year = c.month <= 2 ? y + 1 : y;
  static constexpr int kCum[] = {0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334};
  c.yday = kCum[c.month - 1] + c.day + (c.month > 2 && IsLeap(c.year) ? 1 : 0);
  return c;
}

template <double (*F)(const Civil&)>
absl::StatusOr<Block> DateFn(Evaluator& ev, const Call&, std::vector<Value>& args) {
  if (args.empty()) {
    Block out(ev.steps());
    size_t r = out.AddRow(tsdb::Labels(), false);
    for (int i = 0; i < ev.steps(); i++) {
      int64_t secs = ev.TimeAt(i) / 1000;  // truncated, as Go's integer division
      out.Set(r, i, F(FromUnix(secs)));
    }
    return out;
  }
  Block in = std::move(std::get<Block>(args[0]));
  for (size_t r = 0; r < in.rows(); r++) {
    double* v = in.val(r);
    const uint8_t* h = in.has(r);
    for (int k = 0, n = in.hi(r) - in.lo(r); k < n; k++) {
      if (h[k]) v[k] = F(FromUnix(GoFloatToInt64(v[k])));
    }
    RowMeta& m = in.meta(r);
    m.metric = ev.NameDropped(m.metric);
    m.drop_name = true;
  }
  if (!ev.delayed_names()) PL_RETURN_IF_ERROR(ev.DedupeRangeEvalRows(&in));
  return in;
}

double Year(const Civil& c) { return static_cast<double>(c.year); }
double Month(const Civil& c) { return c.month; }
double DayOfMonth(const Civil& c) { return c.day; }
double DayOfWeek(const Civil& c) { return c.wday; }
double DayOfYear(const Civil& c) { return c.yday; }
double DaysInMonthFn(const Civil& c) { return DaysInMonth(c.year, c.month); }
double Hour(const Civil& c) { return c.hour; }
double Minute(const Civil& c) { return c.minute; }

}  // namespace

void RegisterDateFunctions(void (*reg)(std::string_view, InstantFunction)) {
  reg("year", DateFn<Year>);
  reg("month", DateFn<Month>);
  reg("day_of_month", DateFn<DayOfMonth>);
  reg("day_of_week", DateFn<DayOfWeek>);
  reg("day_of_year", DateFn<DayOfYear>);
  reg("days_in_month", DateFn<DaysInMonthFn>);
  reg("hour", DateFn<Hour>);
  reg("minute", DateFn<Minute>);
}

}  // namespace promlite::promql::engine
