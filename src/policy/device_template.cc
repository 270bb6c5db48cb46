#include "policy/device_template.h"

#include <algorithm>

#include <openssl/x509v3.h>

#include "der/reader.h"
#include "ossl/types.h"
#include "policy/internal.h"

namespace ca::policy {
namespace {

// RFC 5280 Appendix A.1 upper bounds.
size_t UpperBound(const std::string& attr) {
  if (attr == "C") return 2;
  if (attr == "L" || attr == "ST") return 128;
  return 64;  // CN, O, OU
}

constexpr size_t kMaxEmail = 254;
constexpr size_t kMaxUri = 1024;
constexpr size_t kMaxUpn = 256;

bool HasControl(std::string_view s) {
  return std::any_of(s.begin(), s.end(), [](char c) {
    auto u = static_cast<unsigned char>(c);
    return u < 0x20 || u == 0x7f;
  });
}

bool PrintableAscii(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](char c) { return c > 0x20 && c < 0x7f; });
}

bool EmailOk(std::string_view s) {
  auto at = s.find('@');
  return !s.empty() && s.size() <= kMaxEmail && PrintableAscii(s) && at != std::string_view::npos && at > 0 &&
         at + 1 < s.size() && s.find('@', at + 1) == std::string_view::npos;
}

bool UriOk(std::string_view s) {
  if (s.empty() || s.size() > kMaxUri || !PrintableAscii(s)) return false;
  auto colon = s.find(':');
  if (colon == std::string_view::npos || colon == 0) return false;
  auto alpha = [](char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); };
  if (!alpha(s[0])) return false;
  return std::all_of(s.begin(), s.begin() + static_cast<std::ptrdiff_t>(colon), [&](char c) {
    return alpha(c) || (c >= '0' && c <= '9') || c == '+' || c == '-' || c == '.';
  });
}

bool Keeps(const std::vector<std::string>& list, const std::string& v) {
  return std::find(list.begin(), list.end(), v) != list.end();
}

std::string AsnText(const ASN1_STRING* s) {
  return std::string(reinterpret_cast<const char*>(ASN1_STRING_get0_data(s)),
                     static_cast<size_t>(ASN1_STRING_length(s)));
}

Result<void> KeepSubject(const X509_NAME* name, const config::CertificateTemplate& t, DeviceCertNames& out) {
  for (int i = 0; i < X509_NAME_entry_count(name); ++i) {
    const X509_NAME_ENTRY* e = X509_NAME_get_entry(name, i);
    int nid = OBJ_obj2nid(X509_NAME_ENTRY_get_object(e));
    const char* sn = nid == NID_undef ? nullptr : OBJ_nid2sn(nid);
    if (sn == nullptr || !Keeps(t.keep_subject, sn)) continue;
    const std::string attr(sn);
    unsigned char* utf8 = nullptr;
    int n = ASN1_STRING_to_UTF8(&utf8, X509_NAME_ENTRY_get_data(e));
    if (n < 0) return Fail(Errc::kBadCsr, "CSR subject " + attr + " cannot be read as UTF-8");
    std::string value(reinterpret_cast<char*>(utf8), static_cast<size_t>(n));
    OPENSSL_free(utf8);
    if (value.empty() || !der::IsValidUtf8(value) || HasControl(value) || value.size() > UpperBound(attr) ||
        (attr == "C" && (value.size() != 2 || !PrintableAscii(value)))) {
      return Fail(Errc::kBadCsr, "CSR subject " + attr + " " + Quote(value) +
                                     " is not allowed (UTF-8 without control characters, at most " +
                                     std::to_string(UpperBound(attr)) + " bytes)");
    }
    std::pair<std::string, std::string> rdn{attr, value};
    if (std::find(out.subject.begin(), out.subject.end(), rdn) == out.subject.end()) out.subject.push_back(rdn);
  }
  return Ok();
}

Result<std::optional<ExtraSan>> KeptSan(const GENERAL_NAME* gn, const config::CertificateTemplate& t) {
  if (gn->type == GEN_EMAIL && Keeps(t.keep_sans, "email")) {
    std::string v = AsnText(gn->d.rfc822Name);
    if (!EmailOk(v)) return Fail(Errc::kBadCsr, "CSR email address " + Quote(v) + " is malformed");
    return ExtraSan{"email", v};
  }
  if (gn->type == GEN_URI && Keeps(t.keep_sans, "uri")) {
    std::string v = AsnText(gn->d.uniformResourceIdentifier);
    if (!UriOk(v)) return Fail(Errc::kBadCsr, "CSR URI " + Quote(v) + " is malformed");
    return ExtraSan{"uri", v};
  }
  if (gn->type == GEN_OTHERNAME && Keeps(t.keep_sans, "upn")) {
    char oid[64];
    if (OBJ_obj2txt(oid, sizeof oid, gn->d.otherName->type_id, 1) <= 0 || std::string(oid) != kUpnOid) {
      return std::optional<ExtraSan>();
    }
    const ASN1_TYPE* v = gn->d.otherName->value;
    if (v == nullptr || v->type != V_ASN1_UTF8STRING) return Fail(Errc::kBadCsr, "CSR UPN is not a UTF8String");
    std::string s = AsnText(v->value.utf8string);
    if (s.empty() || s.size() > kMaxUpn || !der::IsValidUtf8(s) || HasControl(s)) {
      return Fail(Errc::kBadCsr, "CSR UPN " + Quote(s) + " is malformed");
    }
    return ExtraSan{"upn", s};
  }
  return std::optional<ExtraSan>();
}

}  // namespace

Result<DeviceCertNames> DeviceCertificateNames(const ParsedCsr& csr, const config::CertificateTemplate& t) {
  DeviceCertNames out;
  out.server_auth = Keeps(t.extended_key_usage, "serverAuth");
  out.client_auth = Keeps(t.extended_key_usage, "clientAuth");
  CA_RETURN_IF_ERROR(KeepSubject(csr.subject.get(), t, out));
  if (t.keep_sans.empty()) return out;
  CA_TRY(auto names, CsrSubjectAltNames(csr));
  for (int j = 0; names && j < sk_GENERAL_NAME_num(names.get()); ++j) {
    CA_TRY(auto kept, KeptSan(sk_GENERAL_NAME_value(names.get(), j), t));
    if (kept && std::find(out.sans.begin(), out.sans.end(), *kept) == out.sans.end()) out.sans.push_back(*kept);
  }
  return out;
}

}  // namespace ca::policy
