// PKCS#10 (RFC 2986) checks for ACME finalize (RFC 8555 §7.4), in the spirit of Boulder's csr/.
#include "policy/csr_check.h"

#include <algorithm>
#include <iterator>
#include <set>
#include <string>

#include "ossl/error.h"
#include "ossl/types.h"
#include "policy/identifier_policy.h"
#include "policy/internal.h"

namespace ca::policy {
namespace {

constexpr size_t kMaxCommonName = 64;  // ub-common-name (RFC 5280 Appendix A.1)

const char* GeneralNameTypeName(int type) {
  switch (type) {
    case GEN_OTHERNAME: return "otherName";
    case GEN_EMAIL: return "rfc822Name (email address)";
    case GEN_X400: return "x400Address";
    case GEN_DIRNAME: return "directoryName";
    case GEN_EDIPARTY: return "ediPartyName";
    case GEN_URI: return "uniformResourceIdentifier (URI)";
    case GEN_RID: return "registeredID";
    default: return "unknown";
  }
}

std::string AsnString(const ASN1_STRING* s) {
  return std::string(reinterpret_cast<const char*>(ASN1_STRING_get0_data(s)),
                     static_cast<size_t>(ASN1_STRING_length(s)));
}

void AddName(std::vector<core::Identifier>& names, core::Identifier id) {
  if (std::find(names.begin(), names.end(), id) == names.end()) names.push_back(std::move(id));
}

Result<void> CheckSignature(X509_REQ* req, EVP_PKEY* key) {
  int md_nid = NID_undef;
  int pk_nid = NID_undef;
  int sig_nid = X509_REQ_get_signature_nid(req);
  if (OBJ_find_sigid_algs(sig_nid, &md_nid, &pk_nid) == 1 &&
      (md_nid == NID_md5 || md_nid == NID_sha1 || md_nid == NID_md4 || md_nid == NID_md2 ||
       md_nid == NID_md5_sha1)) {
    return Fail(Errc::kBadCsr, std::string("CSR signature algorithm ") + OBJ_nid2sn(sig_nid) + " is not allowed");
  }
  if (X509_REQ_verify(req, key) != 1) {
    ERR_clear_error();
    return Fail(Errc::kBadCsr, "CSR signature does not verify");
  }
  return Ok();
}

Result<void> CollectSans(const ParsedCsr& csr, std::vector<core::Identifier>& names) {
  CA_TRY(auto sans, CsrSubjectAltNames(csr));
  if (!sans) return Ok();
  for (int i = 0; i < sk_GENERAL_NAME_num(sans.get()); ++i) {
    const GENERAL_NAME* gn = sk_GENERAL_NAME_value(sans.get(), i);
    int type = 0;
    const void* value = GENERAL_NAME_get0_value(gn, &type);
    if (type == GEN_DNS) {
      std::string raw = AsnString(static_cast<const ASN1_STRING*>(value));
      auto id = NormalizeIdentifier({core::kDns, raw});
      if (!id) return Fail(Errc::kBadCsr, "CSR contains an invalid DNS name: " + id.error().detail);
      AddName(names, std::move(*id));
    } else if (type == GEN_IPADD) {
      const auto* os = static_cast<const ASN1_STRING*>(value);
      auto text = IpToText(ByteView(ASN1_STRING_get0_data(os), static_cast<size_t>(ASN1_STRING_length(os))));
      if (!text) {
        return Fail(Errc::kBadCsr, "CSR contains an iPAddress of " + std::to_string(ASN1_STRING_length(os)) +
                                       " bytes (expected 4 or 16)");
      }
      AddName(names, {core::kIp, std::move(*text)});
    } else {
      return Fail(Errc::kBadCsr, std::string("CSR subjectAltName contains an unsupported name type: ") +
                                     GeneralNameTypeName(type) + " (only dNSName and iPAddress are allowed)");
    }
  }
  return Ok();
}

Result<void> CollectCommonName(ParsedCsr& out) {
  const X509_NAME* subject = out.subject.get();
  int idx = X509_NAME_get_index_by_NID(subject, NID_commonName, -1);
  if (idx < 0) return Ok();
  if (X509_NAME_get_index_by_NID(subject, NID_commonName, idx) >= 0) {
    return Fail(Errc::kBadCsr, "CSR subject has more than one common name");
  }
  unsigned char* utf8 = nullptr;
  int n = ASN1_STRING_to_UTF8(&utf8, X509_NAME_ENTRY_get_data(X509_NAME_get_entry(subject, idx)));
  if (n < 0) {
    ERR_clear_error();
    return Fail(Errc::kBadCsr, "CSR common name is not a valid string");
  }
  std::string cn(reinterpret_cast<const char*>(utf8), static_cast<size_t>(n));
  OPENSSL_free(utf8);
  if (cn.size() > kMaxCommonName) return Fail(Errc::kBadCsr, "CSR common name is longer than 64 characters");
  core::Identifier id;
  if (auto ip = IpFromText(cn)) {
    auto text = IpToText(*ip);
    if (!text) return Fail(Errc::kBadCsr, "CSR common name is not a valid IP address");
    id = {core::kIp, std::move(*text)};
  } else {
    auto dns = NormalizeIdentifier({core::kDns, cn});
    if (!dns) {
      return Fail(Errc::kBadCsr, "CSR common name is neither a valid DNS name nor an IP address: " +
                                     dns.error().detail);
    }
    id = std::move(*dns);
  }
  out.common_name = id.value;
  AddName(out.names, std::move(id));
  return Ok();
}

std::string QuoteList(const std::vector<core::Identifier>& ids) {
  std::string out;
  for (const auto& id : ids) {
    if (!out.empty()) out += ", ";
    out += Quote(id.value);
  }
  return out;
}

}  // namespace

Result<ParsedCsr> ParseCsrWithOpenSsl(ByteView der) {
  const unsigned char* p = der.data();
  ossl::UniquePtr<X509_REQ> req(d2i_X509_REQ(nullptr, &p, static_cast<long>(der.size())));
  if (!req) {
    ERR_clear_error();
    return Fail(Errc::kBadCsr, "CSR is not a valid DER-encoded PKCS#10 request");
  }
  if (p != der.data() + der.size()) return Fail(Errc::kBadCsr, "CSR has trailing bytes after the request");
  if (X509_REQ_get_version(req.get()) != X509_REQ_VERSION_1) {
    return Fail(Errc::kBadCsr, "CSR version must be 1 (encoded as 0)");
  }
  ParsedCsr out;
  out.key.reset(X509_REQ_get_pubkey(req.get()));
  if (!out.key) {
    ERR_clear_error();
    return Fail(Errc::kBadCsr, "CSR public key does not parse (or its algorithm is unknown)");
  }
  CA_RETURN_IF_ERROR(CheckKey(out.key.get()));
  CA_RETURN_IF_ERROR(CheckSignature(req.get(), out.key.get()));
  out.subject.reset(X509_NAME_dup(X509_REQ_get_subject_name(req.get())));
  out.spki.reset(X509_PUBKEY_dup(X509_REQ_get_X509_PUBKEY(req.get())));
  if (!out.subject || !out.spki) return ossl::Internal("copying the CSR subject and key");
  for (int nid : {NID_ext_req, NID_ms_ext_req}) {
    for (int i = X509_REQ_get_attr_by_NID(req.get(), nid, -1); i >= 0;
         i = X509_REQ_get_attr_by_NID(req.get(), nid, i)) {
      ++out.extension_requests;
    }
  }
  if (out.extension_requests == 1) {
    out.extensions.reset(X509_REQ_get_extensions(req.get()));
    ERR_clear_error();  // unparsable: CsrSubjectAltNames reports it when the names are needed
  }
  return out;
}

namespace {

// ParseCsrCommon: DER without trailing bytes, version 1, key policy, self-signature.
Result<ParsedCsr> ParseCsrCommon(ByteView der) {
  if (auto direct = ParseEcCsrDirect(der)) return std::move(*direct);
  return ParseCsrWithOpenSsl(der);
}

}  // namespace

Result<ossl::UniquePtr<GENERAL_NAMES>> CsrSubjectAltNames(const ParsedCsr& csr) {
  if (csr.extension_requests == 0) return ossl::UniquePtr<GENERAL_NAMES>();
  if (csr.extension_requests > 1) return Fail(Errc::kBadCsr, "CSR has more than one extension request attribute");
  const X509_EXTENSIONS* exts = csr.extensions.get();
  if (exts == nullptr) return Fail(Errc::kBadCsr, "CSR extension request does not parse");
  int first = X509v3_get_ext_by_NID(exts, NID_subject_alt_name, -1);
  if (first < 0) return ossl::UniquePtr<GENERAL_NAMES>();
  if (X509v3_get_ext_by_NID(exts, NID_subject_alt_name, first) >= 0) {
    return Fail(Errc::kBadCsr, "CSR has more than one subjectAltName extension");
  }
  ossl::UniquePtr<GENERAL_NAMES> sans(static_cast<GENERAL_NAMES*>(X509V3_EXT_d2i(X509v3_get_ext(exts, first))));
  if (!sans) {
    ERR_clear_error();
    return Fail(Errc::kBadCsr, "CSR subjectAltName extension does not parse");
  }
  return sans;
}

Result<ParsedCsr> ParseCsrForDevice(ByteView der) { return ParseCsrCommon(der); }

Result<ParsedCsr> ParseCsr(ByteView der) {
  CA_TRY(ParsedCsr out, ParseCsrCommon(der));
  CA_RETURN_IF_ERROR(CollectSans(out, out.names));
  CA_RETURN_IF_ERROR(CollectCommonName(out));
  if (out.names.empty()) return Fail(Errc::kBadCsr, "CSR contains no DNS names or IP addresses");
  return out;
}

Result<void> CheckCsrNames(const ParsedCsr& csr, const std::vector<core::Identifier>& order_identifiers) {
  std::set<core::Identifier> want;
  for (const auto& id : order_identifiers) {
    auto n = NormalizeIdentifier(id);
    want.insert(n ? std::move(*n) : id);
  }
  std::set<core::Identifier> have(csr.names.begin(), csr.names.end());
  std::vector<core::Identifier> extra;
  std::vector<core::Identifier> missing;
  std::set_difference(have.begin(), have.end(), want.begin(), want.end(), std::back_inserter(extra));
  std::set_difference(want.begin(), want.end(), have.begin(), have.end(), std::back_inserter(missing));
  if (!extra.empty()) {
    return Fail(Errc::kBadCsr, std::string(extra.size() == 1 ? "CSR contains name " : "CSR contains names ") +
                                   QuoteList(extra) + " that " + (extra.size() == 1 ? "is" : "are") +
                                   " not in the order");
  }
  if (!missing.empty()) {
    return Fail(Errc::kBadCsr, std::string(missing.size() == 1 ? "CSR does not contain name "
                                                               : "CSR does not contain names ") +
                                   QuoteList(missing) + " from the order");
  }
  return Ok();
}

}  // namespace ca::policy
