#include "acme/problem.h"

#include <nlohmann/json.hpp>

#include "common/log.h"

namespace ca::acme {

ProblemType TypeOf(Errc code) {
  switch (code) {
    case Errc::kMalformed: return {"malformed", 400};
    case Errc::kUnauthorized: return {"unauthorized", 403};
    case Errc::kNotFound: return {"malformed", 404};
    case Errc::kMethodNotAllowed: return {"malformed", 405};
    case Errc::kBadNonce: return {"badNonce", 400};
    case Errc::kBadSignatureAlgorithm: return {"badSignatureAlgorithm", 400};
    case Errc::kBadPublicKey: return {"badPublicKey", 400};
    case Errc::kBadCsr: return {"badCSR", 400};
    case Errc::kRejectedIdentifier: return {"rejectedIdentifier", 400};
    case Errc::kUnsupportedIdentifier: return {"unsupportedIdentifier", 400};
    case Errc::kOrderNotReady: return {"orderNotReady", 403};
    case Errc::kAccountDoesNotExist: return {"accountDoesNotExist", 400};
    case Errc::kInvalidContact: return {"invalidContact", 400};
    case Errc::kUnsupportedContact: return {"unsupportedContact", 400};
    case Errc::kExternalAccountRequired: return {"externalAccountRequired", 400};
    case Errc::kBadRevocationReason: return {"badRevocationReason", 400};
    case Errc::kAlreadyRevoked: return {"alreadyRevoked", 400};
    case Errc::kConnection: return {"connection", 400};
    case Errc::kDns: return {"dns", 400};
    case Errc::kIncorrectResponse: return {"incorrectResponse", 400};
    case Errc::kTls: return {"tls", 400};
    case Errc::kCaa: return {"caa", 403};
    case Errc::kRateLimited: return {"rateLimited", 429};
    case Errc::kConflict: return {"malformed", 409};
    case Errc::kPayloadTooLarge: return {"malformed", 413};
    case Errc::kUnsupportedMediaType: return {"malformed", 415};
    case Errc::kBadAttestation: return {"badAttestationStatement", 400};
    case Errc::kUnavailable: return {"serverInternal", 503};
    case Errc::kInternal: return {"serverInternal", 500};
  }
  return {"serverInternal", 500};
}

std::string TypeUrn(Errc code) { return std::string("urn:ietf:params:acme:error:") + TypeOf(code).urn_suffix; }

std::string ProblemJson(const Error& e) {
  ProblemType t = TypeOf(e.code);
  nlohmann::json j = {{"type", TypeUrn(e.code)},
                      {"detail", e.code == Errc::kInternal ? "the server had an internal error" : e.detail},
                      {"status", t.http_status}};
  if (!e.sub.empty()) {
    auto subs = nlohmann::json::array();
    for (const auto& s : e.sub) {
      nlohmann::json sj = {{"type", TypeUrn(s.code)}, {"detail", s.detail}};
      if (!s.identifier_type.empty()) {
        sj["identifier"] = {{"type", s.identifier_type}, {"value", s.identifier_value}};
      }
      subs.push_back(std::move(sj));
    }
    j["subproblems"] = std::move(subs);
  }
  return j.dump();
}

http::Response ProblemResponse(const Error& e) {
  if (e.code == Errc::kInternal) log::Error("internal error: {}", e.detail);
  http::Response r;
  r.status = TypeOf(e.code).http_status;
  r.Set("Content-Type", "application/problem+json");
  r.body = ProblemJson(e);
  return r;
}

}  // namespace ca::acme
