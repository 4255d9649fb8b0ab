#include "discovery/dns_client.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <fstream>
#include <optional>
#include <random>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "util/quote.h"
#include "util/strings.h"

namespace promlite::scrape::dns {
namespace {

void Put16(std::string* s, uint16_t v) {
  s->push_back(static_cast<char>(v >> 8));
  s->push_back(static_cast<char>(v & 0xff));
}

uint16_t Get16(std::string_view m, size_t off) {
  return static_cast<uint16_t>((static_cast<unsigned char>(m[off]) << 8) | static_cast<unsigned char>(m[off + 1]));
}

// Reads a possibly compressed name at *off; advances *off past it.
bool ReadName(std::string_view m, size_t* off, std::string* out) {
  out->clear();
  size_t p = *off;
  bool jumped = false;
  int hops = 0;
  for (;;) {
    if (p >= m.size()) return false;
    unsigned char len = static_cast<unsigned char>(m[p]);
    if (len == 0) {
      if (!jumped) *off = p + 1;
      break;
    }
    if ((len & 0xC0) == 0xC0) {
      if (p + 1 >= m.size() || ++hops > 64) return false;
      size_t target = ((len & 0x3F) << 8) | static_cast<unsigned char>(m[p + 1]);
      if (!jumped) *off = p + 2;
      jumped = true;
      p = target;
      continue;
    }
    if ((len & 0xC0) != 0 || p + 1 + len > m.size()) return false;
    out->append(m.substr(p + 1, len));
    out->push_back('.');
    p += 1 + len;
  }
  if (out->empty()) out->push_back('.');  // the root
  return true;
}

struct Server {
  sockaddr_storage addr{};
  socklen_t len = 0;
};

absl::StatusOr<Server> ParseServer(const std::string& s) {
  std::string host = s, port = "53";
  if (!s.empty() && s[0] == '[') {
    size_t close = s.find(']');
    host = s.substr(1, close - 1);
    if (close + 1 < s.size() && s[close + 1] == ':') port = s.substr(close + 2);
  } else if (std::count(s.begin(), s.end(), ':') == 1) {
    host = s.substr(0, s.find(':'));
    port = s.substr(s.find(':') + 1);
  }
  Server sv;
  int p = std::atoi(port.c_str());
  auto* v4 = reinterpret_cast<sockaddr_in*>(&sv.addr);
  auto* v6 = reinterpret_cast<sockaddr_in6*>(&sv.addr);
  if (inet_pton(AF_INET, host.c_str(), &v4->sin_addr) == 1) {
    v4->sin_family = AF_INET;
    v4->sin_port = htons(static_cast<uint16_t>(p));
    sv.len = sizeof(sockaddr_in);
  } else if (inet_pton(AF_INET6, host.c_str(), &v6->sin6_addr) == 1) {
    v6->sin6_family = AF_INET6;
    v6->sin6_port = htons(static_cast<uint16_t>(p));
    sv.len = sizeof(sockaddr_in6);
  } else {
    return absl::InvalidArgumentError(absl::StrCat("invalid nameserver ", QuoteGo(s)));
  }
  return sv;
}

bool WaitFd(int fd, short events, std::chrono::steady_clock::time_point deadline) {
  for (;;) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return false;
    pollfd p{fd, events, 0};
    int r = ::poll(&p, 1, static_cast<int>(left.count()));
    if (r > 0) return true;
    if (r < 0 && errno == EINTR) continue;
    if (r == 0) return false;
    return false;
  }
}

class Fd {
 public:
  explicit Fd(int fd) : fd_(fd) {}
  ~Fd() {
    if (fd_ >= 0) ::close(fd_);
  }
  int get() const { return fd_; }

