#pragma once
// Options of acme-load (main.cc parses them; README: bench/README.md "Issuance").
#include <string>
#include <vector>

namespace ca::acme_load {

struct Options {
  std::string directory;        // https://host:port/.../directory
  int n = 100;                  // issuances
  int concurrency = 1;          // workers, each with its own keep-alive connection
  std::string ca_file;          // PEM trust for the server's TLS certificate
  bool insecure = false;        // no TLS verification
  bool json = false;            // one JSON line instead of the text report
  // Server processes (one per node): /proc/<pid>/stat read before and after the timed phase; the
  // report gives their summed CPU per issuance.
  std::vector<int> server_pids;
  // Several nodes behind one name: worker i opens its TCP connection to connect[i % size] (HOST:PORT),
  // as a DNS round robin or an L4 balancer would spread clients. TLS server name, certificate check,
  // Host header and every URL stay the directory's origin, so all nodes must serve the same external
  // URL and a certificate valid for it. Setup (directory, accounts) goes to the first entry; each
  // worker keeps to its node, nonces included. Empty: connect to the directory's host:port.
  std::vector<std::string> connect;
  std::string http01_listen;    // "127.0.0.1:5002": answer http-01 here
  std::string challenge = "http-01";  // or "device-attest-01"
  std::string identifier;       // http-01: dns name (default "localhost"); device: the serial number
  std::string attest_ca;        // device-attest-01: folder of the test root (created if missing)
  bool account_per_worker = false;
  int timeout_ms = 30000;       // per request, and per wait for an authorization or order
};

}  // namespace ca::acme_load
