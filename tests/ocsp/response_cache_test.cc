// The pre-signed answer cache: hits, misses, revocation from the store, refresh, the cap, and the
// revoke-then-query contract under threads.
#include "ocsp/response_cache.h"

#include <gtest/gtest.h>

#include <array>
#include <cctype>
#include <atomic>
#include <span>
#include <thread>

#include "ocsp/responder.h"
#include "ocsp_test_util.h"
#include "ossl/x509_build.h"
#include "revocation/revoker.h"

namespace ca::ocsp {
namespace {

using namespace ::ca::ocsp::test;  // NOLINT

class CacheTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto s = storage::OpenSqliteStore(":memory:");
    ASSERT_TRUE(s);
    store_ = std::move(*s);
    Make(ResponderOptions{});
  }
  void Make(ResponderOptions opts) {
    auto r = Responder::Create(*ca_.issuer, *store_, clock_, opts);
    ASSERT_TRUE(r) << r.error().detail;
    responder_ = std::move(*r);
  }
  std::string StoredSerial(const std::string& name) {
    auto leaf = ca_.Issue(name);
    std::string hex = *ossl::SerialHex(X509_get0_serialNumber(leaf.get()));
    EXPECT_TRUE(store_->InsertCertificate(Record(hex)));
    return hex;
  }
  Answer Ask(const std::string& serial, const EVP_MD* md = EVP_sha1()) {
    return responder_->Respond(RequestDer({CertIdFor(ca_.inter.get(), serial, md)}), false);
  }
  int StatusOf(const Answer& a, const std::string& serial, const EVP_MD* md = EVP_sha1()) {
    ClientView v = Inspect(a.der, ca_);
    EXPECT_TRUE(v.verified);
    if (!v.basic) return -1;
    ossl::UniquePtr<OCSP_CERTID> id(CertIdFor(ca_.inter.get(), serial, md));
    return FindStatus(v.basic.get(), id.get()).status;
  }

  TestCa ca_ = TestCa::Make();
  ca::testing::FakeClock clock_{WallNow()};
  std::unique_ptr<storage::Store> store_;
  std::unique_ptr<Responder> responder_;
};

TEST(ResponseCacheTest, EvictsTheLeastRecentlyUsedPastTheCap) {
  ResponseCache c(2);
  auto e = std::make_shared<CachedAnswer>();
  c.Put("a", e);
  c.Put("b", e);
  EXPECT_NE(c.Get("a"), nullptr);  // "a" is now the most recently used
  c.Put("c", e);
  EXPECT_EQ(c.size(), 2u);
  EXPECT_EQ(c.Get("b"), nullptr);
  EXPECT_NE(c.Get("a"), nullptr);
  EXPECT_NE(c.Get("c"), nullptr);
  EXPECT_EQ(c.hits(), 3u);
  EXPECT_EQ(c.misses(), 1u);
}

TEST(ResponseCacheTest, NeverReplacesRevokedWithGood) {
  ResponseCache c(4);
  auto good = std::make_shared<CachedAnswer>();
  good->der = {1};
  auto revoked = std::make_shared<CachedAnswer>();
  revoked->der = {2};
  revoked->status.revoked = true;
  EXPECT_TRUE(c.Put("a", good));
  EXPECT_TRUE(c.Put("a", revoked));
  EXPECT_FALSE(c.Put("a", good));  // a good signed from a status read before the revocation
  EXPECT_EQ(c.Get("a")->der, Bytes{2});
  auto newer_good = std::make_shared<CachedAnswer>();  // not copyable (its atomic revision)
  newer_good->der = {3};
  EXPECT_TRUE(c.Put("b", good));
  EXPECT_TRUE(c.Put("b", newer_good));  // a refresh of the same status replaces
  EXPECT_EQ(c.Get("b"), newer_good);
}

TEST_F(CacheTest, SecondRequestIsAHitWithoutSigning) {
  std::string s = StoredSerial("hit.test");
  Answer a = Ask(s);
  ASSERT_EQ(a.status, ResponseStatus::kSuccessful);
  ResponderStats st = responder_->stats();
  EXPECT_EQ(st.cache_misses, 1u);
  EXPECT_EQ(st.signatures, 1u);
  Answer b = Ask(s);
  EXPECT_EQ(b.der, a.der);
  st = responder_->stats();
  EXPECT_EQ(st.cache_hits, 1u);
  EXPECT_EQ(st.signatures, 1u);
  EXPECT_EQ(StatusOf(b, s), V_OCSP_CERTSTATUS_GOOD);
}