 private:
  int fd_;
};

absl::StatusOr<std::string> ExchangeUDP(const Server& sv, const std::string& q, uint16_t id, int timeout_ms) {
  Fd fd(::socket(sv.addr.ss_family, SOCK_DGRAM | SOCK_CLOEXEC, 0));
  if (fd.get() < 0) return absl::UnavailableError(absl::StrCat("socket: ", std::strerror(errno)));
  if (::connect(fd.get(), reinterpret_cast<const sockaddr*>(&sv.addr), sv.len) != 0 ||
      ::send(fd.get(), q.data(), q.size(), 0) != static_cast<ssize_t>(q.size())) {
    return absl::UnavailableError(absl::StrCat("send: ", std::strerror(errno)));
  }
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  char buf[65536];
  for (;;) {
    if (!WaitFd(fd.get(), POLLIN, deadline)) return absl::DeadlineExceededError("i/o timeout");
    ssize_t n = ::recv(fd.get(), buf, sizeof(buf), 0);
    if (n < 0) return absl::UnavailableError(absl::StrCat("read: ", std::strerror(errno)));
    if (n >= 2 && Get16(std::string_view(buf, static_cast<size_t>(n)), 0) == id) return std::string(buf, static_cast<size_t>(n));
    // A stray reply (old id): keep waiting for ours.
  }
}

absl::StatusOr<std::string> ExchangeTCP(const Server& sv, const std::string& q, int timeout_ms) {
  Fd fd(::socket(sv.addr.ss_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0));
  if (fd.get() < 0) return absl::UnavailableError(absl::StrCat("socket: ", std::strerror(errno)));
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  if (::connect(fd.get(), reinterpret_cast<const sockaddr*>(&sv.addr), sv.len) != 0 && errno != EINPROGRESS) {
    return absl::UnavailableError(absl::StrCat("connect: ", std::strerror(errno)));
  }
  if (!WaitFd(fd.get(), POLLOUT, deadline)) return absl::DeadlineExceededError("i/o timeout");
  std::string out;
  Put16(&out, static_cast<uint16_t>(q.size()));
  out += q;
  size_t sent = 0;
  while (sent < out.size()) {
    ssize_t n = ::send(fd.get(), out.data() + sent, out.size() - sent, MSG_NOSIGNAL);
    if (n < 0) {
      if (errno == EAGAIN && WaitFd(fd.get(), POLLOUT, deadline)) continue;
      return absl::UnavailableError(absl::StrCat("write: ", std::strerror(errno)));
    }
    sent += static_cast<size_t>(n);
  }
  std::string in;
  char buf[4096];
  for (;;) {
    if (in.size() >= 2 && in.size() >= 2u + Get16(in, 0)) return in.substr(2, Get16(in, 0));
    if (!WaitFd(fd.get(), POLLIN, deadline)) return absl::DeadlineExceededError("i/o timeout");
    ssize_t n = ::recv(fd.get(), buf, sizeof(buf), 0);
    if (n < 0 && errno == EAGAIN) continue;
    if (n <= 0) return absl::UnavailableError("connection closed before the full reply");
    in.append(buf, static_cast<size_t>(n));
  }
}

absl::StatusOr<Answer> AskServer(const ResolverConfig& cfg, const std::string& server, const std::string& fqdn,
                                 uint16_t qtype) {
  absl::StatusOr<Server> sv = ParseServer(server);
  if (!sv.ok()) return sv.status();
  static thread_local std::mt19937 rng{std::random_device{}()};
  uint16_t id = static_cast<uint16_t>(rng());
  absl::StatusOr<std::string> reply = ExchangeUDP(*sv, BuildQuery(id, fqdn, qtype, true), id, cfg.timeout_ms);
  if (!reply.ok()) return reply.status();
  bool truncated = false;
  absl::StatusOr<Answer> a = ParseReply(*reply, id, &truncated);
  if (!a.ok() || !truncated) return a;
  reply = ExchangeTCP(*sv, BuildQuery(id, fqdn, qtype, false), cfg.timeout_ms);
  if (!reply.ok()) return reply.status();
  a = ParseReply(*reply, id, &truncated);
  if (a.ok() && truncated) return absl::UnavailableError("got truncated message on TCP (64kiB limit exceeded?)");
  return a;
}

}  // namespace

absl::StatusOr<ResolverConfig> LoadResolvConf(const std::string& path) {
  std::ifstream f(path);
  if (!f) return absl::NotFoundError(absl::StrCat("could not load resolv.conf: open ", path));
  ResolverConfig cfg;
  std::string line;
  while (std::getline(f, line)) {
    std::vector<std::string> w = absl::StrSplit(line, absl::ByAnyChar(" \t"), absl::SkipEmpty());
    if (w.empty() || w[0][0] == '#' || w[0][0] == ';') continue;
    if (w[0] == "nameserver" && w.size() > 1) {
      cfg.servers.push_back(w[1].find(':') != std::string::npos ? absl::StrCat("[", w[1], "]:53") : w[1]);
    } else if ((w[0] == "search" || w[0] == "domain") && w.size() > 1) {
      cfg.search.assign(w.begin() + 1, w.end());
    } else if (w[0] == "options") {
      for (size_t i = 1; i < w.size(); i++) {
        if (w[i].rfind("ndots:", 0) == 0) cfg.ndots = std::max(0, std::atoi(w[i].c_str() + 6));
        if (w[i].rfind("timeout:", 0) == 0) cfg.timeout_ms = std::max(1, std::atoi(w[i].c_str() + 8)) * 1000;
      }
    }
  }
  return cfg;
}

