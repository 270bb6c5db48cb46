#pragma once
// IssueOne runs one complete issuance (RFC 8555 §7.4): newOrder, GET the authorization, answer its
// challenge (http-01 through the responder, or device-attest-01 with a minted attestation), poll
// the authorization, finalize with a CSR of a fresh key (or the attested device key), poll the
// order, download the chain and check it (every certificate parses; the leaf's key is the CSR's).
#include <map>
#include <string>
#include <vector>

#include "acme_session.h"
#include "common/result.h"
#include "device_attest.h"
#include "http01_responder.h"
#include "options.h"

namespace ca::acme_load {

struct IssueContext {
  const Options* opts = nullptr;
  Http01Responder* http01 = nullptr;  // http-01 mode
  DeviceAttestCa* device = nullptr;   // device-attest-01 mode
};

struct IssueStats {
  long polls = 0;         // POST-as-GET of an authorization or order that was still pending/processing
  long authz_reused = 0;  // authorizations the server handed out valid already (no challenge answered)
  // Wall time of each step ("1 newOrder" .. "7 certificate"; a poll step spans all its polls).
  std::map<std::string, std::vector<double>> step_ms;
};

// IssueOne returns the number of certificates in the downloaded chain.
Result<size_t> IssueOne(const IssueContext& ctx, AcmeSession& s, const Account& acct, IssueStats* stats);

}  // namespace ca::acme_load