TEST_F(CacheTest, PresignedAtIssuanceSoTheFirstRequestSignsNothing) {
  std::string s = StoredSerial("presign.test");
  ASSERT_TRUE(responder_->Presign(s));
  ResponderStats st = responder_->stats();
  EXPECT_EQ(st.signatures, 2u);  // SHA-1 and SHA-256 CertIDs
  EXPECT_EQ(st.cache_size, 2u);
  Answer a1 = Ask(s, EVP_sha1());
  Answer a2 = Ask(s, EVP_sha256());
  EXPECT_EQ(StatusOf(a1, s, EVP_sha1()), V_OCSP_CERTSTATUS_GOOD);
  EXPECT_EQ(StatusOf(a2, s, EVP_sha256()), V_OCSP_CERTSTATUS_GOOD);
  st = responder_->stats();
  EXPECT_EQ(st.signatures, 2u);
  EXPECT_EQ(st.cache_hits, 2u);
  // Never a signing oracle: a serial that is not in the store is refused, nothing is cached.
  EXPECT_FALSE(responder_->Presign("7f00aa"));
  EXPECT_FALSE(responder_->Presign("not-hex"));
  EXPECT_EQ(responder_->stats().cache_size, 2u);
}

// RespDataDer: the signed part of an answer (ResponseData), all of it but the ECDSA signature,
// which is randomised.
Bytes RespDataDer(const Answer& a) {
  const unsigned char* p = a.der.data();
  ossl::UniquePtr<OCSP_RESPONSE> resp(d2i_OCSP_RESPONSE(nullptr, &p, static_cast<long>(a.der.size())));
  EXPECT_TRUE(resp);
  if (!resp) return {};
  ossl::UniquePtr<OCSP_BASICRESP> basic(OCSP_response_get1_basic(resp.get()));
  EXPECT_TRUE(basic);
  if (!basic) return {};
  unsigned char* der = nullptr;
  const int len = i2d_OCSP_RESPDATA(OCSP_resp_get0_respdata(basic.get()), &der);
  EXPECT_GT(len, 0);
  Bytes out(der, der + (len > 0 ? len : 0));
  OPENSSL_free(der);
  return out;
}

// Presign and Revoked build their CertIDs from the issuer hashes computed once, without encoding
// and parsing a request: what they cache must say, byte for byte, what a client's own request gets
// signed (all but the signature), in both hash algorithms, good and then revoked.
TEST_F(CacheTest, PresignedAnswersSayWhatAClientRequestGets) {
  std::string s = StoredSerial("same.test");
  auto fresh = Responder::Create(*ca_.issuer, *store_, clock_, ResponderOptions{});
  ASSERT_TRUE(fresh);
  for (bool revoked : {false, true}) {
    SCOPED_TRACE(revoked ? "revoked" : "good");
    if (revoked) {
      ASSERT_TRUE(store_->RevokeCertificate("cert-" + s, 1, clock_.Now()));
      ASSERT_TRUE(responder_->Revoked(s));
    } else {
      ASSERT_TRUE(responder_->Presign(s));
    }
    const uint64_t signed_ahead = responder_->stats().signatures;
    for (const EVP_MD* md : {EVP_sha1(), EVP_sha256()}) {
      Answer cached = Ask(s, md);  // what Presign / Revoked put in the cache
      Answer asked = (*fresh)->Respond(RequestDer({CertIdFor(ca_.inter.get(), s, md)}), false);  // signed for it
      ASSERT_EQ(cached.status, ResponseStatus::kSuccessful);
      ASSERT_EQ(asked.status, ResponseStatus::kSuccessful);
      EXPECT_EQ(StatusOf(cached, s, md), revoked ? V_OCSP_CERTSTATUS_REVOKED : V_OCSP_CERTSTATUS_GOOD);
      EXPECT_EQ(RespDataDer(cached), RespDataDer(asked));
    }
    EXPECT_EQ(responder_->stats().signatures, signed_ahead) << "the requests were all cache hits";
  }
}

