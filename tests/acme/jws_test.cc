#include "acme/jws.h"

#include <gtest/gtest.h>

#include <map>

#include "acme/jwk.h"
#include "common/base64.h"
#include "ossl/types.h"
#include "support/jws_signer.h"

namespace ca::acme {
namespace {

using nlohmann::json;

constexpr char kUrl[] = "https://ca.example/acme/new-account";

json JwkJson(EVP_PKEY* key) { return json::parse(JwkFromPublicKey(key).value().canonical_json); }

json Header(EVP_PKEY* key) { return {{"jwk", JwkJson(key)}, {"nonce", "n0nce"}, {"url", kUrl}}; }

void ExpectError(const std::string& body, Errc code) {
  auto r = ParseJws(body);
  ASSERT_FALSE(r.has_value()) << body;
  EXPECT_EQ(r.error().code, code) << r.error().detail;
}

struct AlgCase {
  const char* alg;
  const char* key;
};

class JwsAlgTest : public ::testing::TestWithParam<AlgCase> {
 protected:
  void SetUp() override {
    // One key per kind for the whole suite: RSA generation dominates the run time otherwise.
    static std::map<std::string, ossl::UniquePtr<EVP_PKEY>> keys;
    auto& k = keys[GetParam().key];
    if (!k) k = testing::GenerateTestKey(GetParam().key);
    key_ = k.get();
  }
  std::string Sign(const std::string& payload) {
    return testing::SignJws(key_, GetParam().alg, Header(key_), payload);
  }
  EVP_PKEY* key_ = nullptr;
};

TEST_P(JwsAlgTest, SignVerify) {
  auto jws = ParseJws(Sign(R"({"termsOfServiceAgreed":true})"));
  ASSERT_TRUE(jws.has_value()) << jws.error().detail;
  EXPECT_EQ(jws->alg, GetParam().alg);
  EXPECT_EQ(jws->url, kUrl);
  EXPECT_EQ(jws->nonce, "n0nce");
  EXPECT_FALSE(jws->kid.has_value());
  ASSERT_TRUE(jws->jwk.has_value());
  EXPECT_EQ(jws->payload, R"({"termsOfServiceAgreed":true})");
  auto jwk = ParseJwk(*jws->jwk);
  ASSERT_TRUE(jwk.has_value()) << jwk.error().detail;
  auto ok = VerifyJws(*jws, jwk->key.get());
  EXPECT_TRUE(ok.has_value()) << ok.error().detail;
}

TEST_P(JwsAlgTest, PostAsGetEmptyPayload) {
  auto jws = ParseJws(Sign(""));
  ASSERT_TRUE(jws.has_value()) << jws.error().detail;
  EXPECT_EQ(jws->payload, "");
  EXPECT_EQ(jws->payload_b64, "");
  EXPECT_TRUE(VerifyJws(*jws, key_).has_value());
}

// Flips one bit in the middle of the decoded part and re-encodes it.
std::string FlipBit(const std::string& b64) {
  Bytes b = Base64UrlDecode(b64).value();
  b[b.size() / 2] ^= 0x01;
  return Base64UrlEncode(b);
}

TEST_P(JwsAlgTest, TamperingDetected) {
  const json good = json::parse(Sign(R"({"a":"bcdefgh"})"));
  for (const char* part : {"signature", "payload", "protected"}) {
    SCOPED_TRACE(part);
    json bad = good;
    bad[part] = FlipBit(bad[part].get<std::string>());
    auto jws = ParseJws(bad.dump());
    if (!jws.has_value()) {  // a flipped protected header may no longer parse as JSON
      EXPECT_EQ(jws.error().code, Errc::kMalformed);
      continue;
    }
    auto r = VerifyJws(*jws, key_);
    ASSERT_FALSE(r.has_value());
    EXPECT_EQ(r.error().code, Errc::kMalformed);
    EXPECT_EQ(r.error().detail, "JWS signature is invalid");
  }
}

TEST_P(JwsAlgTest, TruncatedSignature) {
  json bad = json::parse(Sign("{}"));
  Bytes sig = Base64UrlDecode(bad["signature"].get<std::string>()).value();
  sig.pop_back();
  bad["signature"] = Base64UrlEncode(sig);
  auto jws = ParseJws(bad.dump());
  ASSERT_TRUE(jws.has_value());
  auto r = VerifyJws(*jws, key_);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, Errc::kMalformed);
}

TEST_P(JwsAlgTest, KidInsteadOfJwk) {
  const json header = {{"kid", "https://ca.example/acme/acct/1"}, {"nonce", "x"}, {"url", kUrl}};
  auto jws = ParseJws(testing::SignJws(key_, GetParam().alg, header, "{}"));
  ASSERT_TRUE(jws.has_value()) << jws.error().detail;
  EXPECT_EQ(jws->kid, "https://ca.example/acme/acct/1");
  EXPECT_FALSE(jws->jwk.has_value());
  EXPECT_TRUE(VerifyJws(*jws, key_).has_value());
}

INSTANTIATE_TEST_SUITE_P(Algs, JwsAlgTest,
                         ::testing::Values(AlgCase{"ES256", "P-256"}, AlgCase{"ES384", "P-384"},
                                           AlgCase{"ES512", "P-521"}, AlgCase{"RS256", "RSA2048"},
                                           AlgCase{"PS256", "RSA2048"}, AlgCase{"EdDSA", "Ed25519"}),
                         [](const auto& p) { return std::string(p.param.alg); });

TEST(JwsTest, RefusedAlgorithms) {
  auto key = testing::GenerateTestKey("P-256");
  for (const char* alg : {"none", "HS256", "HS384", "HS512", "ES256K", "RS512", ""}) {
    SCOPED_TRACE(alg);
    json j = testing::SignJwsJson(key.get(), "ES256", Header(key.get()), "{}");
    json h = Header(key.get());
    h["alg"] = alg;
    j["protected"] = Base64UrlEncode(h.dump());
    auto r = ParseJws(j.dump());
    ASSERT_FALSE(r.has_value());
    EXPECT_EQ(r.error().code, Errc::kBadSignatureAlgorithm);
    EXPECT_NE(r.error().detail.find("accepted: ES256 ES384 ES512 RS256 PS256 EdDSA"), std::string::npos)
        << r.error().detail;
  }
  const std::string none = testing::SignJws(nullptr, "none", Header(key.get()), "{}");
  ExpectError(none, Errc::kBadSignatureAlgorithm);  // alg none with the usual empty signature
}

TEST(JwsTest, HmacRefusedWithoutAllowHmac) {
  const Bytes mac_key(32, 0x42);
  const json h = {{"kid", "eab-key-1"}, {"url", kUrl}};
  ExpectError(testing::SignHs256(mac_key, h, "{}"), Errc::kBadSignatureAlgorithm);
}

TEST(JwsTest, AlgKeyMismatch) {
  auto p384 = testing::GenerateTestKey("P-384");
  auto p256 = testing::GenerateTestKey("P-256");
  auto ed = testing::GenerateTestKey("Ed25519");
  auto rsa = testing::GenerateTestKey("RSA2048");
  struct Case {
    const char* alg;
    EVP_PKEY* signer;
    EVP_PKEY* verifier;
  };
  const Case cases[] = {
      {"ES256", p384.get(), p384.get()},  // ES256 with a P-384 key
      {"ES384", p256.get(), p256.get()},
      {"ES256", p256.get(), rsa.get()},
      {"RS256", rsa.get(), p256.get()},
      {"EdDSA", ed.get(), p256.get()},
      {"ES256", p256.get(), ed.get()},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.alg);
    auto jws = ParseJws(testing::SignJws(c.signer, c.alg, Header(c.signer), "{}"));
    ASSERT_TRUE(jws.has_value()) << jws.error().detail;
    auto r = VerifyJws(*jws, c.verifier);
    ASSERT_FALSE(r.has_value());
    EXPECT_EQ(r.error().code, Errc::kBadSignatureAlgorithm);
  }
}

