#include "textparse/convert.h"

#include <set>

namespace promlite::scrape {
namespace {

template <typename F>
void ForEachLine(std::string_view s, F&& f) {
  while (!s.empty()) {
    size_t nl = s.find('\n');
    std::string_view line = s.substr(0, nl);
    f(line);
    if (nl == std::string_view::npos) break;
    s.remove_prefix(nl + 1);
  }
}

}  // namespace

std::string TextToOpenMetrics(std::string_view text) {
  std::set<std::string, std::less<>> counters;
  ForEachLine(text, [&](std::string_view line) {
    if (line.substr(0, 7) != "# TYPE ") return;
    std::string_view rest = line.substr(7);
    size_t sp = rest.find(' ');
    if (sp != std::string_view::npos && rest.substr(sp + 1) == "counter") counters.emplace(rest.substr(0, sp));
  });
  std::string out;
  out.reserve(text.size() + 16);
  ForEachLine(text, [&](std::string_view line) {
    if (line.empty()) return;
    if (line[0] != '#') {
      out.append(line);
      out.push_back('\n');
      return;
    }
    bool help = line.substr(0, 7) == "# HELP ";
    bool type = line.substr(0, 7) == "# TYPE ";
    if (!help && !type) return;
    std::string_view rest = line.substr(7);
    size_t sp = rest.find(' ');
    std::string_view name = rest.substr(0, sp);
    std::string_view tail = sp == std::string_view::npos ? std::string_view(" ") : rest.substr(sp);
    if (counters.count(name) && name.size() > 6 && name.substr(name.size() - 6) == "_total") {
      name.remove_suffix(6);
    }
    out.append(line.substr(0, 7));
    out.append(name);
    if (type && tail == " untyped") tail = " unknown";
    out.append(tail);
    out.push_back('\n');
  });
  out.append("# EOF\n");
  return out;
}

}  // namespace promlite::scrape
