#include "issuance.h"

#include <openssl/evp.h>

#include <chrono>
#include <thread>

#include <fmt/format.h>

#include "common/base64.h"
#include "ossl/pem.h"
#include "support/csr_builder.h"
#include "support/jws_signer.h"

namespace ca::acme_load {
namespace {

using SteadyClock = std::chrono::steady_clock;

// Timed runs one step of the flow and records its wall time under name (successful steps only).
template <class F>
auto Timed(IssueStats* stats, const char* name, F&& step) {
  const auto t0 = SteadyClock::now();
  auto r = step();
  if (r) stats->step_ms[name].push_back(std::chrono::duration<double, std::milli>(SteadyClock::now() - t0).count());
  return r;
}

Error Protocol(std::string detail) { return Error{Errc::kIncorrectResponse, "protocol: " + detail, {}}; }

std::string StringMember(const nlohmann::json& j, const char* name) {
  if (!j.is_object()) return {};
  const auto it = j.find(name);
  return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

// InvalidAuthz names why an authorization became invalid: its challenge's error type (in the
// kind: "authz-invalid:connection") and detail.
Error InvalidAuthz(const nlohmann::json& authz) {
  std::string why = ": no error given";
  if (const auto chs = authz.is_object() ? authz.find("challenges") : authz.end(); chs != authz.end() && chs->is_array()) {
    for (const auto& c : *chs) {
      if (c.is_object() && c.contains("error")) {
        std::string type = StringMember(c["error"], "type");
        if (const size_t colon = type.rfind(':'); colon != std::string::npos) type = type.substr(colon + 1);
        why = fmt::format(":{}: {}", type, StringMember(c["error"], "detail").substr(0, 200));
      }
    }
  }
  return Error{Errc::kIncorrectResponse, "authz-invalid" + why, {}};
}

// PollWhile POSTs-as-GET url until its status leaves `waiting` (sleeping 1, 2, 4 .. 32 ms between
// tries, so a server that validates or issues in the background is not hammered); the answer's
// JSON is returned whatever status it then has.
Result<nlohmann::json> PollWhile(const IssueContext& ctx, AcmeSession& s, const Account& acct, const std::string& url,
                                 std::initializer_list<std::string_view> waiting, IssueStats* stats) {
  const auto deadline = SteadyClock::now() + std::chrono::milliseconds(ctx.opts->timeout_ms);
  auto pause = std::chrono::milliseconds(1);
  for (;;) {
    CA_TRY(AcmeAnswer a, s.Post(acct, url, std::nullopt));
    const std::string status = StringMember(a.json, "status");
    if (std::find(waiting.begin(), waiting.end(), status) == waiting.end()) return std::move(a.json);
    ++stats->polls;
    if (SteadyClock::now() + pause > deadline) {
      return Fail(Errc::kConnection, fmt::format("timeout: {} still {} after {} ms", url, status, ctx.opts->timeout_ms));
    }
    std::this_thread::sleep_for(pause);
    pause = std::min(pause * 2, std::chrono::milliseconds(32));
  }
}

// CheckChain parses every certificate of the PEM chain and compares the leaf's key with csr_key.
Result<size_t> CheckChain(const std::string& pem, EVP_PKEY* csr_key) {
  auto certs = ossl::CertsFromPem(pem);
  if (!certs || certs->empty()) {
    return Fail(Errc::kIncorrectResponse,
                fmt::format("certificate-unparsable: {}", certs ? "no certificate in the chain" : certs.error().detail));
  }
  EVP_PKEY* leaf_key = X509_get0_pubkey((*certs)[0].get());
  if (leaf_key == nullptr || EVP_PKEY_eq(leaf_key, csr_key) != 1) {
    return Fail(Errc::kIncorrectResponse, "certificate-mismatch: the leaf's key is not the CSR's key");
  }
  return certs->size();
}

}  // namespace

Result<size_t> IssueOne(const IssueContext& ctx, AcmeSession& s, const Account& acct, IssueStats* stats) {
  const bool device = ctx.device != nullptr;
  const std::string& id = ctx.opts->identifier;
  const nlohmann::json identifier = {{"type", device ? "permanent-identifier" : "dns"}, {"value", id}};

  // newOrder
  CA_TRY(AcmeAnswer order, Timed(stats, "1 newOrder", [&] {
           return s.Post(acct, s.directory().new_order,
                         nlohmann::json{{"identifiers", nlohmann::json::array({identifier})}});
         }));
  const std::string order_url = order.http.location;
  const std::string finalize_url = StringMember(order.json, "finalize");
  const auto authzs = order.json.is_object() ? order.json.find("authorizations") : order.json.end();
  if (order.http.status != 201 || order_url.empty() || finalize_url.empty() || authzs == order.json.end() ||
      !authzs->is_array() || authzs->size() != 1 || !(*authzs)[0].is_string()) {
    return Fail(Protocol(fmt::format("newOrder -> {} {}", order.http.status, order.http.body.substr(0, 200))));
  }
  const std::string authz_url = (*authzs)[0].get<std::string>();

  // The authorization and its challenge of our type. A server may hand out an authorization that
  // is valid already (pebble reuses one about 1 time in 100 even with PEBBLE_AUTHZREUSE=0): like
  // any client, go straight to finalize then, and count it.
  CA_TRY(AcmeAnswer authz, Timed(stats, "2 authz", [&] { return s.Post(acct, authz_url, std::nullopt); }));
  const bool reused = StringMember(authz.json, "status") == "valid";
  if (reused) ++stats->authz_reused;
  std::string token, challenge_url;
  if (const auto chs = authz.json.is_object() ? authz.json.find("challenges") : authz.json.end();
      chs != authz.json.end() && chs->is_array()) {
    for (const auto& c : *chs) {
      if (StringMember(c, "type") == ctx.opts->challenge) {
        token = StringMember(c, "token");
        challenge_url = StringMember(c, "url");
      }
    }
  }
  if (!reused && (token.empty() || challenge_url.empty())) {
    return Fail(Protocol(fmt::format("authorization {} offers no {} challenge", authz_url, ctx.opts->challenge)));
  }

  // The answer: the key authorization served on http-01, or a minted attestation.
  ossl::UniquePtr<EVP_PKEY> cert_key;
  nlohmann::json answer = nlohmann::json::object();
  if (device && reused) {
    return Fail(Protocol(fmt::format("authorization {} is valid before any attestation: no attested key", authz_url)));
  }
  if (device) {
    DeviceAttestCa::Attestation att = ctx.device->Attest(id, token);
    cert_key = std::move(att.device_key);
    answer["attObj"] = std::move(att.att_obj);
  } else if (!reused) {
    ctx.http01->Put(token, token + "." + acct.thumbprint);
  }
  struct Unregister {  // the token leaves the responder however this issuance ends
    Http01Responder* r;
    const std::string& token;
    ~Unregister() {
      if (r != nullptr) r->Remove(token);
    }
  } unregister{device || reused ? nullptr : ctx.http01, token};

  if (!reused) {
    CA_TRY(AcmeAnswer chall, Timed(stats, "3 challenge", [&] { return s.Post(acct, challenge_url, answer); }));
    (void)chall;
    CA_TRY(nlohmann::json authz_now,
           Timed(stats, "4 authz poll", [&] { return PollWhile(ctx, s, acct, authz_url, {"pending"}, stats); }));
    const std::string authz_status = StringMember(authz_now, "status");
    if (authz_status == "invalid") return Fail(InvalidAuthz(authz_now));
    if (authz_status != "valid") return Fail(Protocol(fmt::format("authorization is {}", authz_status)));
  }

  // finalize with a CSR of a fresh key (http-01) or of the attested key (device-attest-01).
  if (!cert_key) {
    try {
      cert_key = testing::GenerateTestKey("P-256");
    } catch (const std::exception& e) {
      return Fail(Errc::kInternal, fmt::format("key: {}", e.what()));
    }
  }
  testing::CsrOptions csr;
  csr.common_name = id;
  if (!device) csr.dns_names = {id};
  const Bytes csr_der = testing::MakeCsrDer(cert_key.get(), csr);
  CA_TRY(AcmeAnswer fin, Timed(stats, "5 finalize", [&] {
           return s.Post(acct, finalize_url, nlohmann::json{{"csr", Base64UrlEncode(csr_der)}});
         }));
  nlohmann::json order_now = std::move(fin.json);
  if (StringMember(order_now, "status") != "valid") {
    CA_TRY(order_now, Timed(stats, "6 order poll", [&] {
             return PollWhile(ctx, s, acct, order_url, {"processing", "ready"}, stats);
           }));
  }
  const std::string cert_url = StringMember(order_now, "certificate");
  if (StringMember(order_now, "status") != "valid" || cert_url.empty()) {
    return Fail(Protocol(fmt::format("order {} is {} after finalize", order_url, StringMember(order_now, "status"))));
  }

  // Download and check the chain.
  CA_TRY(AcmeAnswer cert, Timed(stats, "7 certificate", [&] { return s.Post(acct, cert_url, std::nullopt); }));
  return CheckChain(cert.http.body, cert_key.get());
}

}  // namespace ca::acme_load
