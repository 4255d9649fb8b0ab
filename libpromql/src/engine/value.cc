#include "promlite/promql/value.h"

#include <algorithm>

namespace promlite::promql {

ValueType TypeOf(const Value& v) {
  switch (v.index()) {
    case 1: return ValueType::kScalar;
    case 2: return ValueType::kString;
    case 3: return ValueType::kVector;
    case 4: return ValueType::kMatrix;
    default: return ValueType::kNone;
  }
}

void Annotations::Merge(const Annotations& o) {
  for (const std::string& w : o.warnings) {
    if (std::find(warnings.begin(), warnings.end(), w) == warnings.end()) warnings.push_back(w);
  }
  for (const std::string& i : o.infos) {
    if (std::find(infos.begin(), infos.end(), i) == infos.end()) infos.push_back(i);
  }
}

}  // namespace promlite::promql