// Presign takes the serial as any hex spelling of it (the store's lowercase minimal form is what
// the cache is keyed by), and refuses what no client could ask for.
TEST_F(CacheTest, PresignTakesAnySpellingOfTheSerialAndRefusesWhatNoClientCanAsk) {
  std::string s = StoredSerial("spelling.test");
  std::string upper = s;
  for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  ASSERT_TRUE(responder_->Presign("00" + upper));
  EXPECT_EQ(responder_->stats().signatures, 2u);
  EXPECT_EQ(StatusOf(Ask(s), s), V_OCSP_CERTSTATUS_GOOD);
  EXPECT_EQ(StatusOf(Ask(s, EVP_sha256()), s, EVP_sha256()), V_OCSP_CERTSTATUS_GOOD);
  EXPECT_EQ(responder_->stats().signatures, 2u) << "both requests found the presigned answers";
  for (const std::string& bad : {std::string(), "-" + s, std::string("0"), std::string(42, 'f'), s + "g"}) {
    EXPECT_FALSE(responder_->Presign(bad)) << bad;
  }
  EXPECT_EQ(responder_->stats().cache_size, 2u);
}

TEST_F(CacheTest, EachHashAlgorithmHasItsOwnEntry) {
  std::string s = StoredSerial("hash.test");
  Answer a1 = Ask(s, EVP_sha1());
  Answer a2 = Ask(s, EVP_sha256());
  EXPECT_NE(a1.der, a2.der);
  EXPECT_EQ(StatusOf(a2, s, EVP_sha256()), V_OCSP_CERTSTATUS_GOOD);
  EXPECT_EQ(responder_->stats().cache_size, 2u);
  EXPECT_EQ(Ask(s, EVP_sha256()).der, a2.der);
}

TEST_F(CacheTest, RevocationInTheStoreBetweenTwoRequestsIsAnsweredAtOnce) {
  std::string s = StoredSerial("rev.test");
  Answer before = Ask(s);
  ASSERT_EQ(StatusOf(before, s), V_OCSP_CERTSTATUS_GOOD);
  // Straight in the store, as the CLI or another process would: no hook into the responder.
  ASSERT_TRUE(store_->RevokeCertificate("cert-" + s, 1, clock_.Now()));
  Answer after = Ask(s);
  EXPECT_EQ(StatusOf(after, s), V_OCSP_CERTSTATUS_REVOKED);
  EXPECT_NE(after.etag, before.etag);
  EXPECT_EQ(responder_->stats().signatures, 2u);
  // The re-signed revoked answer is cached in turn.
  EXPECT_EQ(Ask(s).der, after.der);
  EXPECT_EQ(responder_->stats().signatures, 2u);
}

// With revocation_poll_ms (the server's default is 100), a revocation by another process shows once
// the poll interval has passed since the revision was last read.
TEST_F(CacheTest, PolledRevisionSeesAnotherProcesssRevocationAfterTheInterval) {
  ResponderOptions o;
  o.revocation_poll_ms = 50;
  Make(o);
  std::string s = StoredSerial("poll.test");
  ASSERT_EQ(StatusOf(Ask(s), s), V_OCSP_CERTSTATUS_GOOD);
  ASSERT_TRUE(store_->RevokeCertificate("cert-" + s, 1, clock_.Now()));
  std::this_thread::sleep_for(std::chrono::milliseconds(60));
  EXPECT_EQ(StatusOf(Ask(s), s), V_OCSP_CERTSTATUS_REVOKED);
}

// Polling never delays this process's own revocations: the hook reads the revision itself, so even
// with a long interval the next request says revoked.
TEST_F(CacheTest, PolledRevisionStillAnswersHookedRevocationsAtOnce) {
  ResponderOptions o;
  o.revocation_poll_ms = 1000;
  Make(o);
  std::string s = StoredSerial("poll-hook.test");
  ASSERT_TRUE(responder_->Presign(s));
  ASSERT_EQ(StatusOf(Ask(s), s), V_OCSP_CERTSTATUS_GOOD);
  revocation::Revoker revoker(*store_, clock_, [this](std::span<const core::CertRecord> revoked) {
    for (const auto& c : revoked) EXPECT_TRUE(responder_->Revoked(c.serial_hex));
  });
  ASSERT_TRUE(revoker.RevokeSerial(s, 1, revocation::Actor{"cli", "test"}));
  EXPECT_EQ(StatusOf(Ask(s, EVP_sha1()), s, EVP_sha1()), V_OCSP_CERTSTATUS_REVOKED);
  EXPECT_EQ(StatusOf(Ask(s, EVP_sha256()), s, EVP_sha256()), V_OCSP_CERTSTATUS_REVOKED);
}

