#include "report.h"

#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <sstream>

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <nlohmann/json.hpp>

namespace ca::acme_load {

Result<double> ProcessCpuSeconds(int pid) {
  std::ifstream in(fmt::format("/proc/{}/stat", pid));
  std::string line;
  if (!in || !std::getline(in, line)) return Fail(Errc::kNotFound, fmt::format("proc: no process {}", pid));
  // The command name (field 2) may hold spaces and parentheses: count fields after the last ')'.
  const size_t close = line.rfind(')');
  if (close == std::string::npos) return Fail(Errc::kMalformed, fmt::format("proc: bad /proc/{}/stat", pid));
  std::istringstream rest(line.substr(close + 1));
  std::string field;
  unsigned long long utime = 0, stime = 0;
  for (int i = 3; i <= 15 && rest >> field; ++i) {  // field 3 is the state
    if (i == 14) utime = std::stoull(field);
    if (i == 15) stime = std::stoull(field);
  }
  return static_cast<double>(utime + stime) / static_cast<double>(sysconf(_SC_CLK_TCK));
}

double SelfCpuSeconds() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  const auto secs = [](const timeval& t) { return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_usec) / 1e6; };
  return secs(u.ru_utime) + secs(u.ru_stime);
}

double Percentile(const std::vector<double>& sorted, double p) {
  if (sorted.empty()) return 0;
  const size_t rank = static_cast<size_t>(std::ceil(p * static_cast<double>(sorted.size())));
  return sorted[std::min(sorted.size() - 1, rank == 0 ? 0 : rank - 1)];
}

namespace {

struct Summary {
  double rate = 0, p50 = 0, p99 = 0, max = 0, posts_per = 0, cpu_ms_per = -1;
  double server_cpu_s = 0;  // summed over the --server-pid processes
  long errors = 0;
};

Summary Summarize(const RunResult& r) {
  Summary s;
  std::vector<double> sorted = r.latencies_ms;
  std::sort(sorted.begin(), sorted.end());
  s.rate = r.seconds > 0 ? static_cast<double>(r.issued) / r.seconds : 0;
  s.p50 = Percentile(sorted, 0.50);
  s.p99 = Percentile(sorted, 0.99);
  s.max = sorted.empty() ? 0 : sorted.back();
  s.posts_per = r.issued > 0 ? static_cast<double>(r.posts) / static_cast<double>(r.issued) : 0;
  for (double c : r.server_cpu_s_each) s.server_cpu_s += c;
  if (!r.server_cpu_s_each.empty() && r.issued > 0) {
    s.cpu_ms_per = 1000 * s.server_cpu_s / static_cast<double>(r.issued);
  }
  for (const auto& [kind, n] : r.errors) s.errors += n;
  return s;
}

// StepP50 maps each step of the flow ("1 newOrder" ...) to its median wall time.
std::map<std::string, double> StepP50(const RunResult& r) {
  std::map<std::string, double> out;
  for (auto [step, v] : r.step_ms) {
    std::sort(v.begin(), v.end());
    out[step] = Percentile(v, 0.50);
  }
  return out;
}

}  // namespace

std::string TextReport(const RunResult& r) {
  const Summary s = Summarize(r);
  std::string out;
  out += fmt::format("acme-load: {} of {} issuances ({}, concurrency {}, {} account{}{}) in {:.2f} s\n", r.issued,
                     r.requested, r.challenge, r.concurrency, r.accounts, r.accounts == 1 ? "" : "s",
                     r.nodes > 1 ? fmt::format(", {} nodes", r.nodes) : "", r.seconds);
  out += fmt::format("  issuances/s   {:.1f}\n", s.rate);
  if (r.nodes > 1) out += fmt::format("  per node      {} issued (--connect order)\n", fmt::join(r.issued_by_node, " / "));
  out += fmt::format("  latency ms    p50 {:.1f}  p99 {:.1f}  max {:.1f}\n", s.p50, s.p99, s.max);
  std::string steps;
  for (const auto& [step, p50] : StepP50(r)) steps += fmt::format("{}{} {:.1f}", steps.empty() ? "" : ", ", step.substr(2), p50);
  out += fmt::format("  step p50 ms   {}\n", steps);
  out += fmt::format("  requests      {} signed POSTs ({:.2f} per issuance, {} polls), {} newNonce HEADs, {} connects\n",
                     r.posts, s.posts_per, r.polls, r.nonce_heads, r.connects);
  out += fmt::format("  badNonce      {} (each retried)\n", r.bad_nonce);
  out += fmt::format("  authz reused  {} (valid when the order was made: no challenge answered)\n", r.authz_reused);
  out += fmt::format("  certificates  {} in {} chains\n", r.certificates, r.issued);
  if (r.challenge == "http-01") out += fmt::format("  http-01       {} validation requests answered\n", r.http01_served);
  out += fmt::format("  errors        {}\n", s.errors);
  for (const auto& [kind, n] : r.errors) out += fmt::format("    {:<40} {}\n", kind, n);
  if (s.cpu_ms_per >= 0) {
    std::string each;
    if (r.server_cpu_s_each.size() > 1) each = fmt::format(" (processes: {:.2f} s)", fmt::join(r.server_cpu_s_each, " s, "));
    out += fmt::format("  server CPU    {:.2f} s, {:.2f} ms per issuance{}\n", s.server_cpu_s, s.cpu_ms_per, each);
  }
  out += fmt::format("  acme-load CPU {:.2f} s ({:.0f}% of the wall time)\n", r.client_cpu_s,
                     r.seconds > 0 ? 100 * r.client_cpu_s / r.seconds : 0);
  return out;
}

std::string JsonReport(const RunResult& r) {
  const Summary s = Summarize(r);
  const auto round = [](double v, double to) { return std::round(v * to) / to; };
  nlohmann::json j = {{"challenge", r.challenge},
                      {"concurrency", r.concurrency},
                      {"nodes", r.nodes},
                      {"issued_by_node", r.issued_by_node},
                      {"accounts", r.accounts},
                      {"requested", r.requested},
                      {"issued", r.issued},
                      {"certificates", r.certificates},
                      {"seconds", round(r.seconds, 1000)},
                      {"issuances_per_s", round(s.rate, 100)},
                      {"p50_ms", round(s.p50, 100)},
                      {"p99_ms", round(s.p99, 100)},
                      {"max_ms", round(s.max, 100)},
                      {"posts", r.posts},
                      {"posts_per_issuance", round(s.posts_per, 100)},
                      {"polls", r.polls},
                      {"bad_nonce", r.bad_nonce},
                      {"authz_reused", r.authz_reused},
                      {"nonce_heads", r.nonce_heads},
                      {"connects", r.connects},
                      {"client_cpu_s", round(r.client_cpu_s, 1000)},
                      {"http01_served", r.http01_served},
                      {"errors", s.errors},
                      {"errors_by_kind", r.errors}};
  nlohmann::json steps = nlohmann::json::array();  // in the flow's order
  for (const auto& [step, p50] : StepP50(r)) steps.push_back({{"step", step.substr(2)}, {"p50_ms", round(p50, 100)}});
  j["step_p50_ms"] = std::move(steps);
  if (s.cpu_ms_per >= 0) {
    j["server_cpu_s"] = round(s.server_cpu_s, 1000);
    nlohmann::json each = nlohmann::json::array();
    for (double c : r.server_cpu_s_each) each.push_back(round(c, 1000));
    j["server_cpu_s_each"] = std::move(each);
    j["server_cpu_ms_per_issuance"] = round(s.cpu_ms_per, 1000);
  }
  return j.dump();
}

}  // namespace ca::acme_load