std::string BuildQuery(uint16_t id, std::string_view fqdn, uint16_t qtype, bool edns) {
  std::string q;
  Put16(&q, id);
  Put16(&q, 0x0100);  // recursion desired
  Put16(&q, 1);
  Put16(&q, 0);
  Put16(&q, 0);
  Put16(&q, edns ? 1 : 0);
  for (absl::string_view label : absl::StrSplit(A(fqdn), '.', absl::SkipEmpty())) {
    q.push_back(static_cast<char>(std::min<size_t>(label.size(), 63)));
    q.append(label.data(), std::min<size_t>(label.size(), 63));
  }
  q.push_back('\0');
  Put16(&q, qtype);
  Put16(&q, 1);  // IN
  if (edns) {
    q.push_back('\0');
    Put16(&q, kOPT);
    Put16(&q, 4096);  // UDP payload size
    Put16(&q, 0);
    Put16(&q, 0);
    Put16(&q, 0);
  }
  return q;
}

absl::StatusOr<Answer> ParseReply(std::string_view m, uint16_t want_id, bool* truncated) {
  if (m.size() < 12) return absl::InvalidArgumentError("dns: short reply");
  if (Get16(m, 0) != want_id) return absl::InvalidArgumentError("dns: reply id mismatch");
  uint16_t flags = Get16(m, 2);
  *truncated = (flags & 0x0200) != 0;
  Answer a;
  a.rcode = flags & 0x000F;
  uint16_t qd = Get16(m, 4), an = Get16(m, 6);
  size_t off = 12;
  std::string name;
  for (uint16_t i = 0; i < qd; i++) {
    if (!ReadName(m, &off, &name) || off + 4 > m.size()) return absl::InvalidArgumentError("dns: bad question");
    off += 4;
  }
  for (uint16_t i = 0; i < an; i++) {
    if (!ReadName(m, &off, &name) || off + 10 > m.size()) return absl::InvalidArgumentError("dns: bad answer");
    uint16_t type = Get16(m, off);
    uint16_t rdlen = Get16(m, off + 8);
    off += 10;
    if (off + rdlen > m.size()) return absl::InvalidArgumentError("dns: bad answer length");
    Record r;
    r.type = type;
    size_t rd = off;
    char text[INET6_ADDRSTRLEN];
    switch (type) {
      case kA:
        if (rdlen != 4 || !inet_ntop(AF_INET, m.data() + rd, text, sizeof(text))) return absl::InvalidArgumentError("dns: bad A");
        r.addr = text;
        break;
      case kAAAA:
        if (rdlen != 16 || !inet_ntop(AF_INET6, m.data() + rd, text, sizeof(text))) {
          return absl::InvalidArgumentError("dns: bad AAAA");
        }
        r.addr = text;
        break;
      case kSRV:
        if (rdlen < 7) return absl::InvalidArgumentError("dns: bad SRV");
        r.port = Get16(m, rd + 4);
        rd += 6;
        if (!ReadName(m, &rd, &r.target)) return absl::InvalidArgumentError("dns: bad SRV target");
        break;
      case kMX:
        rd += 2;
        if (!ReadName(m, &rd, &r.target)) return absl::InvalidArgumentError("dns: bad MX");
        break;
      case kNS:
      case kCNAME:
        if (!ReadName(m, &rd, &r.target)) return absl::InvalidArgumentError("dns: bad name record");
        break;
      default:
        break;
    }
    a.records.push_back(std::move(r));
    off += rdlen;
  }
  return a;
}

absl::StatusOr<Answer> LookupWithSearchPath(const ResolverConfig& cfg, std::string_view name, uint16_t qtype) {
  // miekg/dns' NameList: a rooted name is used as is; otherwise names with
  // more than ndots labels are tried before the search domains, others after.
  std::vector<std::string> names;
  if (!name.empty() && name.back() == '.') {
    names.emplace_back(name);
  } else {
    size_t labels = 1 + static_cast<size_t>(std::count(name.begin(), name.end(), '.'));
    bool has_ndots = static_cast<int>(labels) > cfg.ndots;
    std::string fqdn = absl::StrCat(A(name), ".");
    if (has_ndots) names.push_back(fqdn);
    for (const std::string& s : cfg.search) {
      names.push_back(absl::StrCat(A(name), ".", s, s.empty() || s.back() != '.' ? "." : ""));
    }
    if (!has_ndots) names.push_back(fqdn);
  }
  if (cfg.servers.empty()) return absl::UnavailableError("no nameservers configured");
  bool all_valid = true;
  for (const std::string& n : names) {
    std::optional<Answer> got;
    for (const std::string& server : cfg.servers) {
      absl::StatusOr<Answer> a = AskServer(cfg, server, n, qtype);
      if (a.ok() && (a->rcode == 0 || a->rcode == 3)) {
        got = std::move(*a);
        break;
      }
    }
    if (!got) {
      all_valid = false;
      continue;
    }
    if (got->rcode == 0) return *got;
  }
  if (all_valid) return Answer{};
  return absl::UnavailableError(absl::StrCat("could not resolve ", QuoteGo(name),
                                             ": all servers responded with errors to at least one search domain"));
}

}  // namespace promlite::scrape::dns