// Revocation through the Revoker with the server's hook: the revoked answers are signed before Revoke
// returns, so the next requests (both hashes) are cache hits that sign nothing.
TEST_F(CacheTest, RevokerHookResignsBeforeRevokeReturns) {
  std::string s = StoredSerial("hook.test");
  ASSERT_TRUE(responder_->Presign(s));
  ASSERT_EQ(StatusOf(Ask(s), s), V_OCSP_CERTSTATUS_GOOD);
  revocation::Revoker revoker(*store_, clock_, [this](std::span<const core::CertRecord> revoked) {
    for (const auto& c : revoked) EXPECT_TRUE(responder_->Revoked(c.serial_hex));
  });
  ASSERT_TRUE(revoker.RevokeSerial(s, 1, revocation::Actor{"cli", "test"}));
  ResponderStats after_revoke = responder_->stats();
  EXPECT_EQ(after_revoke.signatures, 4u);  // 2 pre-signed good + 2 revoked, all before Revoke returned
  EXPECT_EQ(after_revoke.cache_size, 2u);
  Answer a1 = Ask(s, EVP_sha1());
  Answer a2 = Ask(s, EVP_sha256());
  EXPECT_EQ(StatusOf(a1, s, EVP_sha1()), V_OCSP_CERTSTATUS_REVOKED);
  EXPECT_EQ(StatusOf(a2, s, EVP_sha256()), V_OCSP_CERTSTATUS_REVOKED);
  ResponderStats st = responder_->stats();
  EXPECT_EQ(st.signatures, after_revoke.signatures);
  EXPECT_EQ(st.cache_hits, after_revoke.cache_hits + 2);
  EXPECT_EQ(st.cache_misses, after_revoke.cache_misses);
  // Revoked again (a second hook call, e.g. a retry): the cache already says it, nothing is signed.
  ASSERT_TRUE(responder_->Revoked(s));
  EXPECT_EQ(responder_->stats().signatures, after_revoke.signatures);
}

// The hook's re-signed answers remember the revision after the revocation: the requests after it
// are served on the fast path without a status read.
TEST_F(CacheTest, RevokerHookAnswersNeedNoStatusReadAfterward) {
  std::string s = StoredSerial("hook-rev.test");
  ASSERT_TRUE(responder_->Presign(s));
  revocation::Revoker revoker(*store_, clock_, [this](std::span<const core::CertRecord> revoked) {
    for (const auto& c : revoked) EXPECT_TRUE(responder_->Revoked(c.serial_hex));
  });
  ASSERT_TRUE(revoker.RevokeSerial(s, 1, revocation::Actor{"cli", "test"}));
  const ResponderStats after_revoke = responder_->stats();
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(StatusOf(Ask(s, EVP_sha1()), s, EVP_sha1()), V_OCSP_CERTSTATUS_REVOKED);
    EXPECT_EQ(StatusOf(Ask(s, EVP_sha256()), s, EVP_sha256()), V_OCSP_CERTSTATUS_REVOKED);
  }
  EXPECT_EQ(responder_->stats().status_reads, after_revoke.status_reads);
  EXPECT_EQ(responder_->stats().signatures, after_revoke.signatures);
}

TEST_F(CacheTest, HitsReadNoStatusWhileNoRevocationHappened) {
  std::string a = StoredSerial("quiet-a.test"), b = StoredSerial("quiet-b.test");
  Ask(a);
  Ask(b);
  EXPECT_EQ(responder_->stats().status_reads, 2u);
  // Issuing more certificates moves no revocation revision.
  StoredSerial("quiet-c.test");
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(StatusOf(Ask(a), a), V_OCSP_CERTSTATUS_GOOD);
    EXPECT_EQ(StatusOf(Ask(b), b), V_OCSP_CERTSTATUS_GOOD);
  }
  EXPECT_EQ(responder_->stats().status_reads, 2u);
  EXPECT_EQ(responder_->stats().signatures, 2u);
}