TEST(JwsTest, EcdsaSignatureLength) {
  auto key = testing::GenerateTestKey("P-256");
  json j = testing::SignJwsJson(key.get(), "ES256", Header(key.get()), "{}");
  Bytes sig = Base64UrlDecode(j["signature"].get<std::string>()).value();
  sig.push_back(0);
  j["signature"] = Base64UrlEncode(sig);
  auto jws = ParseJws(j.dump());
  ASSERT_TRUE(jws.has_value());
  auto r = VerifyJws(*jws, key.get());
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, Errc::kMalformed);
  // A DER signature (what OpenSSL produces natively) is not a JWS signature.
  Bytes zero(64, 0);
  j["signature"] = Base64UrlEncode(zero);
  jws = ParseJws(j.dump());
  ASSERT_TRUE(jws.has_value());
  EXPECT_FALSE(VerifyJws(*jws, key.get()).has_value());
}

TEST(JwsTest, SerializationShape) {
  auto key = testing::GenerateTestKey("P-256");
  const json good = testing::SignJwsJson(key.get(), "ES256", Header(key.get()), "{}");
  ASSERT_TRUE(ParseJws(good.dump()).has_value());

  json with_header = good;
  with_header["header"] = {{"kid", "x"}};
  ExpectError(with_header.dump(), Errc::kMalformed);
  EXPECT_EQ(ParseJws(with_header.dump()).error().detail,
            "JWS must use the flattened JSON serialization without an unprotected header");

  json general = {{"payload", good["payload"]},
                  {"signatures", json::array({{{"protected", good["protected"]}, {"signature", good["signature"]}}})}};
  ExpectError(general.dump(), Errc::kMalformed);

  for (const char* m : {"protected", "payload", "signature"}) {
    json missing = good;
    missing.erase(m);
    ExpectError(missing.dump(), Errc::kMalformed);
    json wrong_type = good;
    wrong_type[m] = 1;
    ExpectError(wrong_type.dump(), Errc::kMalformed);
    json padded = good;
    padded[m] = padded[m].get<std::string>() + "=";
    ExpectError(padded.dump(), Errc::kMalformed);
    json std_alphabet = good;
    std_alphabet[m] = std_alphabet[m].get<std::string>() + "+/";
    ExpectError(std_alphabet.dump(), Errc::kMalformed);
  }
  ExpectError("[]", Errc::kMalformed);
  ExpectError("", Errc::kMalformed);
  ExpectError("{", Errc::kMalformed);
  ExpectError(good.dump() + "x", Errc::kMalformed);
  // Compact serialization is not JSON.
  ExpectError(good["protected"].get<std::string>() + "." + good["payload"].get<std::string>() + "." +
                  good["signature"].get<std::string>(),
              Errc::kMalformed);
}

