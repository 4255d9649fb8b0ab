// A small DNS stub resolver for DNS service discovery.
//
// Prometheus does not use the system resolver for dns_sd_configs either: it
// reads /etc/resolv.conf and queries the servers itself (miekg/dns), walking
// the search list and treating NXDOMAIN from every candidate as "no records".
// This does the same over UDP with EDNS0, falling back to TCP when a reply
// is truncated. It also lets tests aim it at a server on 127.0.0.1.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"

namespace promlite::scrape::dns {

enum : uint16_t { kA = 1, kNS = 2, kCNAME = 5, kMX = 15, kAAAA = 28, kSRV = 33, kOPT = 41 };

struct ResolverConfig {
  std::vector<std::string> servers;  // "ip" or "ip:port" ("[v6]:port")
  std::vector<std::string> search;
  int ndots = 1;
  int timeout_ms = 5000;
};

// Reads nameserver, search/domain and options ndots/timeout from a resolv.conf.
absl::StatusOr<ResolverConfig> LoadResolvConf(const std::string& path = "/etc/resolv.conf");

struct Record {
  uint16_t type = 0;
  std::string target;  // SRV/MX/NS target, fully qualified with the final dot
  uint16_t port = 0;   // SRV
  std::string addr;    // A/AAAA in text form
};

struct Answer {
  int rcode = 0;  // 0 NOERROR, 3 NXDOMAIN
  std::vector<Record> records;
};

// Builds a query message (exposed for tests).
std::string BuildQuery(uint16_t id, std::string_view fqdn, uint16_t qtype, bool edns);
// Parses a reply; `truncated` reports the TC bit.
absl::StatusOr<Answer> ParseReply(std::string_view msg, uint16_t want_id, bool* truncated);

// Looks `name` up with the search list: the first NOERROR reply wins; if all
// candidates say NXDOMAIN the answer is empty; otherwise it is an error.
absl::StatusOr<Answer> LookupWithSearchPath(const ResolverConfig& cfg, std::string_view name, uint16_t qtype);

}  // namespace promlite::scrape::dns