TEST_F(CacheTest, AnyRevocationMakesEachEntryReadItsStatusOnce) {
  std::string a = StoredSerial("moved-a.test"), b = StoredSerial("moved-b.test");
  const Answer a_before = Ask(a);
  Ask(b);
  // Revoking b (in the store, as another process would) moves the revision: a's entry is checked
  // against the store once, found unchanged and served as it was; b's is re-signed.
  ASSERT_TRUE(store_->RevokeCertificate("cert-" + b, 4, clock_.Now()));
  EXPECT_EQ(Ask(a).der, a_before.der);
  EXPECT_EQ(StatusOf(Ask(b), b), V_OCSP_CERTSTATUS_REVOKED);
  EXPECT_EQ(responder_->stats().status_reads, 4u);
  EXPECT_EQ(responder_->stats().signatures, 3u);
  // Confirmed at the new revision: no more reads.
  EXPECT_EQ(Ask(a).der, a_before.der);
  EXPECT_EQ(StatusOf(Ask(b), b), V_OCSP_CERTSTATUS_REVOKED);
  EXPECT_EQ(responder_->stats().status_reads, 4u);
}

TEST_F(CacheTest, AnotherIssuersCertIdNeverFindsOurCachedAnswer) {
  std::string s = StoredSerial("foreign.test");
  ASSERT_EQ(Ask(s).status, ResponseStatus::kSuccessful);
  // The same serial under another issuer's name and key: unauthorized, not our cached answer.
  TestCa other = TestCa::Make();
  Answer a = responder_->Respond(RequestDer({CertIdFor(other.inter.get(), s)}), false);
  EXPECT_EQ(a.status, ResponseStatus::kUnauthorized);
}

TEST_F(CacheTest, RefreshedInTheLastQuarterOfItsValidity) {
  Make(ResponderOptions{4 * 3600, false});
  clock_.Advance(60 - clock_.Now() % 60);
  std::string s = StoredSerial("refresh.test");
  Answer first = Ask(s);
  clock_.Advance(3 * 3600 - 1);  // just before thisUpdate + 3/4 of 4h
  EXPECT_EQ(Ask(s).der, first.der);
  clock_.Advance(1);
  Answer refreshed = Ask(s);
  EXPECT_NE(refreshed.der, first.der);
  EXPECT_EQ(refreshed.this_update, first.this_update + 3 * 3600);
  EXPECT_GT(refreshed.next_update, first.next_update);
  EXPECT_EQ(responder_->stats().signatures, 2u);
  EXPECT_EQ(StatusOf(refreshed, s), V_OCSP_CERTSTATUS_GOOD);
}

TEST_F(CacheTest, CapBoundsTheEntries) {
  ResponderOptions o;
  o.cache_entries = 2;
  Make(o);
  std::string a = StoredSerial("a.test"), b = StoredSerial("b.test"), c = StoredSerial("c.test");
  Ask(a);
  Ask(b);
  Ask(c);
  EXPECT_EQ(responder_->stats().cache_size, 2u);
  Ask(a);  // evicted: signed again
  EXPECT_EQ(responder_->stats().signatures, 4u);
}

TEST_F(CacheTest, EchoedNoncesAreSignedLiveAndNeverCached) {
  Make(ResponderOptions{4 * 3600, true});
  std::string s = StoredSerial("nonce.test");
  Bytes req = RequestDer({CertIdFor(ca_.inter.get(), s)}, 16);
  Answer a = responder_->Respond(req, true);
  Answer b = responder_->Respond(req, true);
  EXPECT_TRUE(a.nonce_echoed);
  EXPECT_NE(a.der, b.der);
  EXPECT_EQ(responder_->stats().cache_size, 0u);
  EXPECT_EQ(responder_->stats().signatures, 2u);
}

// Expired certificates (spec §5): never signed for again; the last answer until its nextUpdate.
class ExpiryTest : public CacheTest {
 protected:
  // StoredExpiring stores a certificate whose notAfter is `in` seconds from now.
  std::string StoredExpiring(const std::string& name, UnixTime in) {
    auto leaf = ca_.Issue(name);
    std::string hex = *ossl::SerialHex(X509_get0_serialNumber(leaf.get()));
    core::CertRecord rec = Record(hex);
    rec.not_after = clock_.Now() + in;
    EXPECT_TRUE(store_->InsertCertificate(rec));
    return hex;
  }
  static constexpr Bytes::value_type kUnauthorized = 6;
  static bool IsUnauthorized(const Answer& a) {
    return a.status == ResponseStatus::kUnauthorized && a.der == Bytes({0x30, 0x03, 0x0a, 0x01, kUnauthorized});
  }
};

