#include "device_attest.h"

#include <filesystem>
#include <fstream>
#include <sstream>

#include <fmt/format.h>

#include "common/base64.h"
#include "common/clock.h"
#include "ossl/pem.h"

namespace ca::acme_load {
namespace {

constexpr const char* kAppleArc = "1.2.840.113635.100.8.";

// CborHead appends a CBOR major type with its length or count (RFC 8949 §3, minimal encoding).
void CborHead(Bytes* out, uint8_t major, uint64_t n) {
  const uint8_t mt = static_cast<uint8_t>(major << 5);
  if (n < 24) {
    out->push_back(static_cast<uint8_t>(mt | n));
    return;
  }
  int bytes = n <= 0xff ? 1 : n <= 0xffff ? 2 : n <= 0xffffffffULL ? 4 : 8;
  out->push_back(static_cast<uint8_t>(mt | (bytes == 1 ? 24 : bytes == 2 ? 25 : bytes == 4 ? 26 : 27)));
  for (int i = bytes - 1; i >= 0; --i) out->push_back(static_cast<uint8_t>(n >> (8 * i)));
}

void CborText(Bytes* out, std::string_view s) {
  CborHead(out, 3, s.size());
  out->insert(out->end(), s.begin(), s.end());
}

void CborBytes(Bytes* out, const Bytes& b) {
  CborHead(out, 2, b.size());
  out->insert(out->end(), b.begin(), b.end());
}

Result<std::string> ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Fail(Errc::kNotFound, fmt::format("attest-ca: cannot read {}", path));
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

Result<void> WriteFile(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
  if (!out) return Fail(Errc::kInternal, fmt::format("attest-ca: cannot write {}", path));
  return Ok();
}

testing::CertSpec CaSpec(const std::string& cn) {
  testing::CertSpec s;
  s.common_name = cn;
  s.not_before = SystemClock().Now() - 86400;
  s.not_after = s.not_before + 3650 * 86400;
  s.is_ca = true;
  return s;
}

}  // namespace

Result<std::unique_ptr<DeviceAttestCa>> DeviceAttestCa::LoadOrCreate(const std::string& dir) {
  const std::string root_path = dir + "/root.pem";
  const std::string inter_path = dir + "/intermediate.pem";
  const std::string key_path = dir + "/intermediate.key";
  if (!std::filesystem::exists(root_path)) {
    std::error_code ec;
    std::filesystem::create_directories(dir, ec);
    const testing::TestCert root = testing::MakeCert(CaSpec("acme-load Enterprise Attestation Root CA"), nullptr);
    const testing::TestCert inter = testing::MakeCert(CaSpec("acme-load Enterprise Attestation Sub CA 1"), &root);
    CA_TRY(const std::string key_pem, ossl::PrivateKeyToPem(inter.key.get(), ""));
    CA_RETURN_IF_ERROR(WriteFile(inter_path, inter.pem));
    CA_RETURN_IF_ERROR(WriteFile(key_path, key_pem));
    CA_RETURN_IF_ERROR(WriteFile(root_path, root.pem));  // last: its presence means the set is complete
  }
  std::unique_ptr<DeviceAttestCa> ca(new DeviceAttestCa());
  CA_TRY(const std::string inter_pem, ReadFile(inter_path));
  CA_TRY(const std::string key_pem, ReadFile(key_path));
  CA_TRY(ca->intermediate_.cert, ossl::CertFromPem(inter_pem));
  CA_TRY(ca->intermediate_.key, ossl::PrivateKeyFromPem(key_pem, ""));
  CA_TRY(ca->intermediate_.der, ossl::CertToDer(ca->intermediate_.cert.get()));
  ca->intermediate_.pem = inter_pem;
  return ca;
}

DeviceAttestCa::Attestation DeviceAttestCa::Attest(const std::string& serial, const std::string& token) {
  testing::CertSpec leaf;
  leaf.common_name = "acme-load device";
  leaf.key_group = "P-256";
  leaf.not_before = SystemClock().Now() - 300;
  leaf.not_after = leaf.not_before + 86400;
  const auto text = [&](const char* arc, std::string_view v) {
    leaf.extensions.push_back({std::string(kAppleArc) + arc, ToBytes(v), false});
  };
  text("10.1", "14.2");  // OS version
  text("9.1", serial);
  text("9.2", "00008103-001A2B3C4D5E6F70");  // UDID
  leaf.extensions.push_back({std::string(kAppleArc) + "11.1", testing::AppleNonceFor(token), false});
  testing::TestCert minted;
  {
    std::lock_guard lock(mint_mu_);
    minted = testing::MakeCert(leaf, &intermediate_);
  }
  Bytes cbor;
  CborHead(&cbor, 5, 2);
  CborText(&cbor, "fmt");
  CborText(&cbor, "apple");
  CborText(&cbor, "attStmt");
  CborHead(&cbor, 5, 1);
  CborText(&cbor, "x5c");
  CborHead(&cbor, 4, 2);
  CborBytes(&cbor, minted.der);
  CborBytes(&cbor, intermediate_.der);
  return Attestation{std::move(minted.key), Base64UrlEncode(cbor)};
}

}  // namespace ca::acme_load
