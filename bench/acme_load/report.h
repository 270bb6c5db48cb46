#pragma once
// What acme-load measures and prints: latency percentiles of whole issuances, errors by kind, and
// the server's CPU time read from /proc/<pid>/stat.
#include <map>
#include <string>
#include <vector>

#include "common/result.h"

namespace ca::acme_load {

// ProcessCpuSeconds is utime + stime of every thread of pid (/proc/<pid>/stat fields 14 and 15).
Result<double> ProcessCpuSeconds(int pid);
// SelfCpuSeconds is this process's user + system time (getrusage).
double SelfCpuSeconds();

struct RunResult {
  std::string challenge;
  int concurrency = 0;
  int accounts = 0;
  int requested = 0;
  long issued = 0;
  long certificates = 0;  // certificates in all downloaded chains
  double seconds = 0;     // wall time of the issuance phase (accounts already exist)
  std::vector<double> latencies_ms;
  std::map<std::string, std::vector<double>> step_ms;  // per step of the flow (IssueStats::step_ms)
  std::map<std::string, long> errors;  // kind -> count
  long posts = 0;
  long polls = 0;
  long authz_reused = 0;
  long bad_nonce = 0;
  long nonce_heads = 0;
  long connects = 0;
  long http01_served = 0;
  int nodes = 1;                         // --connect entries (1 without)
  std::vector<long> issued_by_node;       // issuances completed by the workers of each node
  std::vector<double> server_cpu_s_each;  // per --server-pid, in its order; empty: not measured
  double client_cpu_s = 0;   // acme-load's own CPU time in the timed phase (is the load generator the limit?)
};

// Percentile of sorted values (nearest rank); 0 when empty.
double Percentile(const std::vector<double>& sorted, double p);

std::string TextReport(const RunResult& r);
std::string JsonReport(const RunResult& r);  // one line

}  // namespace ca::acme_load