TEST_F(ExpiryTest, LastAnswerIsServedUntilItsNextUpdateThenUnauthorized) {
  clock_.Advance(60 - clock_.Now() % 60);
  std::string s = StoredExpiring("expiring.test", 600);
  Answer first = Ask(s);
  ASSERT_EQ(StatusOf(first, s), V_OCSP_CERTSTATUS_GOOD);
  EXPECT_GT(first.next_update, clock_.Now() + 600);  // nextUpdate may lie past notAfter
  clock_.Advance(3 * 3600);  // past notAfter and past the refresh point: no re-signing
  Answer later = Ask(s);
  EXPECT_EQ(later.der, first.der);
  EXPECT_EQ(responder_->stats().signatures, 1u);
  clock_.Advance(first.next_update - clock_.Now() - 1);  // the last second of its validity
  EXPECT_EQ(Ask(s).der, first.der);
  clock_.Advance(1);  // at nextUpdate
  EXPECT_TRUE(IsUnauthorized(Ask(s)));
  EXPECT_EQ(responder_->stats().signatures, 1u);
}

TEST_F(ExpiryTest, ExpiredWithoutACachedAnswerIsUnauthorized) {
  std::string s = StoredExpiring("gone.test", -1);
  EXPECT_TRUE(IsUnauthorized(Ask(s, EVP_sha1())));
  EXPECT_TRUE(IsUnauthorized(Ask(s, EVP_sha256())));
  EXPECT_FALSE(responder_->Presign(s));
  EXPECT_TRUE(responder_->Revoked(s));  // nothing to re-sign is no failure
  EXPECT_EQ(responder_->stats().signatures, 0u);
  EXPECT_EQ(responder_->stats().cache_size, 0u);
}

TEST_F(ExpiryTest, NotAfterItselfIsStillValid) {
  std::string s = StoredExpiring("edge.test", 0);  // notAfter == now: inclusive (RFC 5280 §4.1.2.5)
  EXPECT_EQ(StatusOf(Ask(s), s), V_OCSP_CERTSTATUS_GOOD);
  EXPECT_EQ(responder_->stats().signatures, 1u);
}

TEST_F(ExpiryTest, RevokedAfterExpiryIsUnauthorizedNeverTheCachedGood) {
  std::string s = StoredExpiring("late.test", 60);
  ASSERT_EQ(StatusOf(Ask(s), s), V_OCSP_CERTSTATUS_GOOD);
  clock_.Advance(120);
  ASSERT_TRUE(store_->RevokeCertificate("cert-" + s, 1, clock_.Now()));
  EXPECT_TRUE(IsUnauthorized(Ask(s)));
  EXPECT_EQ(responder_->stats().signatures, 1u);
}

TEST_F(ExpiryTest, SeveralCertIdsWithAnExpiredOneAreUnauthorized) {
  std::string fresh = StoredSerial("fresh.test");
  std::string old = StoredExpiring("old.test", -1);
  Answer a = responder_->Respond(
      RequestDer({CertIdFor(ca_.inter.get(), fresh), CertIdFor(ca_.inter.get(), old)}), false);
  EXPECT_TRUE(IsUnauthorized(a));
  EXPECT_EQ(responder_->stats().signatures, 0u);
}

TEST_F(ExpiryTest, EchoedNonceIsNotSignedForAnExpiredCertificate) {
  Make(ResponderOptions{4 * 3600, true});
  std::string s = StoredExpiring("nonce-exp.test", 60);
  Answer cached = Ask(s);  // no nonce: cached
  clock_.Advance(120);
  Answer a = responder_->Respond(RequestDer({CertIdFor(ca_.inter.get(), s)}, 16), true);
  EXPECT_FALSE(a.nonce_echoed);
  EXPECT_EQ(a.der, cached.der);
  EXPECT_EQ(responder_->stats().signatures, 1u);
}

