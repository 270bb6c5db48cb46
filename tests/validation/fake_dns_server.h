#pragma once
// FakeDnsServer: a minimal authoritative UDP DNS responder on 127.0.0.1 for validation tests. It
// answers A, AAAA and TXT from a table, NXDOMAIN for unknown names, SERVFAIL on request, sets AA
// and leaves RA clear (like knotd). A silent server reads nothing and never answers.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <cstdint>
#include <map>
#include <mutex>
#include <set>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace ca::validation::testing {

class FakeDnsServer {
 public:
  explicit FakeDnsServer(bool silent = false) {
    fd_ = socket(AF_INET, SOCK_DGRAM, 0);
    if (fd_ < 0) throw std::runtime_error("socket");
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) throw std::runtime_error("bind");
    socklen_t len = sizeof(addr);
    getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len);
    port_ = ntohs(addr.sin_port);
    if (!silent) thread_ = std::thread([this] { Loop(); });
  }
  ~FakeDnsServer() {
    stop_ = true;
    if (thread_.joinable()) thread_.join();
    close(fd_);
  }
  FakeDnsServer(const FakeDnsServer&) = delete;
  FakeDnsServer& operator=(const FakeDnsServer&) = delete;

  std::string Address() const { return "127.0.0.1:" + std::to_string(port_); }
  int queries() const { return queries_; }

  void AddName(const std::string& name) {
    std::lock_guard lock(mu_);
    names_.insert(Lower(name));
  }
  void AddA(const std::string& name, const std::string& ip) {
    uint8_t b[4];
    inet_pton(AF_INET, ip.c_str(), b);
    Add(name, kA, std::string(reinterpret_cast<char*>(b), 4));
  }
  void AddAaaa(const std::string& name, const std::string& ip) {
    uint8_t b[16];
    inet_pton(AF_INET6, ip.c_str(), b);
    Add(name, kAaaa, std::string(reinterpret_cast<char*>(b), 16));
  }
  // AddTxt adds one TXT record made of the given character-strings.
  void AddTxt(const std::string& name, const std::vector<std::string>& strings) {
    std::string rdata;
    for (const auto& s : strings) {
      rdata += static_cast<char>(s.size());
      rdata += s;
    }
    Add(name, kTxt, rdata);
  }
  void ServFail(const std::string& name) {
    std::lock_guard lock(mu_);
    servfail_.insert(Lower(name));
  }

 private:
  static constexpr uint16_t kA = 1, kTxt = 16, kAaaa = 28;

  static std::string Lower(std::string s) {
    for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (!s.empty() && s.back() == '.') s.pop_back();
    return s;
  }
  void Add(const std::string& name, uint16_t type, std::string rdata) {
    std::lock_guard lock(mu_);
    names_.insert(Lower(name));
    records_[{Lower(name), type}].push_back(std::move(rdata));
  }
  static void Put16(std::string& out, uint16_t v) {
    out += static_cast<char>(v >> 8);
    out += static_cast<char>(v & 0xff);
  }

  void Loop() {
    while (!stop_) {
      pollfd p{fd_, POLLIN, 0};
      if (poll(&p, 1, 20) <= 0) continue;
      uint8_t buf[1500];
      sockaddr_in from{};
      socklen_t from_len = sizeof(from);
      const ssize_t n = recvfrom(fd_, buf, sizeof(buf), 0, reinterpret_cast<sockaddr*>(&from), &from_len);
      if (n < 12) continue;
      ++queries_;
      const std::string reply = Answer(buf, static_cast<size_t>(n));
      if (!reply.empty()) {
        sendto(fd_, reply.data(), reply.size(), 0, reinterpret_cast<sockaddr*>(&from), from_len);
      }
    }
  }

  std::string Answer(const uint8_t* q, size_t n) {
    size_t off = 12;
    std::string name;
    while (off < n && q[off] != 0) {
      const size_t len = q[off];
      if (len > 63 || off + 1 + len > n) return {};
      if (!name.empty()) name += '.';
      name.append(reinterpret_cast<const char*>(q + off + 1), len);
      off += 1 + len;
    }
    if (off + 5 > n) return {};
    off += 1;
    const uint16_t qtype = static_cast<uint16_t>(q[off] << 8 | q[off + 1]);
    off += 4;
    const std::string question(reinterpret_cast<const char*>(q + 12), off - 12);
    name = Lower(name);

    std::vector<std::string> answers;
    uint16_t rcode = 0;
    {
      std::lock_guard lock(mu_);
      if (servfail_.count(name)) {
        rcode = 2;
      } else if (!names_.count(name)) {
        rcode = 3;
      } else if (auto it = records_.find({name, qtype}); it != records_.end()) {
        answers = it->second;
      }
    }
    const uint16_t flags = static_cast<uint16_t>(0x8000 | (((q[2] << 8) | q[3]) & 0x7900) | 0x0400 | rcode);
    std::string out(reinterpret_cast<const char*>(q), 2);  // ID
    Put16(out, flags);  // QR, opcode and RD copied, AA set, RA clear
    Put16(out, 1);
    Put16(out, static_cast<uint16_t>(answers.size()));
    Put16(out, 0);
    Put16(out, 0);
    out += question;
    for (const auto& rdata : answers) {
      Put16(out, 0xc00c);
      Put16(out, qtype);
      Put16(out, 1);
      Put16(out, 0);
      Put16(out, 60);
      Put16(out, static_cast<uint16_t>(rdata.size()));
      out += rdata;
    }
    return out;
  }

  int fd_ = -1;
  uint16_t port_ = 0;
  std::atomic<bool> stop_{false};
  std::atomic<int> queries_{0};
  std::thread thread_;
  std::mutex mu_;
  std::set<std::string> names_;
  std::set<std::string> servfail_;
  std::map<std::pair<std::string, uint16_t>, std::vector<std::string>> records_;
};

}  // namespace ca::validation::testing