TEST(JwsTest, ProtectedHeaderRules) {
  auto key = testing::GenerateTestKey("P-256");
  const json jwk = JwkJson(key.get());
  struct Case {
    json header;
    const char* why;
  };
  const Case cases[] = {
      {json{{"jwk", jwk}, {"kid", "k"}, {"url", kUrl}}, "jwk and kid"},
      {json{{"url", kUrl}}, "neither jwk nor kid"},
      {json{{"jwk", jwk}}, "no url"},
      {json{{"jwk", jwk}, {"url", 5}}, "url not a string"},
      {json{{"jwk", "string"}, {"url", kUrl}}, "jwk not an object"},
      {json{{"kid", 7}, {"url", kUrl}}, "kid not a string"},
      {json{{"jwk", jwk}, {"url", kUrl}, {"nonce", 1}}, "nonce not a string"},
      {json{{"jwk", jwk}, {"url", kUrl}, {"crit", {"b64"}}, {"b64", false}}, "crit"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.why);
    ExpectError(testing::SignJws(key.get(), "ES256", c.header, "{}"), Errc::kMalformed);
  }
  // No nonce is fine at this layer.
  auto r = ParseJws(testing::SignJws(key.get(), "ES256", {{"jwk", jwk}, {"url", kUrl}}, "{}"));
  ASSERT_TRUE(r.has_value());
  EXPECT_FALSE(r->nonce.has_value());

  // Missing alg / non-string alg; protected header not an object / not JSON.
  const json good = testing::SignJwsJson(key.get(), "ES256", Header(key.get()), "{}");
  for (const std::string prot : {R"({"url":"u","jwk":{}})", R"({"alg":256,"url":"u","kid":"k"})", "[]", "not json",
                                 R"({"alg":"ES256","alg":"ES256","url":"u","kid":"k"})"}) {
    SCOPED_TRACE(prot);
    json j = good;
    j["protected"] = Base64UrlEncode(prot);
    ExpectError(j.dump(), Errc::kMalformed);
  }
}

