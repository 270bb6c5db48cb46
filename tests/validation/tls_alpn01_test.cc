#include <chrono>

#include <gtest/gtest.h>

#include "fake_dns_server.h"
#include "fake_servers.h"
#include "validation/challenges.h"
#include "validation/validator.h"

namespace ca::validation {
namespace {

using testing::CertSpec;
using testing::ClosedPort;
using testing::FakeDnsServer;
using testing::FakeResponse;
using testing::FakeServer;
using testing::MakeCert;
using std::chrono::steady_clock;

constexpr const char* kKeyAuth = "tok.thumb";

FakeResponse NotFound(const std::string&) { return FakeResponse{404}; }

class TlsAlpn01Test : public ::testing::Test {
 protected:
  TlsAlpn01Test() { dns_.AddA("example.test", "127.0.0.1"); }
  Result<void> Run(uint16_t port, const core::Identifier& id, uint32_t timeout_ms = 3000) {
    Options o;
    o.tlsalpn01_port = port;
    o.dns_resolver = dns_.Address();
    o.timeout_ms = timeout_ms;
    return MakeValidator(o, nullptr)->Validate(ChallengeInput{id, false, "tls-alpn-01", "tok", kKeyAuth});
  }
  // Serve runs an acme-tls/1 responder with the certificate of spec and validates against it.
  Result<void> Serve(const CertSpec& spec, const core::Identifier& id, std::string* sni = nullptr) {
    auto cert = MakeCert(spec);
    FakeServer srv(NotFound, cert.cert.get(), cert.key.get(), /*alpn_acme=*/true);
    auto r = Run(srv.port(), id);
    if (sni != nullptr) *sni = srv.last_sni();
    return r;
  }
  FakeDnsServer dns_;
};

const core::Identifier kName{"dns", "example.test"};
const core::Identifier kIp{"ip", "127.0.0.1"};

TEST_F(TlsAlpn01Test, ValidCertificateForDnsName) {
  std::string sni;
  auto r = Serve({"DNS:Example.TEST", testing::AcmeExtensionValue(kKeyAuth), true}, kName, &sni);
  ASSERT_TRUE(r.has_value()) << r.error().detail;
  EXPECT_EQ(sni, "example.test");
}

TEST_F(TlsAlpn01Test, ValidCertificateForIpUsesReverseNameAsSni) {
  std::string sni;
  auto r = Serve({"IP:127.0.0.1", testing::AcmeExtensionValue(kKeyAuth), true}, kIp, &sni);
  ASSERT_TRUE(r.has_value()) << r.error().detail;
  EXPECT_EQ(sni, "1.0.0.127.in-addr.arpa");
}

TEST_F(TlsAlpn01Test, NonCriticalExtension) {
  auto r = Serve({"DNS:example.test", testing::AcmeExtensionValue(kKeyAuth), false}, kName);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, Errc::kUnauthorized);
  EXPECT_NE(r.error().detail.find("not critical"), std::string::npos) << r.error().detail;
}

TEST_F(TlsAlpn01Test, WrongDigest) {
  auto r = Serve({"DNS:example.test", testing::AcmeExtensionValue("other.keyauth"), true}, kName);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, Errc::kUnauthorized);
  EXPECT_NE(r.error().detail.find("Invalid acmeIdentifier extension value"), std::string::npos);
}

TEST_F(TlsAlpn01Test, BareDigestWithoutOctetStringWrapperRefused) {
  const auto d = Sha256(kKeyAuth);
  auto r = Serve({"DNS:example.test", Bytes(d.begin(), d.end()), true}, kName);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, Errc::kUnauthorized);
}

TEST_F(TlsAlpn01Test, MissingExtension) {
  auto r = Serve({"DNS:example.test", std::nullopt, true}, kName);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, Errc::kUnauthorized);
  EXPECT_NE(r.error().detail.find("Missing acmeIdentifier"), std::string::npos);
}

TEST_F(TlsAlpn01Test, ExtraSan) {
  auto r = Serve({"DNS:example.test,DNS:extra.test", testing::AcmeExtensionValue(kKeyAuth), true}, kName);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, Errc::kUnauthorized);
  EXPECT_NE(r.error().detail.find("example.test, extra.test"), std::string::npos) << r.error().detail;
}

TEST_F(TlsAlpn01Test, WrongSan) {
  auto r = Serve({"DNS:other.test", testing::AcmeExtensionValue(kKeyAuth), true}, kName);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, Errc::kUnauthorized);
  auto ip = Serve({"DNS:127.0.0.1", testing::AcmeExtensionValue(kKeyAuth), true}, kIp);
  ASSERT_FALSE(ip.has_value());  // an IP identifier needs an iPAddress SAN
  EXPECT_EQ(ip.error().code, Errc::kUnauthorized);
  auto none = Serve({"", testing::AcmeExtensionValue(kKeyAuth), true}, kName);
  ASSERT_FALSE(none.has_value());
  EXPECT_EQ(none.error().code, Errc::kUnauthorized);
}

TEST_F(TlsAlpn01Test, ServerWithoutAlpn) {
  auto cert = MakeCert({"DNS:example.test", testing::AcmeExtensionValue(kKeyAuth), true});
  FakeServer srv(NotFound, cert.cert.get(), cert.key.get(), /*alpn_acme=*/false);
  auto r = Run(srv.port(), kName);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, Errc::kTls);
  EXPECT_NE(r.error().detail.find("did not negotiate acme-tls/1"), std::string::npos);
}

TEST_F(TlsAlpn01Test, PlainHttpServerFailsHandshake) {
  FakeServer srv(NotFound);
  auto r = Run(srv.port(), kName);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, Errc::kTls) << r.error().detail;
  EXPECT_NE(r.error().detail.find("TLS handshake failed"), std::string::npos);
}

TEST_F(TlsAlpn01Test, ConnectionRefused) {
  const uint16_t port = ClosedPort();
  auto r = Run(port, kIp);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, Errc::kConnection);
  EXPECT_EQ(r.error().detail, "Connecting to 127.0.0.1:" + std::to_string(port) + ": Connection refused");
}

TEST_F(TlsAlpn01Test, SilentServerTimesOut) {
  FakeServer srv(NotFound, /*silent=*/true);
  const auto start = steady_clock::now();
  auto r = Run(srv.port(), kName, 500);
  const auto elapsed = steady_clock::now() - start;
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, Errc::kConnection);
  EXPECT_NE(r.error().detail.find("Timeout"), std::string::npos) << r.error().detail;
  EXPECT_LT(elapsed, std::chrono::milliseconds(1200));
}

TEST(ReverseDnsNameTest, Ipv4AndIpv6) {
  EXPECT_EQ(ReverseDnsName("1.2.3.4"), "4.3.2.1.in-addr.arpa");
  EXPECT_EQ(ReverseDnsName("2001:db8::567:89ab"),
            "b.a.9.8.7.6.5.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa");
  EXPECT_EQ(ReverseDnsName("example.test"), "");
}

}  // namespace
}  // namespace ca::validation