// The fast path honours expiry too: once the store confirmed an expired certificate's answer at the
// current revision, it is served without a status read until its nextUpdate, never re-signed, then
// unauthorized.
TEST_F(ExpiryTest, ExpiredHitsReadNoStatusAndSignNothing) {
  clock_.Advance(60 - clock_.Now() % 60);
  std::string s = StoredExpiring("fast-exp.test", 600);
  Answer first = Ask(s);
  ASSERT_EQ(StatusOf(first, s), V_OCSP_CERTSTATUS_GOOD);
  EXPECT_EQ(responder_->stats().status_reads, 1u);
  clock_.Advance(3 * 3600);  // past notAfter and past the refresh point
  EXPECT_EQ(Ask(s).der, first.der);
  EXPECT_EQ(responder_->stats().status_reads, 1u);
  clock_.Advance(first.next_update - clock_.Now());  // at nextUpdate
  EXPECT_TRUE(IsUnauthorized(Ask(s)));
  EXPECT_EQ(responder_->stats().status_reads, 1u);
  EXPECT_EQ(responder_->stats().signatures, 1u);
}

// A revocation elsewhere moves the revision: the expired certificate's entry is checked against the
// store once (unchanged), served as it was and confirmed at the new revision; nothing is signed.
TEST_F(ExpiryTest, ExpiredEntryConfirmedAtANewRevisionIsNotReSigned) {
  clock_.Advance(60 - clock_.Now() % 60);
  std::string s = StoredExpiring("confirm-exp.test", 600);
  std::string other = StoredSerial("other.test");
  Answer first = Ask(s);
  clock_.Advance(3 * 3600);
  ASSERT_TRUE(store_->RevokeCertificate("cert-" + other, 1, clock_.Now()));
  const uint64_t reads = responder_->stats().status_reads;
  EXPECT_EQ(Ask(s).der, first.der);
  EXPECT_EQ(responder_->stats().status_reads, reads + 1);
  EXPECT_EQ(Ask(s).der, first.der);
  EXPECT_EQ(responder_->stats().status_reads, reads + 1);
  EXPECT_EQ(responder_->stats().signatures, 1u);
  clock_.Advance(first.next_update - clock_.Now());
  EXPECT_TRUE(IsUnauthorized(Ask(s)));
  EXPECT_EQ(responder_->stats().signatures, 1u);
}

// The full path (a request ParseSimpleRequest declines: it carries a nonce the responder may not
// echo) honours expiry and the revision the same way.
TEST_F(ExpiryTest, FullPathServesTheExpiredAnswerUntilItsNextUpdate) {
  clock_.Advance(60 - clock_.Now() % 60);
  std::string s = StoredExpiring("full-exp.test", 600);
  const Bytes with_nonce = RequestDer({CertIdFor(ca_.inter.get(), s)}, 16);
  Answer first = responder_->Respond(with_nonce, false);
  ASSERT_EQ(StatusOf(first, s), V_OCSP_CERTSTATUS_GOOD);
  EXPECT_FALSE(first.nonce_echoed);
  clock_.Advance(3 * 3600);
  EXPECT_EQ(responder_->Respond(with_nonce, false).der, first.der);
  EXPECT_EQ(responder_->stats().status_reads, 1u);
  clock_.Advance(first.next_update - clock_.Now());
  EXPECT_TRUE(IsUnauthorized(responder_->Respond(with_nonce, false)));
  EXPECT_EQ(responder_->stats().signatures, 1u);
}

