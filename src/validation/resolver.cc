// Resolver on c-ares 1.18: a fresh channel a lookup (c-ares channels are not thread-safe), driven
// by poll() until every query answered or the lookup's deadline passed. Answers from a
// non-recursive authoritative server are accepted (the RA bit is not looked at); no DNSSEC.
#include <ares.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <charconv>
#include <memory>
#include <mutex>

#include <fmt/format.h>

#include "validation/challenges.h"
#include "validation/validator.h"

namespace ca::validation {
namespace {

constexpr int kClassIn = 1;
constexpr int kTypeA = 1;
constexpr int kTypeTxt = 16;
constexpr int kTypeAaaa = 28;
constexpr int kTries = 3;

struct ChannelDeleter {
  void operator()(ares_channeldata* c) const { ares_destroy(c); }
};
using Channel = std::unique_ptr<ares_channeldata, ChannelDeleter>;

// Query is one outstanding ares_query; it must outlive the channel's callbacks.
struct Query {
  Query(const char* name, int t) : type_name(name), type(t) {}
  const char* type_name;
  int type;
  bool done = false;
  int status = ARES_ENOTINITIALIZED;
  std::vector<unsigned char> answer;
};

void OnAnswer(void* arg, int status, int /*timeouts*/, unsigned char* abuf, int alen) {
  auto* q = static_cast<Query*>(arg);
  q->done = true;
  q->status = status;
  if (status == ARES_SUCCESS && abuf != nullptr && alen > 0) q->answer.assign(abuf, abuf + alen);
}

std::string StatusText(int status) {
  switch (status) {
    case ARES_ENOTFOUND: return "NXDOMAIN";
    case ARES_ESERVFAIL: return "SERVFAIL";
    case ARES_EREFUSED: return "REFUSED";
    case ARES_EFORMERR: return "FORMERR";
    case ARES_ENOTIMP: return "NOTIMP";
    case ARES_ETIMEOUT:
    case ARES_ECANCELLED: return "query timed out";
    case ARES_ECONNREFUSED: return "connection refused";
    default: return ares_strerror(status);
  }
}

tl::unexpected<Error> DnsError(const Query& q, const std::string& name) {
  return Fail(Errc::kDns, fmt::format("DNS problem: {} looking up {} for {}", StatusText(q.status),
                                      q.type_name, name));
}

bool IsLocalhost(std::string_view host) {
  if (!host.empty() && host.back() == '.') host.remove_suffix(1);
  constexpr std::string_view kLocal = "localhost";
  return host.size() == kLocal.size() &&
         std::equal(host.begin(), host.end(), kLocal.begin(),
                    [](char a, char b) { return std::tolower(static_cast<unsigned char>(a)) == b; });
}

// ParseServer turns "host:port" / "[v6]:port" / bare IP into c-ares' CSV form, or "" if invalid.
std::string ParseServer(std::string_view s) {
  std::string_view host = s;
  std::string_view port = "53";
  if (!s.empty() && s.front() == '[') {
    const size_t close = s.find(']');
    if (close == std::string_view::npos) return {};
    host = s.substr(1, close - 1);
    std::string_view rest = s.substr(close + 1);
    if (!rest.empty()) {
      if (rest.front() != ':') return {};
      port = rest.substr(1);
    }
  } else if (std::count(s.begin(), s.end(), ':') == 1) {
    const size_t colon = s.find(':');
    host = s.substr(0, colon);
    port = s.substr(colon + 1);
  }
  unsigned value = 0;
  const auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
  if (ec != std::errc() || end != port.data() + port.size() || value == 0 || value > 65535) return {};
  const std::string ip = CanonicalIp(host);
  if (ip.empty()) return {};
  return ip.find(':') == std::string::npos ? fmt::format("{}:{}", ip, value)
                                           : fmt::format("[{}]:{}", ip, value);
}

class AresResolver final : public Resolver {
 public:
  AresResolver(std::string servers, uint32_t timeout_ms)
      : servers_(std::move(servers)), timeout_(std::chrono::milliseconds(timeout_ms)) {}

