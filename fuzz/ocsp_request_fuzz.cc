// Fuzz target: the OCSP request parser over arbitrary bytes (as a POST body), and the GET path
// decoder over the same bytes as a request-target. Checks invariants: the simple-request reader of
// the cache-hit path accepts only what the full parser accepts, with the same CertID; a parsed
// request names 1..kMaxCertIds CertIDs with hashes of their algorithm's length, a nonce of 1..128
// octets, and a decoded GET target is never larger than a POST body may be.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "ocsp/http_endpoint.h"
#include "ocsp/request.h"

namespace {

void Require(bool cond) {
  if (!cond) std::abort();
}

void CheckParsed(ca::ByteView der) {
  auto req = ca::ocsp::ParseRequest(der);
  // The cache-hit path's reader accepts nothing the full parser refuses, and reads the same CertID.
  if (auto simple = ca::ocsp::ParseSimpleRequest(der)) {
    Require(req.has_value() && req->cert_ids.size() == 1 && !req->nonce);
    const auto& id = req->cert_ids.front();
    Require(simple->hash == id.hash && simple->serial_hex == id.serial_hex);
    Require(ca::Bytes(simple->issuer_name_hash.begin(), simple->issuer_name_hash.end()) == id.issuer_name_hash);
    Require(ca::Bytes(simple->issuer_key_hash.begin(), simple->issuer_key_hash.end()) == id.issuer_key_hash);
  }
  if (!req) {
    Require(req.error().code == ca::Errc::kMalformed || req.error().code == ca::Errc::kUnauthorized);
    return;
  }
  Require(!req->cert_ids.empty() && req->cert_ids.size() <= ca::ocsp::kMaxCertIds);
  for (const auto& id : req->cert_ids) {
    const size_t len = id.hash == ca::ocsp::HashAlg::kSha1 ? 20 : 32;
    Require(id.issuer_name_hash.size() == len && id.issuer_key_hash.size() == len);
    Require(!id.serial_hex.empty() && id.id != nullptr);
  }
  if (req->nonce) Require(!req->nonce->empty() && req->nonce->size() <= ca::ocsp::kMaxNonceBytes);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  ca::ByteView bytes(data, size);
  CheckParsed(bytes);
  std::string_view text(reinterpret_cast<const char*>(data), size);
  if (auto der = ca::ocsp::DecodeGetTarget(text)) {
    Require(der->size() <= ca::ocsp::kMaxRequestBytes);
    CheckParsed(*der);
  }
  return 0;
}
