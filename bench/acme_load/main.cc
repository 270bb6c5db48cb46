// acme-load: an RFC 8555 issuance load generator (bench/README.md, "Issuance load"). It registers
// one account (or one per worker), then runs N complete issuances at concurrency C against any ACME
// directory, answering http-01 itself or sending minted device-attest-01 attestations, and prints
// issuances/s, latency percentiles, errors by kind and the server's CPU time per issuance.
#include <atomic>
#include <cstdio>
#include <mutex>
#include <thread>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "acme_session.h"
#include "device_attest.h"
#include "http01_responder.h"
#include "issuance.h"
#include "options.h"
#include "report.h"

namespace ca::acme_load {
namespace {

using SteadyClock = std::chrono::steady_clock;

int Die(const std::string& what) {
  std::fprintf(stderr, "acme-load: %s\n", what.c_str());
  return 2;
}

int Run(Options& o) {
  const bool device = o.challenge == "device-attest-01";
  if (o.identifier.empty()) o.identifier = device ? "C02LOADTEST01" : "localhost";
  std::vector<Endpoint> nodes;
  for (const std::string& c : o.connect) {
    auto e = ParseEndpoint(c);
    if (!e) return Die("--connect: " + e.error().detail);
    nodes.push_back(std::move(*e));
  }
  IssueContext ctx{&o, nullptr, nullptr};
  std::unique_ptr<Http01Responder> http01;
  std::unique_ptr<DeviceAttestCa> device_ca;
  if (device) {
    if (o.attest_ca.empty()) return Die("--challenge device-attest-01 needs --attest-ca DIR");
    auto ca = DeviceAttestCa::LoadOrCreate(o.attest_ca);
    if (!ca) return Die(ca.error().detail);
    device_ca = std::move(*ca);
    ctx.device = device_ca.get();
  } else {
    if (o.http01_listen.empty()) return Die("--challenge http-01 needs --http01-listen HOST:PORT");
    auto r = Http01Responder::Start(o.http01_listen);
    if (!r) return Die(r.error().detail);
    http01 = std::move(*r);
    ctx.http01 = http01.get();
  }

  const auto timeout = std::chrono::milliseconds(o.timeout_ms);
  auto tls = MakeTlsContext(o.ca_file, o.insecure);
  if (!tls) return Die(tls.error().detail);
  auto dir = AcmeSession::FetchDirectory(*tls, o.directory, timeout,
                                         nodes.empty() ? std::nullopt : std::optional<Endpoint>(nodes[0]));
  if (!dir) return Die(dir.error().detail);

  // Accounts and connections are set up before the clock starts.
  const int workers = std::min(o.concurrency, o.n);
  std::vector<Account> accounts;
  std::vector<std::unique_ptr<AcmeSession>> sessions;
  for (int i = 0; i < workers; ++i) {
    Directory node_dir = *dir;
    if (!nodes.empty()) node_dir.origin.connect = nodes[static_cast<size_t>(i) % nodes.size()];
    sessions.push_back(std::make_unique<AcmeSession>(*tls, node_dir, timeout));
    if (i == 0 || o.account_per_worker) {
      auto a = sessions.back()->NewAccount();
      if (!a) return Die("newAccount: " + a.error().detail);
      accounts.push_back(std::move(*a));
    }
    if (auto p = sessions.back()->Prime(); !p) return Die(p.error().detail);
  }

  RunResult result;
  result.challenge = o.challenge;
  result.concurrency = workers;
  result.accounts = static_cast<int>(accounts.size());
  result.requested = o.n;
  result.nodes = std::max<int>(1, static_cast<int>(nodes.size()));
  result.issued_by_node.assign(static_cast<size_t>(result.nodes), 0);
  std::vector<double> cpu_before;
  for (int pid : o.server_pids) {
    auto c = ProcessCpuSeconds(pid);
    if (!c) return Die(c.error().detail);
    cpu_before.push_back(*c);
  }

  // Only the issuances count: the setup's newAccount POSTs and priming HEADs are left out.
  std::vector<SessionCounters> setup;
  for (const auto& s : sessions) setup.push_back(s->counters());

  std::atomic<int> next{0};
  std::atomic<bool> first_error_shown{false};
  std::mutex mu;
  const double client_cpu_before = SelfCpuSeconds();
  const auto start = SteadyClock::now();
  std::vector<std::thread> threads;
  for (int w = 0; w < workers; ++w) {
    threads.emplace_back([&, w] {
      AcmeSession& s = *sessions[static_cast<size_t>(w)];
      const Account& acct = accounts[o.account_per_worker ? static_cast<size_t>(w) : 0];
      std::vector<double> lat;
      std::map<std::string, long> errors;
      long certs = 0;
      IssueStats stats;
      while (next.fetch_add(1) < o.n) {
        const auto t0 = SteadyClock::now();
        Result<size_t> r = Fail(Errc::kInternal, "exception: unknown");
        try {  // JSON of the server's making may still throw (a string that is not UTF-8, dumped)
          r = IssueOne(ctx, s, acct, &stats);
        } catch (const std::exception& e) {
          r = Fail(Errc::kInternal, std::string("exception: ") + e.what());
        }
        const auto t1 = SteadyClock::now();
        if (r) {
          lat.push_back(std::chrono::duration<double, std::milli>(t1 - t0).count());
          certs += static_cast<long>(*r);
        } else {
          ++errors[ErrorKind(r.error())];
          if (!first_error_shown.exchange(true)) {
            std::fprintf(stderr, "acme-load: first error: %s\n", r.error().detail.c_str());
          }
        }
      }
      std::lock_guard lock(mu);
      result.latencies_ms.insert(result.latencies_ms.end(), lat.begin(), lat.end());
      result.issued_by_node[static_cast<size_t>(w % result.nodes)] += static_cast<long>(lat.size());
      for (const auto& [k, n] : errors) result.errors[k] += n;
      result.certificates += certs;
      result.polls += stats.polls;
      result.authz_reused += stats.authz_reused;
      for (auto& [step, v] : stats.step_ms) {
        auto& all = result.step_ms[step];
        all.insert(all.end(), v.begin(), v.end());
      }
    });
  }
  for (auto& t : threads) t.join();
  result.seconds = std::chrono::duration<double>(SteadyClock::now() - start).count();
  result.client_cpu_s = SelfCpuSeconds() - client_cpu_before;
  for (size_t i = 0; i < o.server_pids.size(); ++i) {
    auto c = ProcessCpuSeconds(o.server_pids[i]);
    if (!c) return Die(fmt::format("server process {} is gone: {}", o.server_pids[i], c.error().detail));
    result.server_cpu_s_each.push_back(*c - cpu_before[i]);
  }
  result.issued = static_cast<long>(result.latencies_ms.size());
  for (size_t i = 0; i < sessions.size(); ++i) {
    const SessionCounters& c = sessions[i]->counters();
    result.posts += c.posts - setup[i].posts;
    result.bad_nonce += c.bad_nonce - setup[i].bad_nonce;
    result.nonce_heads += c.nonce_heads - setup[i].nonce_heads;
    result.connects += sessions[i]->connects();
  }
  if (http01) result.http01_served = http01->served();
  std::fputs((o.json ? JsonReport(result) + "\n" : TextReport(result)).c_str(), stdout);
  return result.issued == o.n && result.errors.empty() ? 0 : 1;
}

}  // namespace
}  // namespace ca::acme_load