  Result<std::vector<std::string>> LookupAddresses(const std::string& host) override {
    if (IsLocalhost(host)) return std::vector<std::string>{"127.0.0.1", "::1"};
    if (std::string ip = CanonicalIp(host); !ip.empty()) return std::vector<std::string>{ip};
    Query a{"A", kTypeA};
    Query aaaa{"AAAA", kTypeAaaa};
    CA_RETURN_IF_ERROR(Run(host, {&a, &aaaa}));

    std::vector<std::string> out;
    if (a.status == ARES_SUCCESS) AppendAddresses(a, AF_INET, out);
    if (aaaa.status == ARES_SUCCESS) AppendAddresses(aaaa, AF_INET6, out);
    if (!out.empty()) return out;
    for (const Query* q : {&a, &aaaa}) {
      if (q->status != ARES_SUCCESS && q->status != ARES_ENODATA) return DnsError(*q, host);
    }
    return Fail(Errc::kDns, fmt::format("DNS problem: no valid A or AAAA records for {}", host));
  }

  Result<std::vector<std::string>> LookupTxt(const std::string& name) override {
    Query txt{"TXT", kTypeTxt};
    CA_RETURN_IF_ERROR(Run(name, {&txt}));
    std::vector<std::string> out;
    if (txt.status == ARES_ENODATA) return out;
    if (txt.status != ARES_SUCCESS) return DnsError(txt, name);
    ares_txt_ext* head = nullptr;
    const int rc = ares_parse_txt_reply_ext(txt.answer.data(), static_cast<int>(txt.answer.size()), &head);
    if (rc == ARES_ENODATA) return out;
    if (rc != ARES_SUCCESS) {
      return Fail(Errc::kDns, fmt::format("DNS problem: malformed TXT answer for {}", name));
    }
    for (const ares_txt_ext* t = head; t != nullptr; t = t->next) {
      if (t->record_start || out.empty()) out.emplace_back();
      out.back().append(reinterpret_cast<const char*>(t->txt), t->length);
    }
    ares_free_data(head);
    return out;
  }

 private:
  static void AppendAddresses(const Query& q, int family, std::vector<std::string>& out) {
    constexpr int kMax = 64;
    char text[INET6_ADDRSTRLEN] = {};
    int n = kMax;
    if (family == AF_INET) {
      ares_addrttl ttls[kMax];
      if (ares_parse_a_reply(q.answer.data(), static_cast<int>(q.answer.size()), nullptr, ttls, &n) != ARES_SUCCESS) return;
      for (int i = 0; i < n; ++i) {
        if (inet_ntop(AF_INET, &ttls[i].ipaddr, text, sizeof(text))) out.emplace_back(text);
      }
    } else {
      ares_addr6ttl ttls[kMax];
      if (ares_parse_aaaa_reply(q.answer.data(), static_cast<int>(q.answer.size()), nullptr, ttls, &n) != ARES_SUCCESS) return;
      for (int i = 0; i < n; ++i) {
        if (inet_ntop(AF_INET6, &ttls[i].ip6addr, text, sizeof(text))) out.emplace_back(text);
      }
    }
  }