// The contract: once RevokeCertificate has returned, no request gets `good`, while other threads
// keep asking (and keep refilling the cache with whatever they read before the revocation).
TEST_F(CacheTest, NoGoodIsServedAfterRevocationReturned) {
  constexpr int kCerts = 8;
  std::vector<std::string> serials;
  for (int i = 0; i < kCerts; ++i) serials.push_back(StoredSerial("race" + std::to_string(i) + ".test"));
  std::vector<Bytes> requests;
  for (const auto& s : serials) requests.push_back(RequestDer({CertIdFor(ca_.inter.get(), s)}));
  for (const auto& r : requests) ASSERT_EQ(responder_->Respond(r, false).status, ResponseStatus::kSuccessful);

  // revoked_done[i]: set after RevokeCertificate for serial i returned.
  std::vector<std::atomic<bool>> revoked_done(kCerts);
  std::atomic<bool> stop{false};
  std::atomic<int> stale_goods{0};
  std::atomic<int> checked{0};
  auto reader = [&](int seed) {
    int i = seed;
    while (!stop.load()) {
      i = (i + 1) % kCerts;
      const bool must_be_revoked = revoked_done[i].load();  // read before the request starts
      Answer a = responder_->Respond(requests[i], false);
      if (a.status != ResponseStatus::kSuccessful) continue;
      if (!must_be_revoked) continue;
      const unsigned char* p = a.der.data();
      ossl::UniquePtr<OCSP_RESPONSE> resp(d2i_OCSP_RESPONSE(nullptr, &p, static_cast<long>(a.der.size())));
      ossl::UniquePtr<OCSP_BASICRESP> basic(OCSP_response_get1_basic(resp.get()));
      ossl::UniquePtr<OCSP_CERTID> id(CertIdFor(ca_.inter.get(), serials[i]));
      if (FindStatus(basic.get(), id.get()).status != V_OCSP_CERTSTATUS_REVOKED) ++stale_goods;
      ++checked;
    }
  };
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) threads.emplace_back(reader, t);
  for (int i = 0; i < kCerts; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    ASSERT_TRUE(store_->RevokeCertificate("cert-" + serials[i], 1, clock_.Now()));
    revoked_done[i].store(true);
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  stop.store(true);
  for (auto& t : threads) t.join();
  EXPECT_EQ(stale_goods.load(), 0);
  EXPECT_GT(checked.load(), kCerts);
}

// The same contract when revocations go through the Revoker and its hook (Revoked() swaps in the
// revoked answers while readers refill the cache), asked on both paths: the simple request and one
// ParseSimpleRequest declines (a nonce the responder does not echo).
TEST_F(CacheTest, NoGoodIsServedAfterHookedRevocationReturnedOnEitherPath) {
  constexpr int kCerts = 8;
  std::vector<std::string> serials;
  for (int i = 0; i < kCerts; ++i) serials.push_back(StoredSerial("hooked" + std::to_string(i) + ".test"));
  std::vector<std::array<Bytes, 2>> requests;  // [0] simple, [1] with a nonce
  for (const auto& s : serials) {
    requests.push_back({RequestDer({CertIdFor(ca_.inter.get(), s)}), RequestDer({CertIdFor(ca_.inter.get(), s)}, 8)});
  }
  revocation::Revoker revoker(*store_, clock_, [this](std::span<const core::CertRecord> revoked) {
    for (const auto& c : revoked) EXPECT_TRUE(responder_->Revoked(c.serial_hex));
  });
  std::vector<std::atomic<bool>> revoked_done(kCerts);
  std::atomic<bool> stop{false};
  std::atomic<int> stale_goods{0};
  std::atomic<int> checked{0};
  auto reader = [&](int seed) {
    int i = seed;
    int n = 0;
    while (!stop.load()) {
      i = (i + 1) % kCerts;
      const bool must_be_revoked = revoked_done[i].load();  // read before the request starts
      Answer a = responder_->Respond(requests[i][++n % 2], false);
      if (a.status != ResponseStatus::kSuccessful || !must_be_revoked) continue;
      const unsigned char* p = a.der.data();
      ossl::UniquePtr<OCSP_RESPONSE> resp(d2i_OCSP_RESPONSE(nullptr, &p, static_cast<long>(a.der.size())));
      ossl::UniquePtr<OCSP_BASICRESP> basic(OCSP_response_get1_basic(resp.get()));
      ossl::UniquePtr<OCSP_CERTID> id(CertIdFor(ca_.inter.get(), serials[i]));
      if (FindStatus(basic.get(), id.get()).status != V_OCSP_CERTSTATUS_REVOKED) ++stale_goods;
      ++checked;
    }
  };
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) threads.emplace_back(reader, t);
  for (int i = 0; i < kCerts; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    ASSERT_TRUE(revoker.RevokeSerial(serials[i], 1, revocation::Actor{"cli", "test"}));
    revoked_done[i].store(true);
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  stop.store(true);
  for (auto& t : threads) t.join();
  EXPECT_EQ(stale_goods.load(), 0);
  EXPECT_GT(checked.load(), kCerts);
}

}  // namespace
}  // namespace ca::ocsp