TEST(JsonBoundedTest, DuplicateKeysRefused) {
  EXPECT_TRUE(ParseJsonBounded(R"({"a":1,"b":{"a":2}})").has_value());
  for (const char* text : {R"({"a":1,"a":2})", R"({"x":{"a":1,"b":2,"a":3}})", R"([{"k":1},{"k":1,"k":1}])"}) {
    auto r = ParseJsonBounded(text);
    ASSERT_FALSE(r.has_value()) << text;
    EXPECT_EQ(r.error().code, Errc::kMalformed);
  }
  auto body = ParseJws(R"({"protected":"e30","protected":"e30","payload":"","signature":"AA"})");
  ASSERT_FALSE(body.has_value());
  EXPECT_EQ(body.error().code, Errc::kMalformed);
}

std::string Nested(int depth) { return std::string(static_cast<size_t>(depth), '[') + std::string(static_cast<size_t>(depth), ']'); }

TEST(JsonBoundedTest, DepthLimit) {
  EXPECT_TRUE(ParseJsonBounded(Nested(32)).has_value());
  EXPECT_FALSE(ParseJsonBounded(Nested(33)).has_value());
  auto r = ParseJsonBounded(Nested(40));
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, Errc::kMalformed);
  std::string objects;
  for (int i = 0; i < 40; ++i) objects += R"({"a":)";
  objects += "1" + std::string(40, '}');
  EXPECT_FALSE(ParseJsonBounded(objects).has_value());
  EXPECT_FALSE(ParseJsonBounded(std::string(100000, '[')).has_value());
}

TEST(JsonBoundedTest, InvalidJson) {
  for (const char* text : {"", "{", "{'a':1}", "[1,]", "{\"a\":1} x", "\"\xff\"", "1e99999", "NaN", "/* c */ {}"}) {
    auto r = ParseJsonBounded(text);
    ASSERT_FALSE(r.has_value()) << text;
    EXPECT_EQ(r.error().code, Errc::kMalformed);
  }
  EXPECT_EQ(ParseJsonBounded("{").error().detail, "request body is not valid JSON");
  auto v = ParseJsonBounded(R"({"s":"\u00e9","n":[1,-2,3.5,true,null]})");
  ASSERT_TRUE(v.has_value());
  EXPECT_EQ((*v)["n"].size(), 5u);
  EXPECT_EQ((*v)["s"], "\xc3\xa9");
}

// RFC 8555 §7.3.4 external account binding: inner JWS, HS256, kid = EAB key id, payload = JWK.
TEST(EabTest, Hs256) {
  auto account = testing::GenerateTestKey("P-256");
  const Bytes mac_key = ToBytes("0123456789abcdef0123456789abcdef");
  const json h = {{"kid", "eab-key-1"}, {"url", kUrl}};
  const json eab = testing::SignHs256Json(mac_key, h, JwkJson(account.get()).dump());
  auto jws = ParseJwsAllowHmac(eab);
  ASSERT_TRUE(jws.has_value()) << jws.error().detail;
  EXPECT_EQ(jws->alg, "HS256");
  EXPECT_EQ(jws->kid, "eab-key-1");
  EXPECT_FALSE(jws->nonce.has_value());
  EXPECT_TRUE(VerifyHs256(*jws, mac_key).has_value());

  const Bytes wrong = ToBytes("0123456789abcdef0123456789abcdee");
  auto r = VerifyHs256(*jws, wrong);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, Errc::kUnauthorized);

  json tampered = eab;
  tampered["payload"] = FlipBit(tampered["payload"].get<std::string>());
  auto t = ParseJwsAllowHmac(tampered);
  ASSERT_TRUE(t.has_value());
  EXPECT_EQ(VerifyHs256(*t, mac_key).error().code, Errc::kUnauthorized);

  // An asymmetric inner JWS is refused by VerifyHs256.
  auto es = ParseJwsAllowHmac(testing::SignJwsJson(account.get(), "ES256", h, "{}"));
  ASSERT_TRUE(es.has_value());
  EXPECT_EQ(VerifyHs256(*es, mac_key).error().code, Errc::kMalformed);

  // none stays refused even here.
  json none = eab;
  json nh = h;
  nh["alg"] = "none";
  none["protected"] = Base64UrlEncode(nh.dump());
  EXPECT_EQ(ParseJwsAllowHmac(none).error().code, Errc::kBadSignatureAlgorithm);
}

}  // namespace
}  // namespace ca::acme
