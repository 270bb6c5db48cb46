#include "attestation/object.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <set>
#include <string>
#include <vector>

#include "cbor/reader.h"

namespace ca::attestation {
namespace {

namespace fs = std::filesystem;

#ifndef ATTESTCA_SHARED_DIR
#error "tests/CMakeLists.txt must define ATTESTCA_SHARED_DIR for attestation_test"
#endif

fs::path WebAuthnDir() { return fs::path(ATTESTCA_SHARED_DIR) / "vectors/samples/webauthn"; }

Bytes ReadFile(const fs::path& p) {
  std::ifstream f(p, std::ios::binary);
  return Bytes((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
}

// Facts from shared/vectors/manifest.json (x5c count, tpmAlg) and an independent CBOR dump.
struct Vector {
  const char* file;  // under samples/webauthn/
  const char* fmt;
  size_t x5c;
  std::optional<int64_t> alg;
  size_t sig_len;  // 0 = absent
  bool tpm;        // ver "2.0", certInfo and pubArea present
  size_t pub_area_len;
};

const Vector kVectors[] = {
    {"android-key/pyw-android-key-pixel8a-rkp.attestationObject.cbor", "android-key", 5, -7, 72,
     false, 0},
    {"android-key/sw-android-key-galaxy-s9plus.attestationObject.cbor", "android-key", 4, -7, 71,
     false, 0},
    {"android-key/w4j-android-key-software.attestationObject.cbor", "android-key", 3, -7, 70, false,
     0},
    {"apple/gow-apple-ngrok.attestationObject.cbor", "apple", 2, -7, 0, false, 0},
    {"apple/jws-apple-ios.attestationObject.cbor", "apple", 2, std::nullopt, 0, false, 0},
    {"apple/jws-apple-macos.attestationObject.cbor", "apple", 2, std::nullopt, 0, false, 0},
    {"apple/pyw-apple-passkey-2021.attestationObject.cbor", "apple", 2, std::nullopt, 0, false, 0},
    {"apple/sw-apple-dontneeda.attestationObject.cbor", "apple", 2, -7, 0, false, 0},
    {"packed/jws-packed-yubikey-bio-5.5.4.attestationObject.cbor", "packed", 1, -7, 70, false, 0},
    {"packed/jws-packed-yubikey5ci-fips.attestationObject.cbor", "packed", 1, -7, 71, false, 0},
    {"packed/pyw-packed-yubikey5ci-ed25519.attestationObject.cbor", "packed", 1, -7, 71, false, 0},
    {"tpm/jws-tpm-ntc-windows-hello.attestationObject.cbor", "tpm", 2, -65535, 256, true, 310},
    {"tpm/jws-tpm-stm-thinkpad.attestationObject.cbor", "tpm", 2, -65535, 256, true, 118},
    {"tpm/pyw-tpm-intc-surface-pro-4.attestationObject.cbor", "tpm", 2, -65535, 256, true, 310},
    {"tpm/pyw-tpm-ntc-dell-xps-13.attestationObject.cbor", "tpm", 2, -65535, 256, true, 310},
    {"tpm/pyw-tpm-ntc-ecc-pubarea.attestationObject.cbor", "tpm", 2, -65535, 256, true, 118},
    {"tpm/pyw-tpm-stm-lenovo-x1-carbon.attestationObject.cbor", "tpm", 2, -65535, 256, true, 310},
    {"tpm/sw-tpm-ntc-nonspec-san.attestationObject.cbor", "tpm", 2, -65535, 256, true, 310},
    {"tpm/sw-tpm-stm-spec-san.attestationObject.cbor", "tpm", 2, -65535, 256, true, 310},
};

class AttObjectVectorsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(fs::is_directory(WebAuthnDir()))
        << "test vectors missing: " << WebAuthnDir()
        << " (shared/ must sit beside the repository clone)";
  }
};

TEST_F(AttObjectVectorsTest, DecodesEveryWebAuthnSample) {
  for (const auto& v : kVectors) {
    SCOPED_TRACE(v.file);
    const Bytes in = ReadFile(WebAuthnDir() / v.file);
    ASSERT_FALSE(in.empty());
    auto obj = DecodeAttestationObject(in);
    ASSERT_TRUE(obj.has_value()) << obj.error().detail;
    EXPECT_EQ(obj->fmt, v.fmt);
    const AttStmt& s = obj->att_stmt;
    EXPECT_EQ(s.x5c.size(), v.x5c);
    for (const auto& der : s.x5c) {
      ASSERT_GE(der.size(), 2u);
      EXPECT_EQ(der[0], 0x30);  // a DER SEQUENCE
    }
    EXPECT_EQ(s.alg, v.alg);
    EXPECT_EQ(s.sig.has_value(), v.sig_len != 0);
    if (s.sig) {
      EXPECT_EQ(s.sig->size(), v.sig_len);
    }
    EXPECT_EQ(s.cert_info.has_value(), v.tpm);
    EXPECT_EQ(s.pub_area.has_value(), v.tpm);
    if (v.tpm) {
      EXPECT_EQ(s.ver, "2.0");
      EXPECT_EQ(s.cert_info->size(), 161u);
      EXPECT_EQ(s.pub_area->size(), v.pub_area_len);
      // TPMS_ATTEST starts with TPM_GENERATED_VALUE 0xff544347 (TPM 2.0 Part 2 §10.12.8).
      EXPECT_EQ(Hex(ByteView(*s.cert_info).first(4)), "ff544347");
    } else {
      EXPECT_FALSE(s.ver.has_value());
    }
    EXPECT_FALSE(s.response.has_value());
  }
}

// Every .cbor under samples/webauthn is in the table above, so a new sample cannot go untested.
TEST_F(AttObjectVectorsTest, TableCoversEverySample) {
  std::set<std::string> listed;
  for (const auto& v : kVectors) listed.insert(v.file);
  size_t found = 0;
  for (const auto& e : fs::recursive_directory_iterator(WebAuthnDir())) {
    if (e.path().extension() != ".cbor") continue;
    ++found;
    EXPECT_EQ(listed.count(fs::relative(e.path(), WebAuthnDir()).generic_string()), 1u) << e.path();
  }
  EXPECT_EQ(found, std::size(kVectors));
}

TEST_F(AttObjectVectorsTest, TrailingByteRefused) {
  for (const auto& v : kVectors) {
    SCOPED_TRACE(v.file);
    Bytes in = ReadFile(WebAuthnDir() / v.file);
    in.push_back(0x00);
    auto obj = DecodeAttestationObject(in);
    ASSERT_FALSE(obj.has_value());
    EXPECT_EQ(obj.error().code, Errc::kMalformed);
    EXPECT_NE(obj.error().detail.find("trailing bytes"), std::string::npos) << obj.error().detail;
  }
}

TEST_F(AttObjectVectorsTest, TruncationRefused) {
  for (const char* file : {"apple/jws-apple-ios.attestationObject.cbor",
                           "tpm/jws-tpm-stm-thinkpad.attestationObject.cbor"}) {
    SCOPED_TRACE(file);
    const Bytes in = ReadFile(WebAuthnDir() / file);
    for (size_t n = 0; n < in.size(); ++n) {
      const Bytes prefix(in.begin(), in.begin() + static_cast<std::ptrdiff_t>(n));
      ASSERT_FALSE(DecodeAttestationObject(prefix).has_value()) << n;
    }
  }
}

// A minimal CBOR encoder for hand-built objects.
struct Enc {
  Bytes out;
  Enc& Head(uint8_t major, uint64_t n) {
    const auto ib = [major](uint8_t ai) { return static_cast<uint8_t>((major << 5) | ai); };
    if (n < 24) {
      out.push_back(ib(static_cast<uint8_t>(n)));
    } else if (n <= 0xff) {
      out.push_back(ib(24));
      out.push_back(static_cast<uint8_t>(n));
    } else if (n <= 0xffff) {
      out.push_back(ib(25));
      out.push_back(static_cast<uint8_t>(n >> 8));
      out.push_back(static_cast<uint8_t>(n));
    } else {
      out.push_back(ib(27));
      for (int i = 7; i >= 0; --i) out.push_back(static_cast<uint8_t>(n >> (8 * i)));
    }
    return *this;
  }
  Enc& Uint(uint64_t n) { return Head(0, n); }
  Enc& Neg(uint64_t n) { return Head(1, n); }  // encodes -1 - n
  Enc& Str(std::string_view s) {
    Head(3, s.size());
    out.insert(out.end(), s.begin(), s.end());
    return *this;
  }
  Enc& Bin(const Bytes& b) {
    Head(2, b.size());
    out.insert(out.end(), b.begin(), b.end());
    return *this;
  }
  Enc& Arr(size_t n) { return Head(4, n); }
  Enc& Map(size_t n) { return Head(5, n); }
  Enc& True() {
    out.push_back(0xf5);
    return *this;
  }
};

const Bytes kCert = {0x30, 0x03, 0x02, 0x01, 0x01};

Enc AppleObject() {
  Enc e;
  e.Map(2).Str("fmt").Str("apple").Str("attStmt").Map(1).Str("x5c").Arr(2).Bin(kCert).Bin(kCert);
  return e;
}

void ExpectRefused(const Bytes& in, std::string_view detail_part) {
  auto obj = DecodeAttestationObject(in);
  ASSERT_FALSE(obj.has_value()) << Hex(in);
  EXPECT_EQ(obj.error().code, Errc::kMalformed);
  EXPECT_NE(obj.error().detail.find(detail_part), std::string::npos) << obj.error().detail;
}

TEST(AttestationObjectTest, AppleMdaShape) {
  auto obj = DecodeAttestationObject(AppleObject().out);
  ASSERT_TRUE(obj.has_value()) << obj.error().detail;
  EXPECT_EQ(obj->fmt, "apple");
  ASSERT_EQ(obj->att_stmt.x5c.size(), 2u);
  EXPECT_EQ(obj->att_stmt.x5c[1], kCert);
  EXPECT_FALSE(obj->att_stmt.alg.has_value());
  EXPECT_FALSE(obj->att_stmt.sig.has_value());
}

TEST(AttestationObjectTest, StepShapeWithWrappedSig) {
  const Bytes raw_sig = {0x30, 0x06, 0x02, 0x01, 0x01, 0x02, 0x01, 0x02};
  Enc wrapped;
  wrapped.Bin(raw_sig);
  Enc e;
  e.Map(2).Str("fmt").Str("step").Str("attStmt").Map(3);
  e.Str("alg").Neg(6);  // -7 (ES256)
  e.Str("sig").Bin(wrapped.out);
  e.Str("x5c").Arr(2).Bin(kCert).Bin(kCert);
  auto obj = DecodeAttestationObject(e.out);
  ASSERT_TRUE(obj.has_value()) << obj.error().detail;
  EXPECT_EQ(obj->fmt, "step");
  EXPECT_EQ(obj->att_stmt.alg, -7);
  // The step format's sig is itself a CBOR byte string.
  auto inner = cbor::Parse(*obj->att_stmt.sig);
  ASSERT_TRUE(inner.has_value());
  auto bytes = inner->AsBytes();
  ASSERT_TRUE(bytes.has_value());
  EXPECT_EQ(Bytes(bytes->begin(), bytes->end()), raw_sig);
}

TEST(AttestationObjectTest, NoneFormatAndUnknownMembersIgnored) {
  Enc e;
  e.Map(4).Str("fmt").Str("none").Str("attStmt").Map(2);
  e.Str("ecdaaKeyId").Map(1).Uint(1).Arr(1).True();  // unknown member, any type
  e.Uint(7).Str("x");                                // unknown integer key
  e.Str("authData").Bin({0x01, 0x02});
  e.Str("extra").Arr(0);  // unknown top-level key
  auto obj = DecodeAttestationObject(e.out);
  ASSERT_TRUE(obj.has_value()) << obj.error().detail;
  EXPECT_EQ(obj->fmt, "none");
  EXPECT_TRUE(obj->att_stmt.x5c.empty());
}

TEST(AttestationObjectTest, SafetyNetShape) {
  Enc e;
  e.Map(2).Str("attStmt").Map(2).Str("ver").Str("14366018").Str("response").Bin({0x65, 0x79});
  e.Str("fmt").Str("android-safetynet");
  auto obj = DecodeAttestationObject(e.out);
  ASSERT_TRUE(obj.has_value()) << obj.error().detail;
  EXPECT_EQ(obj->att_stmt.ver, "14366018");
  EXPECT_EQ(obj->att_stmt.response, (Bytes{0x65, 0x79}));
}

TEST(AttestationObjectTest, DuplicateKeysRefused) {
  Enc top;
  top.Map(3).Str("fmt").Str("apple").Str("attStmt").Map(0).Str("fmt").Str("tpm");
  ExpectRefused(top.out, "attObj: not a valid CBOR item: CBOR: duplicate map key at offset 20");
  Enc stmt;
  stmt.Map(2).Str("fmt").Str("apple").Str("attStmt").Map(2);
  stmt.Str("x5c").Arr(1).Bin(kCert).Str("x5c").Arr(0);
  ExpectRefused(stmt.out, "duplicate map key");
}

TEST(AttestationObjectTest, WrongTypesRefused) {
  const auto with_member = [](std::string_view key, const Enc& value) {
    Enc e;
    e.Map(2).Str("fmt").Str("tpm").Str("attStmt").Map(1).Str(key);
    e.out.insert(e.out.end(), value.out.begin(), value.out.end());
    return e.out;
  };
  Enc text;
  text.Str("x");
  Enc bin;
  bin.Bin({0x01});
  Enc big;
  big.Uint(uint64_t{1} << 63);
  ExpectRefused(with_member("alg", text), "attObj: attStmt.alg: CBOR: expected unsigned integer");
  ExpectRefused(with_member("alg", big), "attObj: attStmt.alg: CBOR: integer does not fit int64");
  ExpectRefused(with_member("sig", text), "attObj: attStmt.sig: CBOR: expected byte string");
  ExpectRefused(with_member("ver", bin), "attObj: attStmt.ver: CBOR: expected text string");
  ExpectRefused(with_member("certInfo", text), "attStmt.certInfo: CBOR: expected byte string");
  ExpectRefused(with_member("pubArea", text), "attStmt.pubArea: CBOR: expected byte string");
  ExpectRefused(with_member("response", text), "attStmt.response: CBOR: expected byte string");
  ExpectRefused(with_member("x5c", bin), "attObj: attStmt.x5c: CBOR: expected array, got byte");
  Enc x5c_text;
  x5c_text.Arr(2).Bin(kCert).Str("MIIB");
  ExpectRefused(with_member("x5c", x5c_text),
                "attObj: attStmt.x5c[1]: CBOR: expected byte string, got text string at offset 29");
  Enc x5c_empty_cert;
  x5c_empty_cert.Arr(1).Bin({});
  ExpectRefused(with_member("x5c", x5c_empty_cert), "attObj: attStmt.x5c[0]: empty certificate");
}

TEST(AttestationObjectTest, X5cLimit) {
  const auto with_certs = [](size_t n) {
    Enc e;
    e.Map(2).Str("fmt").Str("packed").Str("attStmt").Map(1).Str("x5c").Arr(n);
    for (size_t i = 0; i < n; ++i) e.Bin(kCert);
    return e.out;
  };
  auto ten = DecodeAttestationObject(with_certs(10));
  ASSERT_TRUE(ten.has_value()) << ten.error().detail;
  EXPECT_EQ(ten->att_stmt.x5c.size(), 10u);
  ExpectRefused(with_certs(11), "attObj: attStmt.x5c: 11 certificates exceed the limit of 10");
  auto zero = DecodeAttestationObject(with_certs(0));
  ASSERT_TRUE(zero.has_value());
  EXPECT_TRUE(zero->att_stmt.x5c.empty());
}

TEST(AttestationObjectTest, TopLevelShapeRefused) {
  Enc arr;
  arr.Arr(0);
  ExpectRefused(arr.out, "attObj: top level: CBOR: expected map, got array at offset 0");
  Enc no_fmt;
  no_fmt.Map(1).Str("attStmt").Map(0);
  ExpectRefused(no_fmt.out, "attObj: fmt: missing");
  Enc no_stmt;
  no_stmt.Map(1).Str("fmt").Str("apple");
  ExpectRefused(no_stmt.out, "attObj: attStmt: missing");
  Enc stmt_array;
  stmt_array.Map(2).Str("fmt").Str("apple").Str("attStmt").Arr(0);
  ExpectRefused(stmt_array.out, "attObj: attStmt: CBOR: expected map, got array");
  Enc fmt_bytes;
  fmt_bytes.Map(2).Str("fmt").Bin({0x61}).Str("attStmt").Map(0);
  ExpectRefused(fmt_bytes.out, "attObj: fmt: CBOR: expected text string, got byte string");
  Enc auth_text;
  auth_text.Map(3).Str("fmt").Str("none").Str("attStmt").Map(0).Str("authData").Str("x");
  ExpectRefused(auth_text.out, "attObj: authData: CBOR: expected byte string");
  // CTAP2-style integer keys (1 = fmt) are not the WebAuthn attestation object.
  Enc ctap;
  ctap.Map(2).Uint(1).Str("packed").Uint(3).Map(0);
  ExpectRefused(ctap.out, "attObj: fmt: missing");
  ExpectRefused({}, "attObj: not a valid CBOR item: CBOR: unexpected end of input at offset 0");
}

TEST(AttestationObjectTest, FmtSyntax) {
  const auto with_fmt = [](std::string_view fmt) {
    Enc e;
    e.Map(2).Str("fmt").Str(fmt).Str("attStmt").Map(0);
    return e.out;
  };
  EXPECT_TRUE(DecodeAttestationObject(with_fmt(std::string(32, 'a'))).has_value());
  for (const std::string& bad :
       {std::string(), std::string(33, 'a'), std::string("ap\"ple"), std::string("a\\b"),
        std::string("a\nb"), std::string("\xc3\xbc")}) {
    ExpectRefused(with_fmt(bad), "attObj: fmt: must be 1 to 32 printable US-ASCII characters");
  }
}

}  // namespace
}  // namespace ca::attestation
