#include "acme/jwk.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "common/base64.h"
#include "ossl/types.h"
#include "support/jws_signer.h"

namespace ca::acme {
namespace {

using nlohmann::json;

// RFC 7638 §3.1 example key.
const json kRfc7638Key = {
    {"kty", "RSA"},
    {"n",
     "0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3"
     "oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZH"
     "zu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8"
     "awapJzKnqDKgw"},
    {"e", "AQAB"},
    {"alg", "RS256"},
    {"kid", "2011-04-29"},
};

TEST(JwkTest, Rfc7638Thumbprint) {
  auto jwk = ParseJwk(kRfc7638Key);
  ASSERT_TRUE(jwk.has_value()) << jwk.error().detail;
  EXPECT_EQ(jwk->kty, "RSA");
  EXPECT_EQ(jwk->thumbprint, "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs");
  EXPECT_EQ(jwk->canonical_json.rfind(R"({"e":"AQAB","kty":"RSA","n":"0vx7)", 0), 0u);
  EXPECT_EQ(jwk->canonical_json.find(' '), std::string::npos);
  EXPECT_EQ(jwk->canonical_json.find("kid"), std::string::npos);
  EXPECT_EQ(EVP_PKEY_get_bits(jwk->key.get()), 2048);
}

class JwkRoundTripTest : public ::testing::TestWithParam<const char*> {};

TEST_P(JwkRoundTripTest, FromPublicKeyAndBack) {
  auto key = testing::GenerateTestKey(GetParam());
  auto jwk = JwkFromPublicKey(key.get());
  ASSERT_TRUE(jwk.has_value()) << jwk.error().detail;
  EXPECT_EQ(EVP_PKEY_eq(jwk->key.get(), key.get()), 1);
  const json j = json::parse(jwk->canonical_json);
  auto again = ParseJwk(j);
  ASSERT_TRUE(again.has_value()) << again.error().detail;
  EXPECT_EQ(again->canonical_json, jwk->canonical_json);
  EXPECT_EQ(again->thumbprint, jwk->thumbprint);
  EXPECT_EQ(again->thumbprint.size(), 43u);
  EXPECT_EQ(EVP_PKEY_eq(again->key.get(), key.get()), 1);
  const std::string kind = GetParam();
  if (kind[0] == 'P') {
    EXPECT_EQ(jwk->kty, "EC");
    EXPECT_EQ(jwk->crv, kind);
    EXPECT_EQ(jwk->canonical_json.rfind(R"({"crv":")" + kind + R"(","kty":"EC","x":")", 0), 0u);
  } else if (kind == "Ed25519") {
    EXPECT_EQ(jwk->kty, "OKP");
    EXPECT_EQ(jwk->crv, "Ed25519");
    EXPECT_EQ(jwk->canonical_json.rfind(R"({"crv":"Ed25519","kty":"OKP","x":")", 0), 0u);
  } else {
    EXPECT_EQ(jwk->kty, "RSA");
  }
}

INSTANTIATE_TEST_SUITE_P(Kinds, JwkRoundTripTest, ::testing::Values("P-256", "P-384", "P-521", "Ed25519", "RSA2048"));

json EcJwk() {
  auto key = testing::GenerateTestKey("P-256");
  auto jwk = JwkFromPublicKey(key.get());
  return json::parse(jwk.value().canonical_json);
}

TEST(JwkTest, ExtraMembersIgnoredInThumbprint) {
  json j = EcJwk();
  auto base = ParseJwk(j);
  ASSERT_TRUE(base.has_value());
  j["use"] = "sig";
  j["kid"] = "whatever";
  auto extra = ParseJwk(j);
  ASSERT_TRUE(extra.has_value());
  EXPECT_EQ(extra->thumbprint, base->thumbprint);
}

TEST(JwkTest, PrivateMembersRefused) {
  for (const char* m : {"d", "p", "q", "dp", "dq", "qi", "k"}) {
    json j = EcJwk();
    j[m] = "AQAB";
    auto r = ParseJwk(j);
    ASSERT_FALSE(r.has_value()) << m;
    EXPECT_EQ(r.error().code, Errc::kMalformed) << m;
  }
}

TEST(JwkTest, OffCurvePointRefused) {
  json j = EcJwk();
  auto y = Base64UrlDecode(j["y"].get<std::string>()).value();
  y.back() ^= 1;
  j["y"] = Base64UrlEncode(y);
  auto r = ParseJwk(j);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, Errc::kBadPublicKey);
}

TEST(JwkTest, EcCoordinateSizeMustMatchCurve) {
  json j = EcJwk();
  auto x = Base64UrlDecode(j["x"].get<std::string>()).value();
  x.erase(x.begin());
  j["x"] = Base64UrlEncode(x);
  auto r = ParseJwk(j);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, Errc::kMalformed);

  json k = EcJwk();
  k["crv"] = "P-384";  // 32-byte coordinates on a 48-byte curve
  r = ParseJwk(k);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, Errc::kMalformed);
}

TEST(JwkTest, SmallRsaRefused) {
  auto key = testing::GenerateTestKey("RSA1024");
  auto r = JwkFromPublicKey(key.get());
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, Errc::kBadPublicKey);
}

TEST(JwkTest, RsaEncodingRules) {
  json j = kRfc7638Key;
  auto n = Base64UrlDecode(j["n"].get<std::string>()).value();
  Bytes padded = {0};
  padded.insert(padded.end(), n.begin(), n.end());
  j["n"] = Base64UrlEncode(padded);
  auto r = ParseJwk(j);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, Errc::kMalformed);

  for (const char* e : {"AQ" /*1*/, "Ag" /*2*/, "AAEAAQ" /*leading zero*/, "AQEBAQEB" /*too big*/}) {
    json k = kRfc7638Key;
    k["e"] = e;
    EXPECT_FALSE(ParseJwk(k).has_value()) << e;
  }
  json three = kRfc7638Key;
  three["e"] = "Aw";
  EXPECT_TRUE(ParseJwk(three).has_value());
}

TEST(JwkTest, UnknownTypesAndCurves) {
  struct Case {
    json j;
    Errc code;
  };
  const Case cases[] = {
      {json{{"kty", "oct"}}, Errc::kBadPublicKey},
      {json{{"kty", "EC"}, {"crv", "P-192"}, {"x", "AA"}, {"y", "AA"}}, Errc::kBadPublicKey},
      {json{{"kty", "OKP"}, {"crv", "X25519"}, {"x", "AA"}}, Errc::kBadPublicKey},
      {json{{"kty", "OKP"}, {"crv", "Ed448"}, {"x", "AA"}}, Errc::kBadPublicKey},
      {json{{"kty", "OKP"}, {"crv", "Ed25519"}, {"x", "AAAA"}}, Errc::kMalformed},
      {json{{"kty", 1}}, Errc::kMalformed},
      {json{{"crv", "P-256"}}, Errc::kMalformed},
      {json::array(), Errc::kMalformed},
      {json{{"kty", "EC"}, {"crv", "P-256"}, {"x", 5}, {"y", "AA"}}, Errc::kMalformed},
      {json{{"kty", "EC"}, {"crv", "P-256"}, {"x", "AA=="}, {"y", "AA"}}, Errc::kMalformed},
      {json{{"kty", "RSA"}, {"e", "AQAB"}}, Errc::kMalformed},
  };
  for (const auto& c : cases) {
    auto r = ParseJwk(c.j);
    ASSERT_FALSE(r.has_value()) << c.j.dump();
    EXPECT_EQ(r.error().code, c.code) << c.j.dump() << ": " << r.error().detail;
  }
}

}  // namespace
}  // namespace ca::acme
