#pragma once
// Device certificate template (pure): which of a device CSR's subject attributes and extra
// subjectAltNames the certificate keeps ([provisioners.NAME.certificate]). Apple devices send the
// Subject and SubjectAltName of their MDM profile; nothing of it is attested, so the provisioner's
// template decides: kinds it lists are copied after strict checks, everything else is dropped.
#include <string>
#include <utility>
#include <vector>

#include "common/result.h"
#include "config/config.h"
#include "policy/csr_check.h"

namespace ca::policy {

// ExtraSan is a CSR subjectAltName kept by the template: kind "email" (rfc822Name), "uri"
// (uniformResourceIdentifier) or "upn" (otherName 1.3.6.1.4.1.311.20.2.3, UTF8String).
struct ExtraSan {
  std::string kind;
  std::string value;
  friend bool operator==(const ExtraSan&, const ExtraSan&) = default;
};

struct DeviceCertNames {
  std::vector<std::pair<std::string, std::string>> subject;  // (short name, UTF-8 value), CSR order
  std::vector<ExtraSan> sans;
  bool server_auth = false;
  bool client_auth = true;
};

inline constexpr const char* kUpnOid = "1.3.6.1.4.1.311.20.2.3";

// DeviceCertificateNames applies the template to a parsed device CSR (ParseCsrForDevice). A kept
// attribute or SAN must be well formed (valid UTF-8 without control characters, RFC 5280 upper
// bounds, C two letters, email local@domain in ASCII, URI with a scheme); otherwise kBadCsr naming
// it. Attributes and SAN kinds the template does not list are dropped silently, as are repeated
// values.
Result<DeviceCertNames> DeviceCertificateNames(const ParsedCsr& csr, const config::CertificateTemplate& t);

}  // namespace ca::policy
