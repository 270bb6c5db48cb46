#pragma once
// Shared by the policy .cc files (not part of the component's interface).
#include <optional>
#include <string>
#include <string_view>

#include "common/bytes.h"
#include "common/result.h"
#include "ossl/types.h"
#include "policy/csr_check.h"

namespace ca::policy {

// Quote renders untrusted text for an error detail: in double quotes, non-printable or non-ASCII
// bytes as \xNN, quotes and backslashes escaped, cut at 100 bytes with "...".
std::string Quote(std::string_view s);

// IpFromText parses strict textual IPv4 (dotted quad, no leading zeros) or IPv6 (no zone) into 4
// or 16 bytes; IpToText renders 4 or 16 bytes canonically (RFC 5952 for IPv6).
std::optional<Bytes> IpFromText(std::string_view s);
std::optional<std::string> IpToText(ByteView ip);

// CsrSubjectAltNames returns the CSR's one subjectAltName extension, decoded (null when the CSR
// has none). kBadCsr for several extension requests or SAN extensions, or one that does not parse.
Result<ossl::UniquePtr<GENERAL_NAMES>> CsrSubjectAltNames(const ParsedCsr& csr);

// ParseEcCsrDirect reads the common request (strict DER, ECDSA over P-256/P-384/P-521 with an
// uncompressed point, no attribute but one extension request) without d2i_X509_REQ and checks it as
// ParseCsrCommon does; nullopt for anything else, which then takes the OpenSSL path.
std::optional<ParsedCsr> ParseEcCsrDirect(ByteView der);

// ParseCsrWithOpenSsl is that OpenSSL path (d2i_X509_REQ), for every request.
Result<ParsedCsr> ParseCsrWithOpenSsl(ByteView der);

}  // namespace ca::policy
