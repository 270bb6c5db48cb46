// Responder: Resolve each CertID against our issuer and the store, then Sign one answer.
#include "ocsp/responder.h"

#include <algorithm>
#include <array>
#include <atomic>
#include <string_view>

#include "common/log.h"
#include "ocsp/delegated_signer.h"
#include "ocsp/ossl_ocsp.h"
#include "ossl/error.h"
#include "ossl/pem.h"

namespace ca::ocsp {

struct Responder::State {
  const issuance::Issuer* issuer = nullptr;
  storage::CertStore* store = nullptr;
  const Clock* clock = nullptr;
  ResponderOptions opts;
  // The CertID hashes that name our issuer, per hash algorithm (index: HashAlg).
  std::array<Bytes, 2> name_hash;
  std::array<Bytes, 2> key_hash;
  UnixTime issuer_not_after = 0;
  std::unique_ptr<DelegatedSigner> delegated;  // signer = "delegated" only
  std::unique_ptr<ResponseCache> cache;
  ossl::UniquePtr<X509> issuer_cert;  // builds the CertIDs Presign answers for
  mutable std::atomic<uint64_t> signatures{0};
};

namespace {

// Starts the detail of the unauthorized answer for an expired certificate without a usable answer.
constexpr std::string_view kExpiredDetail = "certificate expired";

const EVP_MD* MdFor(HashAlg h) { return h == HashAlg::kSha1 ? EVP_sha1() : EVP_sha256(); }

size_t Index(HashAlg h) { return h == HashAlg::kSha1 ? 0 : 1; }

ossl::UniquePtr<ASN1_STRING> GeneralizedTime(UnixTime t) {
  return ossl::UniquePtr<ASN1_STRING>(ASN1_GENERALIZEDTIME_set(nullptr, static_cast<time_t>(t)));
}

void AppendInt(Bytes& out, int64_t v) {
  for (int shift = 56; shift >= 0; shift -= 8) out.push_back(static_cast<uint8_t>(static_cast<uint64_t>(v) >> shift));
}

}  // namespace

Answer ErrorAnswer(ResponseStatus status, std::string detail) {
  Answer a;
  a.status = status;
  // OCSPResponse ::= SEQUENCE { responseStatus ENUMERATED } with no responseBytes.
  a.der = {0x30, 0x03, 0x0a, 0x01, static_cast<uint8_t>(status)};
  a.detail = std::move(detail);
  return a;
}

Responder::Responder(std::unique_ptr<State> s) : s_(std::move(s)) {}
Responder::~Responder() = default;

Result<std::unique_ptr<Responder>> Responder::Create(const issuance::Issuer& issuer, storage::CertStore& store,
                                                     const Clock& clock, ResponderOptions opts) {
  auto s = std::make_unique<State>();
  s->issuer = &issuer;
  s->store = &store;
  s->clock = &clock;
  s->opts = opts;
  s->issuer_not_after = issuer.intermediate_not_after();
  s->cache = std::make_unique<ResponseCache>(opts.cache_entries);
  if (opts.signer == SignerKind::kDelegated) {
    CA_TRY(s->delegated, DelegatedSigner::Create(issuer, clock, DelegatedLifetime(opts.validity_s), opts.validity_s));
  }
  CA_TRY(auto cert, ossl::CertFromPem(issuer.intermediate_pem()));
  for (HashAlg h : {HashAlg::kSha1, HashAlg::kSha256}) {
    unsigned char buf[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    // issuerNameHash: the DER subject; issuerKeyHash: the subjectPublicKey bits (RFC 6960 §4.1.1).
    if (X509_NAME_digest(X509_get_subject_name(cert.get()), MdFor(h), buf, &len) != 1) {
      return ossl::Internal("X509_NAME_digest");
    }
    s->name_hash[Index(h)].assign(buf, buf + len);
    if (X509_pubkey_digest(cert.get(), MdFor(h), buf, &len) != 1) return ossl::Internal("X509_pubkey_digest");
    s->key_hash[Index(h)].assign(buf, buf + len);
  }
  s->issuer_cert = std::move(cert);
  return std::unique_ptr<Responder>(new Responder(std::move(s)));
}

Result<void> Responder::Presign(const std::string& serial_hex) const {
  return AnswerBothHashes(serial_hex, "presign", false);
}

Result<void> Responder::Revoked(const std::string& serial_hex) const {
  return AnswerBothHashes(serial_hex, "revoked", true);
}

Result<void> Responder::AnswerBothHashes(const std::string& serial_hex, const char* what, bool expired_is_ok) const {
  const std::string prefix = std::string("ocsp ") + what + ": ";
  BIGNUM* bn = nullptr;
  if (serial_hex.empty() || BN_hex2bn(&bn, serial_hex.c_str()) != static_cast<int>(serial_hex.size())) {
    BN_free(bn);
    return Fail(Errc::kInternal, prefix + "serial \"" + serial_hex + "\" is not hex");
  }
  ossl::UniquePtr<BIGNUM> serial_bn(bn);
  ossl::UniquePtr<ASN1_STRING> serial(BN_to_ASN1_INTEGER(serial_bn.get(), nullptr));
  if (!serial) return ossl::Internal("BN_to_ASN1_INTEGER");
  X509* issuer = s_->issuer_cert.get();
  for (HashAlg h : {HashAlg::kSha1, HashAlg::kSha256}) {
    // The request a client would send (no nonce), through the same path: parse, resolve, cache.
    ossl::UniquePtr<OCSP_REQUEST> req(OCSP_REQUEST_new());
    OCSP_CERTID* id = OCSP_cert_id_new(MdFor(h), X509_get_subject_name(issuer), X509_get0_pubkey_bitstr(issuer),
                                       serial.get());
    if (!req || id == nullptr || OCSP_request_add0_id(req.get(), id) == nullptr) {
      OCSP_CERTID_free(id);
      return ossl::Internal(prefix + "building the request");
    }
    unsigned char* der = nullptr;
    int len = i2d_OCSP_REQUEST(req.get(), &der);
    if (len <= 0) return ossl::Internal("i2d_OCSP_REQUEST");
    Bytes bytes(der, der + len);
    OPENSSL_free(der);
    Answer a = Respond(bytes, false);
    if (expired_is_ok && a.status == ResponseStatus::kUnauthorized && a.detail.starts_with(kExpiredDetail)) continue;
    if (a.status != ResponseStatus::kSuccessful) return Fail(Errc::kInternal, prefix + a.detail);
  }
  return Ok();
}

Answer Responder::Respond(ByteView request_der, bool may_echo_nonce) const {
  auto req = ParseRequest(request_der);
  if (!req) {
    ResponseStatus st = req.error().code == Errc::kMalformed      ? ResponseStatus::kMalformedRequest
                        : req.error().code == Errc::kUnauthorized ? ResponseStatus::kUnauthorized
                                                                  : ResponseStatus::kInternalError;
    return ErrorAnswer(st, req.error().detail);
  }
  auto statuses = Resolve(*req);
  if (!statuses) {
    if (statuses.error().code == Errc::kUnauthorized) {
      return ErrorAnswer(ResponseStatus::kUnauthorized, statuses.error().detail);
    }
    log::Error("ocsp: status lookup failed: {}", statuses.error().detail);
    return ErrorAnswer(ResponseStatus::kInternalError, statuses.error().detail);
  }
  const UnixTime now = s_->clock->Now();
  const bool any_expired = std::any_of(statuses->begin(), statuses->end(),
                                       [now](const CertState& st) { return now > st.not_after; });
  // An expired certificate gets no new signature: only its cached answer, without the nonce.
  bool echo = s_->opts.echo_nonce && may_echo_nonce && req->nonce.has_value() && !any_expired;
  Result<Answer> answer;
  if (!echo && req->cert_ids.size() == 1) {
    answer = Cached(*req, statuses->front());
  } else if (any_expired) {
    return ErrorAnswer(ResponseStatus::kUnauthorized, std::string(kExpiredDetail) + " (in a several-CertID request)");
  } else {
    std::vector<SingleStatus> says;
    says.reserve(statuses->size());
    for (const CertState& st : *statuses) says.push_back(st.status);
    answer = Sign(*req, says, echo);
  }
  if (!answer) {
    if (answer.error().code == Errc::kUnauthorized) {
      return ErrorAnswer(ResponseStatus::kUnauthorized, answer.error().detail);
    }
    log::Error("ocsp: signing failed: {}", answer.error().detail);
    return ErrorAnswer(ResponseStatus::kInternalError, answer.error().detail);
  }
  return std::move(*answer);
}

ResponderStats Responder::stats() const {
  ResponderStats st;
  st.cache_hits = s_->cache->hits();
  st.cache_misses = s_->cache->misses();
  st.cache_size = s_->cache->size();
  st.signatures = s_->signatures.load();
  st.signer_rotations = s_->delegated ? s_->delegated->rotations() : 0;
  return st;
}

Result<Answer> Responder::Cached(const ParsedRequest& req, const CertState& state) const {
  const SingleStatus& status = state.status;
  const CertIdRef& id = req.cert_ids.front();
  const std::string key = (id.hash == HashAlg::kSha1 ? "1:" : "2:") + id.serial_hex;
  const UnixTime now = s_->clock->Now();
  auto entry = s_->cache->Get(key);
  // The status was read from the store after the request arrived: an entry that says anything else
  // (a revocation since it was signed, by any path) is never served.
  const bool usable = entry && entry->status == status && now >= entry->this_update;
  if (now > state.not_after) {
    // Expired (spec §5): no re-signing; the last answer stands until its nextUpdate, never past it.
    if (!usable || now >= entry->next_update) {
      return Fail(Errc::kUnauthorized, std::string(kExpiredDetail) + ": serial " + id.serial_hex);
    }
  } else if (!usable || now >= entry->refresh_at) {
    CA_TRY(Answer fresh, Sign(req, {status}, false));
    auto e = std::make_shared<CachedAnswer>();
    e->der = std::move(fresh.der);
    e->etag = "\"" + Hex(ossl::Sha256(e->der)).substr(0, 32) + "\"";
    e->this_update = fresh.this_update;
    e->next_update = fresh.next_update;
    // Re-sign in the last quarter of the validity (BR 4.9.9 wants it before half for short
    // validities: the default 4h validity re-signs after 3h, keeping an hour's margin).
    e->refresh_at = fresh.this_update + (fresh.next_update - fresh.this_update) * 3 / 4;
    e->status = status;
    // Refused when a revocation's answer got there first: this one serves the request it was signed
    // for (whose status read came before the revocation), and no later one.
    s_->cache->Put(key, e);
    entry = std::move(e);
  }
  Answer a;
  a.status = ResponseStatus::kSuccessful;
  a.der = entry->der;
  a.this_update = entry->this_update;
  a.next_update = entry->next_update;
  a.etag = entry->etag;
  return a;
}

Result<std::vector<Responder::CertState>> Responder::Resolve(const ParsedRequest& req) const {
  std::vector<CertState> out;
  out.reserve(req.cert_ids.size());
  for (const CertIdRef& id : req.cert_ids) {
    size_t i = Index(id.hash);
    if (id.issuer_name_hash != s_->name_hash[i] || id.issuer_key_hash != s_->key_hash[i]) {
      return Fail(Errc::kUnauthorized, "CertID names another issuer");
    }
    auto rec = s_->store->GetCertificateStatusBySerial(id.serial_hex);
    if (!rec) {
      if (rec.error().code == Errc::kNotFound) return Fail(Errc::kUnauthorized, "serial " + id.serial_hex + " was never issued");
      return Fail(rec.error());
    }
    CertState st;
    st.not_after = rec->not_after;
    if (rec->revoked_at) {
      st.status.revoked = true;
      st.status.revoked_at = *rec->revoked_at;
      st.status.reason = rec->revocation_reason;
    }
    out.push_back(st);
  }
  return out;
}

Result<Answer> Responder::Sign(const ParsedRequest& req, const std::vector<SingleStatus>& statuses,
                               bool echo_nonce) const {
  const UnixTime now = s_->clock->Now();
  Answer a;
  a.status = ResponseStatus::kSuccessful;
  a.this_update = now - now % 60;
  // Never promise beyond the issuer's own validity.
  a.next_update = std::min<UnixTime>(a.this_update + s_->opts.validity_s, s_->issuer_not_after);
  std::shared_ptr<const DelegatedSigner::Credential> cred;
  if (s_->delegated) {
    // The delegated signer signs only answers that end before it does.
    CA_TRY(cred, s_->delegated->Current(now));
    a.next_update = std::min(a.next_update, cred->not_after);
  }
  auto this_update = GeneralizedTime(a.this_update);
  auto next_update = GeneralizedTime(a.next_update);
  if (!this_update || !next_update) return ossl::Internal("ASN1_GENERALIZEDTIME_set");

  Bytes validator;  // what the answer says, for its ETag
  AppendInt(validator, a.this_update);
  AppendInt(validator, a.next_update);

  ossl::UniquePtr<OCSP_BASICRESP> basic(OCSP_BASICRESP_new());
  if (!basic) return ossl::Internal("OCSP_BASICRESP_new");
  for (size_t i = 0; i < statuses.size(); ++i) {
    const SingleStatus& st = statuses[i];
    ossl::UniquePtr<ASN1_STRING> revoked_at;
    int reason = OCSP_REVOKED_STATUS_NOSTATUS;  // leaves revocationReason out
    if (st.revoked) {
      revoked_at = GeneralizedTime(st.revoked_at);
      if (!revoked_at) return ossl::Internal("ASN1_GENERALIZEDTIME_set");
      if (st.reason != 0) reason = st.reason;
    }
    // The request's CertID is echoed as it came (same hash algorithm and parameters).
    if (OCSP_basic_add1_status(basic.get(), req.cert_ids[i].id.get(),
                               st.revoked ? V_OCSP_CERTSTATUS_REVOKED : V_OCSP_CERTSTATUS_GOOD, reason,
                               revoked_at.get(), this_update.get(), next_update.get()) == nullptr) {
      return ossl::Internal("OCSP_basic_add1_status");
    }
    unsigned char* cid = nullptr;
    int cid_len = i2d_OCSP_CERTID(req.cert_ids[i].id.get(), &cid);
    if (cid_len <= 0 || cid == nullptr) return ossl::Internal("i2d_OCSP_CERTID");
    AppendInt(validator, cid_len);
    validator.insert(validator.end(), cid, cid + cid_len);
    OPENSSL_free(cid);
    AppendInt(validator, st.revoked ? 1 : 0);
    AppendInt(validator, st.revoked_at);
    AppendInt(validator, reason);
  }
  a.etag = "W/\"" + Hex(ossl::Sha256(validator)) + "\"";
  if (echo_nonce) {
    if (OCSP_copy_nonce(basic.get(), req.request.get()) != 1) return ossl::Internal("OCSP_copy_nonce");
    a.nonce_echoed = true;
  }
  if (cred) {
    CA_RETURN_IF_ERROR(DelegatedSigner::Sign(*cred, basic.get(), now, a.next_update));
  } else {
    CA_RETURN_IF_ERROR(s_->issuer->SignOcspResponse(basic.get(), now));
  }
  s_->signatures.fetch_add(1);

  ossl::UniquePtr<OCSP_RESPONSE> resp(OCSP_response_create(OCSP_RESPONSE_STATUS_SUCCESSFUL, basic.get()));
  if (!resp) return ossl::Internal("OCSP_response_create");
  unsigned char* der = nullptr;
  int len = i2d_OCSP_RESPONSE(resp.get(), &der);
  if (len <= 0 || der == nullptr) return ossl::Internal("i2d_OCSP_RESPONSE");
  a.der.assign(der, der + len);
  OPENSSL_free(der);
  return a;
}

}  // namespace ca::ocsp
