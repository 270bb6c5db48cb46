// ocsp_load: the benchmark's load generator, the same for both responders. C threads, each with one
// connection, POST the prebuilt requests of requests.bin round-robin for D seconds; a connection is
// reused while the server keeps it (HTTP/1.1 keep-alive) and opened again when the server closes it
// (`openssl ocsp` answers one request per connection, HTTP/1.0). The latency of a request includes
// its connect when it needs one. Every answer must be HTTP 200 with a successful OCSPResponse.
// With "close" last, every request asks for Connection: close, so each one pays a new connection
// (what `openssl ocsp` forces) against any server.
// Usage: ocsp_load HOST PORT PATH requests.bin CONCURRENCY SECONDS [close]
// Prints: responders/s, p50 and p99 latency in microseconds, answers and errors.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

namespace {

using Clock = std::chrono::steady_clock;

struct Target {
  sockaddr_in addr{};
  std::string path;
  std::string host_header;
};

int Connect(const Target& t) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return -1;
  int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
  timeval tv{5, 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
  setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
  if (connect(fd, reinterpret_cast<const sockaddr*>(&t.addr), sizeof(t.addr)) != 0) {
    close(fd);
    return -1;
  }
  return fd;
}

bool SendAll(int fd, const std::string& s) {
  size_t off = 0;
  while (off < s.size()) {
    ssize_t n = send(fd, s.data() + off, s.size() - off, MSG_NOSIGNAL);
    if (n <= 0) return false;
    off += static_cast<size_t>(n);
  }
  return true;
}

// ReadAnswer reads one HTTP response; *keep: the connection may carry another request.
bool ReadAnswer(int fd, std::string& buf, bool* keep) {
  buf.clear();
  char tmp[8192];
  size_t header_end = std::string::npos;
  long content_length = -1;
  while (true) {
    if (header_end == std::string::npos) {
      header_end = buf.find("\r\n\r\n");
      if (header_end != std::string::npos) {
        std::string head = buf.substr(0, header_end);
        for (char& c : head) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        if (head.compare(0, 12, "http/1.1 200") != 0 && head.compare(0, 12, "http/1.0 200") != 0) return false;
        size_t cl = head.find("content-length:");
        if (cl != std::string::npos) content_length = std::strtol(head.c_str() + cl + 15, nullptr, 10);
        *keep = head.compare(0, 8, "http/1.1") == 0 && head.find("connection: close") == std::string::npos;
      }
    }
    if (header_end != std::string::npos && content_length >= 0 &&
        buf.size() >= header_end + 4 + static_cast<size_t>(content_length)) {
      break;
    }
    ssize_t n = recv(fd, tmp, sizeof(tmp), 0);
    if (n < 0) return false;
    if (n == 0) {  // closed: complete only when the length was not given
      if (header_end == std::string::npos || content_length >= 0) return false;
      *keep = false;
      break;
    }
    buf.append(tmp, static_cast<size_t>(n));
  }
  // A successful OCSPResponse starts 30 xx [xx..] 0a 01 00.
  std::string body = buf.substr(header_end + 4);
  return body.size() > 8 && static_cast<unsigned char>(body[0]) == 0x30 && body.find(std::string("\x0a\x01\x00", 3)) < 8;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 7 && !(argc == 8 && std::strcmp(argv[7], "close") == 0)) {
    std::fprintf(stderr, "usage: ocsp_load HOST PORT PATH requests.bin CONCURRENCY SECONDS [close]\n");
    return 2;
  }
  const std::string connection = argc == 8 ? "Connection: close\r\n" : "";
  Target t;
  t.addr.sin_family = AF_INET;
  t.addr.sin_port = htons(static_cast<uint16_t>(std::atoi(argv[2])));
  if (inet_pton(AF_INET, argv[1], &t.addr.sin_addr) != 1) return 2;
  t.path = argv[3];
  t.host_header = std::string(argv[1]) + ":" + argv[2];
  const int conc = std::atoi(argv[5]);
  const double seconds = std::atof(argv[6]);

  std::vector<std::string> requests;
  {
    std::ifstream in(argv[4], std::ios::binary);
    std::string all((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    for (size_t off = 0; off + 2 <= all.size();) {
      size_t len = (static_cast<unsigned char>(all[off]) << 8) | static_cast<unsigned char>(all[off + 1]);
      if (off + 2 + len > all.size()) break;
      std::string body = all.substr(off + 2, len);
      requests.push_back("POST " + t.path + " HTTP/1.1\r\nHost: " + t.host_header +
                         "\r\n" + connection + "Content-Type: application/ocsp-request\r\nContent-Length: " +
                         std::to_string(len) + "\r\n\r\n" + body);
      off += 2 + len;
    }
  }
  if (requests.empty() || conc <= 0 || seconds <= 0) {
    std::fprintf(stderr, "ocsp_load: no requests, or a bad concurrency or duration\n");
    return 2;
  }

  std::atomic<long> errors{0};
  std::vector<std::vector<uint32_t>> lat(static_cast<size_t>(conc));
  const auto start = Clock::now();
  const auto end = start + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(seconds));
  std::vector<std::thread> threads;
  for (int c = 0; c < conc; ++c) {
    threads.emplace_back([&, c] {
      size_t i = static_cast<size_t>(c) * requests.size() / static_cast<size_t>(conc);
      int fd = -1;
      std::string buf;
      auto& mine = lat[static_cast<size_t>(c)];
      mine.reserve(1 << 16);
      while (Clock::now() < end) {
        const auto t0 = Clock::now();
        if (fd < 0) fd = Connect(t);
        bool keep = false;
        bool ok = fd >= 0 && SendAll(fd, requests[i]) && ReadAnswer(fd, buf, &keep);
        const auto t1 = Clock::now();
        if (ok) {
          mine.push_back(static_cast<uint32_t>(std::chrono::duration_cast<std::chrono::microseconds>(t1 - t0).count()));
        } else {
          ++errors;
        }
        if ((!ok || !keep) && fd >= 0) {
          close(fd);
          fd = -1;
        }
        i = (i + 1) % requests.size();
      }
      if (fd >= 0) close(fd);
    });
  }
  for (auto& th : threads) th.join();
  const double elapsed = std::chrono::duration<double>(Clock::now() - start).count();
  std::vector<uint32_t> all;
  for (auto& v : lat) all.insert(all.end(), v.begin(), v.end());
  std::sort(all.begin(), all.end());
  auto pct = [&](double p) -> unsigned {
    return all.empty() ? 0u : all[std::min(all.size() - 1, static_cast<size_t>(p * static_cast<double>(all.size())))];
  };
  std::printf("rps=%.0f p50_us=%u p99_us=%u answers=%zu errors=%ld\n", static_cast<double>(all.size()) / elapsed,
              pct(0.50), pct(0.99), all.size(), errors.load());
  return all.empty() ? 1 : 0;
}
