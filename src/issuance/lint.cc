// Lint before signing (as Boulder's linter): refuse anything the CA must never sign. Every refusal
// is kInternal: the ACME layer checks requests first, so reaching one of these is a bug.
#include <string>

#include "issuance/internal.h"
#include "ossl/error.h"
#include "ossl/types.h"

namespace ca::issuance {
namespace {

constexpr size_t kMaxCommonName = 64;  // ub-common-name (RFC 5280 Appendix A.1)
constexpr size_t kMaxDnsName = 253;

Result<void> LintKey(EVP_PKEY* key) {
  if (key == nullptr) return Fail(Errc::kInternal, "lint: no public key");
  switch (EVP_PKEY_get_base_id(key)) {
    case EVP_PKEY_RSA:
      if (EVP_PKEY_get_bits(key) < 2048) return Fail(Errc::kInternal, "lint: RSA key smaller than 2048 bits");
      return Ok();
    case EVP_PKEY_EC: {
      char group[64] = {};
      size_t len = 0;
      if (EVP_PKEY_get_group_name(key, group, sizeof group, &len) != 1) {
        return Fail(Errc::kInternal, ossl::ErrorString("lint: EC key without a named curve"));
      }
      std::string g(group, len);
      if (g == "prime256v1" || g == "secp384r1" || g == "secp521r1") return Ok();
      return Fail(Errc::kInternal, "lint: EC curve " + g + " not allowed");
    }
    case EVP_PKEY_ED25519:
      return Ok();
    default:
      return Fail(Errc::kInternal, "lint: key type not allowed");
  }
}

bool DnsCharsOk(const std::string& s) {
  if (s.empty() || s.size() > kMaxDnsName) return false;
  for (char c : s) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '*';
    if (!ok) return false;
  }
  return true;
}

// LintDeviceNames: template-kept subject attributes and extra SANs only on device certificates,
// within RFC 5280's bounds and free of control characters (policy::DeviceCertificateNames checked
// them already; this is the last line).
Result<void> LintDeviceNames(const IssueRequest& req) {
  if (req.device_subject.empty() && req.device_extra_sans.empty()) return Ok();
  for (const auto& id : req.identifiers) {
    if (id.type != core::kPermanentIdentifier && id.type != core::kHardwareModule) {
      return Fail(Errc::kInternal, "lint: template names on a certificate that is not a device certificate");
    }
  }
  if (req.common_name) return Fail(Errc::kInternal, "lint: both a common name and a device subject");
  auto clean = [](const std::string& v, size_t max) {
    if (v.empty() || v.size() > max) return false;
    for (char c : v) {
      if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) return false;
    }
    return true;
  };
  for (const auto& [attr, value] : req.device_subject) {
    size_t max = attr == "C" ? 2 : (attr == "L" || attr == "ST") ? 128 : 64;
    bool known = attr == "CN" || attr == "O" || attr == "OU" || attr == "L" || attr == "ST" || attr == "C";
    if (!known || !clean(value, max)) return Fail(Errc::kInternal, "lint: bad device subject attribute " + attr);
  }
  for (const auto& [kind, value] : req.device_extra_sans) {
    if ((kind != "email" && kind != "uri" && kind != "upn") || !clean(value, 1024)) {
      return Fail(Errc::kInternal, "lint: bad extra SAN " + kind);
    }
  }
  return Ok();
}

}  // namespace

Result<void> LintRequest(const IssueRequest& req, UnixTime issuer_not_before, UnixTime issuer_not_after) {
  CA_RETURN_IF_ERROR(LintKey(req.public_key));
  if (req.identifiers.empty()) return Fail(Errc::kInternal, "lint: no identifiers");
  for (const auto& id : req.identifiers) {
    if (id.type == core::kDns) {
      if (!DnsCharsOk(id.value)) return Fail(Errc::kInternal, "lint: bad dNSName \"" + id.value + "\"");
    } else if (id.type == core::kIp) {
      if (!ParseIpLiteral(id.value)) return Fail(Errc::kInternal, "lint: bad iPAddress \"" + id.value + "\"");
    } else if (id.type == core::kPermanentIdentifier || id.type == core::kHardwareModule) {
      if (id.value.empty() || id.value.front() == '/') {
        return Fail(Errc::kInternal, "lint: empty device identifier");
      }
    } else {
      return Fail(Errc::kInternal, "lint: identifier type \"" + id.type + "\" cannot be issued");
    }
  }
  if (req.common_name) {
    if (req.common_name->empty() || req.common_name->size() > kMaxCommonName) {
      return Fail(Errc::kInternal, "lint: common name empty or longer than 64 characters");
    }
    bool found = false;
    for (const auto& id : req.identifiers) found = found || id.value == *req.common_name;
    if (!found) return Fail(Errc::kInternal, "lint: common name is not one of the identifiers");
  }
  CA_RETURN_IF_ERROR(LintDeviceNames(req));
  if (!req.server_auth && !req.client_auth) return Fail(Errc::kInternal, "lint: no extended key usage");
  if (req.not_before >= req.not_after) return Fail(Errc::kInternal, "lint: notBefore is not before notAfter");
  if (req.not_after > issuer_not_after) return Fail(Errc::kInternal, "lint: notAfter is past the issuer's notAfter");
  if (req.not_after <= issuer_not_before) return Fail(Errc::kInternal, "lint: notAfter is before the issuer's notBefore");
  return Ok();
}

Result<void> LintCertificate(X509* cert) {
  if (X509_get_version(cert) != X509_VERSION_3) return Fail(Errc::kInternal, "lint: not a v3 certificate");
  {
    ossl::UniquePtr<BIGNUM> bn(ASN1_INTEGER_to_BN(X509_get0_serialNumber(cert), nullptr));
    if (!bn) return ossl::Internal("lint: serial");
    if (BN_is_negative(bn.get()) || BN_num_bits(bn.get()) < 64 || BN_num_bits(bn.get()) > 159) {
      return Fail(Errc::kInternal, "lint: serial must be positive with 64..159 bits");
    }
  }
  int crit = 0;
  ossl::UniquePtr<GENERAL_NAMES> sans(
      static_cast<GENERAL_NAMES*>(X509_get_ext_d2i(cert, NID_subject_alt_name, &crit, nullptr)));
  if (!sans || sk_GENERAL_NAME_num(sans.get()) == 0) return Fail(Errc::kInternal, "lint: no subjectAltName");
  bool subject_empty = X509_NAME_entry_count(X509_get_subject_name(cert)) == 0;
  if (subject_empty && crit != 1) return Fail(Errc::kInternal, "lint: empty subject needs a critical SAN");
  return Ok();
}

}  // namespace ca::issuance