int main(int argc, char** argv) {
  ca::acme_load::Options o;
  std::string make_attest_ca;
  CLI::App app{"acme-load: RFC 8555 issuance load generator"};
  app.add_option("--directory", o.directory, "ACME directory URL (https://...)");
  app.add_option("--n", o.n, "issuances")->check(CLI::Range(1, 10000000));
  app.add_option("--concurrency", o.concurrency, "workers, one keep-alive connection each")->check(CLI::Range(1, 4096));
  app.add_option("--ca-file", o.ca_file, "PEM file trusted for the server's TLS certificate");
  app.add_flag("--insecure", o.insecure, "do not verify the server's TLS certificate");
  app.add_flag("--json", o.json, "print one JSON line");
  app.add_option("--server-pid", o.server_pids,
                 "server process(es), PID[,PID...]: their summed CPU seconds per issuance from /proc/<pid>/stat")
      ->delimiter(',')
      ->check(CLI::PositiveNumber);
  app.add_option("--connect", o.connect,
                 "HOST:PORT[,HOST:PORT...]: worker i connects to entry i mod k (several nodes behind the "
                 "directory's name; TLS name, Host and URLs stay the directory's)")
      ->delimiter(',');
  app.add_option("--http01-listen", o.http01_listen, "answer http-01 on HOST:PORT (e.g. 127.0.0.1:5002)");
  app.add_option("--challenge", o.challenge, "http-01 or device-attest-01")
      ->check(CLI::IsMember({"http-01", "device-attest-01"}));
  app.add_option("--identifier", o.identifier,
                 "dns name to order (http-01, default localhost) or device serial (device-attest-01)");
  app.add_option("--attest-ca", o.attest_ca, "device-attest-01: folder of the test attestation root (made if missing)");
  app.add_option("--make-attest-ca", make_attest_ca, "only create the test attestation root in DIR (DIR/root.pem) and exit");
  app.add_flag("--account-per-worker", o.account_per_worker, "one account per worker instead of one shared");
  app.add_option("--timeout-ms", o.timeout_ms, "per request, and per wait for a validation or an issuance")
      ->check(CLI::Range(100, 600000));
  CLI11_PARSE(app, argc, argv);
  if (!make_attest_ca.empty()) {
    auto ca = ca::acme_load::DeviceAttestCa::LoadOrCreate(make_attest_ca);
    if (!ca) return ca::acme_load::Die(ca.error().detail);
    std::printf("%s/root.pem\n", make_attest_ca.c_str());
    return 0;
  }
  if (o.directory.empty()) return ca::acme_load::Die("--directory is required");
  return ca::acme_load::Run(o);
}