  Result<Channel> NewChannel() const {
    static std::once_flag once;
    std::call_once(once, [] { ares_library_init(ARES_LIB_INIT_ALL); });
    ares_options o{};
    o.flags = ARES_FLAG_NOSEARCH | ARES_FLAG_NOALIASES | ARES_FLAG_NOCHECKRESP;
    const auto total_ms = std::chrono::duration_cast<std::chrono::milliseconds>(timeout_).count();
    o.timeout = static_cast<int>(std::clamp<int64_t>(total_ms / (kTries + 1), 50, 2000));
    o.tries = kTries;
    ares_channel raw = nullptr;
    const int rc = ares_init_options(&raw, &o, ARES_OPT_FLAGS | ARES_OPT_TIMEOUTMS | ARES_OPT_TRIES);
    if (rc != ARES_SUCCESS) {
      if (raw != nullptr) ares_destroy(raw);
      return Fail(Errc::kInternal, fmt::format("ares_init_options: {}", ares_strerror(rc)));
    }
    Channel ch(raw);
    if (!servers_.empty()) {
      const int src = ares_set_servers_ports_csv(ch.get(), servers_.c_str());
      if (src != ARES_SUCCESS) {
        return Fail(Errc::kInternal, fmt::format("ares_set_servers_ports_csv: {}", ares_strerror(src)));
      }
    }
    return ch;
  }

  // Run sends every query for name and drives the channel until all answered or time is up
  // (ares_cancel then completes the rest with ARES_ECANCELLED).
  Result<void> Run(const std::string& name, std::initializer_list<Query*> queries) const {
    CA_TRY(Channel ch, NewChannel());
    for (Query* q : queries) ares_query(ch.get(), name.c_str(), kClassIn, q->type, OnAnswer, q);
    const auto deadline = Clock::now() + timeout_;
    const auto pending = [&] {
      return std::any_of(queries.begin(), queries.end(), [](const Query* q) { return !q->done; });
    };
    while (pending()) {
      const auto now = Clock::now();
      if (now >= deadline) {
        ares_cancel(ch.get());
        break;
      }
      ares_socket_t socks[ARES_GETSOCK_MAXNUM];
      const int bits = ares_getsock(ch.get(), socks, ARES_GETSOCK_MAXNUM);
      std::vector<pollfd> fds;
      for (int i = 0; i < ARES_GETSOCK_MAXNUM; ++i) {
        short events = 0;
        if (ARES_GETSOCK_READABLE(bits, i)) events |= POLLIN;
        if (ARES_GETSOCK_WRITABLE(bits, i)) events |= POLLOUT;
        if (events != 0) fds.push_back(pollfd{socks[i], events, 0});
      }
      const auto left = std::chrono::duration_cast<std::chrono::microseconds>(deadline - now).count();
      timeval max_tv{static_cast<time_t>(left / 1000000), static_cast<suseconds_t>(left % 1000000)};
      timeval tv{};
      const timeval* wait = ares_timeout(ch.get(), &max_tv, &tv);
      const int wait_ms = static_cast<int>(wait->tv_sec * 1000 + (wait->tv_usec + 999) / 1000);
      const int n = poll(fds.data(), fds.size(), wait_ms);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) {
        ares_process_fd(ch.get(), ARES_SOCKET_BAD, ARES_SOCKET_BAD);
        continue;
      }
      for (const pollfd& p : fds) {
        if (p.revents == 0) continue;
        const bool readable = (p.revents & (POLLIN | POLLERR | POLLHUP)) != 0;
        const bool writable = (p.revents & POLLOUT) != 0;
        ares_process_fd(ch.get(), readable ? p.fd : ARES_SOCKET_BAD, writable ? p.fd : ARES_SOCKET_BAD);
      }
    }
    return Ok();
  }

  std::string servers_;
  Clock::duration timeout_;
};

}  // namespace

Result<std::unique_ptr<Resolver>> MakeResolver(const Options& opts) {
  std::string servers;
  if (!opts.dns_resolver.empty()) {
    servers = ParseServer(opts.dns_resolver);
    if (servers.empty()) {
      return Fail(Errc::kMalformed,
                  fmt::format("dns_resolver \"{}\" is not host:port (IPv4 or [IPv6])", opts.dns_resolver));
    }
  }
  return std::unique_ptr<Resolver>(std::make_unique<AresResolver>(std::move(servers), opts.timeout_ms));
}

}  // namespace ca::validation
