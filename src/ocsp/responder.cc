// Responder: Resolve each CertID against our issuer and the store, then Sign one answer.
#include "ocsp/responder.h"

#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <string_view>

#include "common/log.h"
#include "ocsp/delegated_signer.h"
#include "ocsp/ossl_ocsp.h"
#include "ossl/error.h"
#include "ossl/pem.h"

namespace ca::ocsp {

struct Responder::State {
  const issuance::Issuer* issuer = nullptr;
  storage::Store* store = nullptr;
  const Clock* clock = nullptr;
  ResponderOptions opts;
  // The CertID hashes that name our issuer, per hash algorithm (index: HashAlg).
  std::array<Bytes, 2> name_hash;
  std::array<Bytes, 2> key_hash;
  UnixTime issuer_not_after = 0;
  std::unique_ptr<DelegatedSigner> delegated;  // signer = "delegated" only
  std::unique_ptr<ResponseCache> cache;
  // Per hash algorithm, our issuer's CertID (serial 1, hash parameters NULL as OpenSSL writes them):
  // Presign and Revoked copy it and set the serial, instead of hashing the issuer again.
  std::array<ossl::UniquePtr<OCSP_CERTID>, 2> cert_id_template;
  // The last revocation revision read from the store (the largest seen: it only grows) and when,
  // on the steady clock in ns (0: never). Written in that order, read in the reverse.
  mutable std::atomic<int64_t> revision_seen{0};
  mutable std::atomic<int64_t> revision_read_at_ns{0};
  mutable std::atomic<uint64_t> signatures{0};
  mutable std::atomic<uint64_t> status_reads{0};
};

namespace {

// Starts the detail of the unauthorized answer for an expired certificate without a usable answer.
constexpr std::string_view kExpiredDetail = "certificate expired";

const EVP_MD* MdFor(HashAlg h) { return h == HashAlg::kSha1 ? EVP_sha1() : EVP_sha256(); }

size_t Index(HashAlg h) { return h == HashAlg::kSha1 ? 0 : 1; }

std::string CacheKey(HashAlg hash, const std::string& serial_hex) {
  return (hash == HashAlg::kSha1 ? "1:" : "2:") + serial_hex;
}

bool SameBytes(ByteView a, ByteView b) { return std::equal(a.begin(), a.end(), b.begin(), b.end()); }

ossl::UniquePtr<ASN1_STRING> GeneralizedTime(UnixTime t) {
  return ossl::UniquePtr<ASN1_STRING>(ASN1_GENERALIZEDTIME_set(nullptr, static_cast<time_t>(t)));
}

// StrongEtag: a cached answer's validator, a hash of its bytes (quoted, 128 bits of SHA-256).
std::string StrongEtag(ByteView der) {
  const std::string hex = Hex(ossl::Sha256(der));
  std::string tag;
  tag.reserve(34);
  tag.push_back('"');
  tag.append(hex, 0, 32);
  tag.push_back('"');
  return tag;
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

namespace {

Answer FromEntry(const CachedAnswer& entry) {
  Answer a;
  a.status = ResponseStatus::kSuccessful;
  a.der = entry.der;
  a.this_update = entry.this_update;
  a.next_update = entry.next_update;
  a.etag = entry.etag;
  return a;
}

}  // namespace

Responder::Responder(std::unique_ptr<State> s) : s_(std::move(s)) {}
Responder::~Responder() = default;

Result<std::unique_ptr<Responder>> Responder::Create(const issuance::Issuer& issuer, storage::Store& store,
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
  ossl::UniquePtr<ASN1_STRING> one(ASN1_INTEGER_new());
  if (!one || ASN1_INTEGER_set(one.get(), 1) != 1) return ossl::Internal("ASN1_INTEGER_set");
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
    s->cert_id_template[Index(h)].reset(OCSP_cert_id_new(MdFor(h), X509_get_subject_name(cert.get()),
                                                         X509_get0_pubkey_bitstr(cert.get()), one.get()));
    if (!s->cert_id_template[Index(h)]) return ossl::Internal("OCSP_cert_id_new");
  }
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
  // What ParseRequest accepts from a client (CheckCertId), and its rendering of the serial.
  if (BN_is_negative(serial_bn.get()) || BN_is_zero(serial_bn.get()) || BN_num_bytes(serial_bn.get()) > 20) {
    return Fail(Errc::kInternal, prefix + "serial " + serial_hex + " is not positive of at most 20 octets");
  }
  Bytes serial_bytes(static_cast<size_t>(BN_num_bytes(serial_bn.get())));
  BN_bn2bin(serial_bn.get(), serial_bytes.data());
  ossl::UniquePtr<ASN1_STRING> serial(BN_to_ASN1_INTEGER(serial_bn.get(), nullptr));
  if (!serial) return ossl::Internal("BN_to_ASN1_INTEGER");
  for (HashAlg h : {HashAlg::kSha1, HashAlg::kSha256}) {
    // The CertID a client would send (no nonce), answered through the same path as its request.
    ossl::UniquePtr<OCSP_CERTID> cid(OCSP_CERTID_dup(s_->cert_id_template[Index(h)].get()));
    ASN1_INTEGER* cid_serial = nullptr;
    if (!cid || OCSP_id_get0_info(nullptr, nullptr, nullptr, &cid_serial, cid.get()) != 1 || cid_serial == nullptr ||
        ASN1_STRING_copy(cid_serial, serial.get()) != 1) {
      return ossl::Internal(prefix + "building the CertID");
    }
    CertIdRef id;
    id.hash = h;
    id.issuer_name_hash = s_->name_hash[Index(h)];
    id.issuer_key_hash = s_->key_hash[Index(h)];
    id.serial_hex = Hex(serial_bytes);
    id.id = cid.get();
    auto revision = Revision(true);
    if (!revision) return Fail(Errc::kInternal, prefix + "revocation revision read failed: " + revision.error().detail);
    std::shared_ptr<const CachedAnswer> entry;
    auto hit = FromCache(h, id.issuer_name_hash, id.issuer_key_hash, id.serial_hex, *revision, &entry);
    Answer a = hit ? std::move(*hit) : AnswerSingle(id, *revision, std::move(entry));
    if (expired_is_ok && a.status == ResponseStatus::kUnauthorized && a.detail.starts_with(kExpiredDetail)) continue;
    if (a.status != ResponseStatus::kSuccessful) return Fail(Errc::kInternal, prefix + a.detail);
  }
  return Ok();
}

namespace {

// The answer for a failed status read (Resolve) or a failed answer (Cached, Sign).
Answer ResolveFailure(const Error& e) {
  if (e.code == Errc::kUnauthorized) return ErrorAnswer(ResponseStatus::kUnauthorized, e.detail);
  log::Error("ocsp: status lookup failed: {}", e.detail);
  return ErrorAnswer(ResponseStatus::kInternalError, e.detail);
}

Answer AnswerFailure(const Error& e) {
  if (e.code == Errc::kUnauthorized) return ErrorAnswer(ResponseStatus::kUnauthorized, e.detail);
  log::Error("ocsp: signing failed: {}", e.detail);
  return ErrorAnswer(ResponseStatus::kInternalError, e.detail);
}

}  // namespace

Answer Responder::AnswerSingle(const CertIdRef& id, int64_t revision, std::shared_ptr<const CachedAnswer> entry) const {
  auto states = Resolve(std::span<const CertIdRef>(&id, 1));
  if (!states) return ResolveFailure(states.error());
  auto answer = Cached(id, states->front(), revision, std::move(entry));
  if (!answer) return AnswerFailure(answer.error());
  return std::move(*answer);
}

Answer Responder::Respond(ByteView request_der, bool may_echo_nonce) const {
  int64_t revision = -1;
  std::shared_ptr<const CachedAnswer> entry;
  bool looked_up = false;  // revision read and cache looked up
  // Nearly every request is one CertID and nothing else: read without OpenSSL's decoder, and
  // answered from the cache when its entry is current. A miss goes on to the full path.
  if (auto simple = ParseSimpleRequest(request_der)) {
    auto r = Revision(false);
    if (!r) {
      log::Error("ocsp: revocation revision read failed: {}", r.error().detail);
      return ErrorAnswer(ResponseStatus::kInternalError, r.error().detail);
    }
    revision = *r;
    looked_up = true;
    if (auto hit = FromCache(simple->hash, simple->issuer_name_hash, simple->issuer_key_hash, simple->serial_hex,
                             revision, &entry)) {
      return std::move(*hit);
    }
  }
  auto req = ParseRequest(request_der);
  if (!req) {
    ResponseStatus st = req.error().code == Errc::kMalformed      ? ResponseStatus::kMalformedRequest
                        : req.error().code == Errc::kUnauthorized ? ResponseStatus::kUnauthorized
                                                                  : ResponseStatus::kInternalError;
    return ErrorAnswer(st, req.error().detail);
  }
  const bool wants_echo = s_->opts.echo_nonce && may_echo_nonce && req->nonce.has_value();
  const bool single = req->cert_ids.size() == 1;
  // Read before any status, so a revocation committed after it moves it past what we read. A
  // single CertID with a nonce to echo reads it too: if its certificate turns out expired, the
  // request is answered from the cache after all (without the nonce).
  if (single && !looked_up) {
    auto r = Revision(false);
    if (!r) {
      log::Error("ocsp: revocation revision read failed: {}", r.error().detail);
      return ErrorAnswer(ResponseStatus::kInternalError, r.error().detail);
    }
    revision = *r;
    if (!wants_echo) {
      looked_up = true;
      const CertIdRef& id = req->cert_ids.front();
      if (auto hit = FromCache(id.hash, id.issuer_name_hash, id.issuer_key_hash, id.serial_hex, revision, &entry)) {
        return std::move(*hit);
      }
    }
  }
  if (single && !wants_echo) return AnswerSingle(req->cert_ids.front(), revision, std::move(entry));
  auto statuses = Resolve(req->cert_ids);
  if (!statuses) return ResolveFailure(statuses.error());
  const UnixTime now = s_->clock->Now();
  const bool any_expired = std::any_of(statuses->begin(), statuses->end(),
                                       [now](const CertState& st) { return now > st.not_after; });
  // An expired certificate gets no new signature: only its cached answer, without the nonce.
  const bool echo = wants_echo && !any_expired;
  Result<Answer> answer;
  if (!echo && single) {
    const CertIdRef& id = req->cert_ids.front();
    answer = Cached(id, statuses->front(), revision, s_->cache->Get(CacheKey(id.hash, id.serial_hex)));
  } else if (any_expired) {
    return ErrorAnswer(ResponseStatus::kUnauthorized, std::string(kExpiredDetail) + " (in a several-CertID request)");
  } else {
    std::vector<SingleStatus> says;
    says.reserve(statuses->size());
    for (const CertState& st : *statuses) says.push_back(st.status);
    answer = Sign(req->cert_ids, says, echo ? req->request.get() : nullptr, false);
  }
  if (!answer) return AnswerFailure(answer.error());
  return std::move(*answer);
}

ResponderStats Responder::stats() const {
  ResponderStats st;
  st.cache_hits = s_->cache->hits();
  st.cache_misses = s_->cache->misses();
  st.cache_size = s_->cache->size();
  st.signatures = s_->signatures.load();
  st.status_reads = s_->status_reads.load();
  st.signer_rotations = s_->delegated ? s_->delegated->rotations() : 0;
  return st;
}

Result<int64_t> Responder::Revision(bool fresh) const {
  const int64_t now =
      std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now().time_since_epoch()).count();
  const int64_t max_age = int64_t{s_->opts.revocation_poll_ms} * 1'000'000;
  if (!fresh && max_age > 0) {
    const int64_t at = s_->revision_read_at_ns.load(std::memory_order_acquire);
    if (at != 0 && now - at < max_age) return s_->revision_seen.load(std::memory_order_acquire);
  }
  CA_TRY(int64_t r, s_->store->RevocationRevision());
  int64_t seen = s_->revision_seen.load(std::memory_order_relaxed);
  while (seen < r && !s_->revision_seen.compare_exchange_weak(seen, r, std::memory_order_acq_rel)) {
  }
  s_->revision_read_at_ns.store(now, std::memory_order_release);
  return r;
}

std::optional<Answer> Responder::FromCache(HashAlg hash, ByteView issuer_name_hash, ByteView issuer_key_hash,
                                           const std::string& serial_hex, int64_t revision,
                                           std::shared_ptr<const CachedAnswer>* entry) const {
  // The key names the serial only: another issuer's CertID must not find our answer (Resolve
  // answers it unauthorized).
  const size_t i = Index(hash);
  if (!SameBytes(issuer_name_hash, s_->name_hash[i]) || !SameBytes(issuer_key_hash, s_->key_hash[i])) {
    return std::nullopt;
  }
  *entry = s_->cache->Get(CacheKey(hash, serial_hex));
  const UnixTime now = s_->clock->Now();
  const CachedAnswer* e = entry->get();
  if (e == nullptr || e->revision.load() != revision || now < e->this_update) return std::nullopt;
  if (now > e->not_after) {
    // Expired (spec §5), and the store still says what this answer says (the revision has not
    // moved): it stands until its nextUpdate, never re-signed, then unauthorized.
    if (now >= e->next_update) {
      return ErrorAnswer(ResponseStatus::kUnauthorized, std::string(kExpiredDetail) + ": serial " + serial_hex);
    }
    return FromEntry(*e);
  }
  if (now >= e->refresh_at) return std::nullopt;
  return FromEntry(*e);
}

Result<Answer> Responder::Cached(const CertIdRef& id, const CertState& state, int64_t revision,
                                 std::shared_ptr<const CachedAnswer> entry) const {
  const SingleStatus& status = state.status;
  const std::string key = CacheKey(id.hash, id.serial_hex);
  const UnixTime now = s_->clock->Now();
  // The status was read from the store after the request arrived: an entry that says anything else
  // (a revocation since it was signed, by any path) is never served.
  const bool usable = entry && entry->status == status && now >= entry->this_update;
  if (now > state.not_after) {
    // Expired (spec §5): no re-signing; the last answer stands until its nextUpdate, never past it.
    if (!usable || now >= entry->next_update) {
      return Fail(Errc::kUnauthorized, std::string(kExpiredDetail) + ": serial " + id.serial_hex);
    }
  } else if (!usable || now >= entry->refresh_at) {
    CA_TRY(Answer fresh, Sign(std::span<const CertIdRef>(&id, 1), {status}, nullptr, true));
    auto e = std::make_shared<CachedAnswer>();
    e->der = std::move(fresh.der);
    e->etag = StrongEtag(e->der);
    e->this_update = fresh.this_update;
    e->next_update = fresh.next_update;
    // Re-sign in the last quarter of the validity (BR 4.9.9 wants it before half for short
    // validities: the default 4h validity re-signs after 3h, keeping an hour's margin).
    e->refresh_at = fresh.this_update + (fresh.next_update - fresh.this_update) * 3 / 4;
    e->not_after = state.not_after;
    e->status = status;
    e->revision = revision;
    // Refused when a revocation's answer got there first: this one serves the request it was signed
    // for (whose status read came before the revocation), and no later one.
    s_->cache->Put(key, e);
    return FromEntry(*e);
  }
  // The store confirmed the entry at this revision: requests skip the status read until it moves.
  entry->revision.store(revision);
  return FromEntry(*entry);
}

Result<std::vector<Responder::CertState>> Responder::Resolve(std::span<const CertIdRef> ids) const {
  std::vector<CertState> out;
  out.reserve(ids.size());
  for (const CertIdRef& id : ids) {
    size_t i = Index(id.hash);
    if (id.issuer_name_hash != s_->name_hash[i] || id.issuer_key_hash != s_->key_hash[i]) {
      return Fail(Errc::kUnauthorized, "CertID names another issuer");
    }
    s_->status_reads.fetch_add(1, std::memory_order_relaxed);
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

Result<Answer> Responder::Sign(std::span<const CertIdRef> ids, const std::vector<SingleStatus>& statuses,
                               OCSP_REQUEST* echo_nonce_of, bool for_cache) const {
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

  Bytes validator;  // what the answer says, for its weak ETag (live answers only)
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
    if (OCSP_basic_add1_status(basic.get(), ids[i].id,
                               st.revoked ? V_OCSP_CERTSTATUS_REVOKED : V_OCSP_CERTSTATUS_GOOD, reason,
                               revoked_at.get(), this_update.get(), next_update.get()) == nullptr) {
      return ossl::Internal("OCSP_basic_add1_status");
    }
    if (!for_cache) {
      unsigned char* cid = nullptr;
      int cid_len = i2d_OCSP_CERTID(ids[i].id, &cid);
      if (cid_len <= 0 || cid == nullptr) return ossl::Internal("i2d_OCSP_CERTID");
      AppendInt(validator, cid_len);
      validator.insert(validator.end(), cid, cid + cid_len);
      OPENSSL_free(cid);
      AppendInt(validator, st.revoked ? 1 : 0);
      AppendInt(validator, st.revoked_at);
      AppendInt(validator, reason);
    }
  }
  if (!for_cache) a.etag = "W/\"" + Hex(ossl::Sha256(validator)) + "\"";
  if (echo_nonce_of != nullptr) {
    if (OCSP_copy_nonce(basic.get(), echo_nonce_of) != 1) return ossl::Internal("OCSP_copy_nonce");
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
