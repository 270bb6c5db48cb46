#pragma once
// Apple enrollment profiles for device-attest-01 (`attestca profile apple`): a configuration profile
// (XML plist, .mobileconfig) holding the root CA certificate and a com.apple.security.acme payload.
// Pure functions over strings and bytes, so they are unit-testable without a CA.
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/bytes.h"
#include "common/result.h"

namespace ca::issuance {

// AppleSubject: X.500 name in the payload's form, one RDN a (type, value) pair, in order. Rendered
// as [[["CN","a"]],[["O","b"]]] (an array of RDNs, each an array of one [type, value] pair).
using AppleSubject = std::vector<std::pair<std::string, std::string>>;

// ParseAppleSubject parses "CN=a,O=b" (spaces around types and values are trimmed; "\," "\=" and
// "\\" escape those characters in a value). Types are the payload's shortcuts C, L, ST, O, OU, CN
// (case-insensitive, written upper-case) or dotted OIDs. kMalformed for an empty string or
// component, a missing '=', an unknown type, an empty value, a trailing '\' or control characters.
Result<AppleSubject> ParseAppleSubject(std::string_view text);

// XmlEscape escapes & < > " ' as entities. XmlRepresentable tells whether s is valid UTF-8 without
// the control characters XML 1.0 cannot hold (anything below 0x20 but tab, LF, CR).
std::string XmlEscape(std::string_view s);
bool XmlRepresentable(std::string_view s);

// FormatUuidV4 turns 16 random bytes into an upper-case RFC 9562 version-4 UUID string
// (8-4-4-4-12 hex; version and variant bits set), the form Apple's profile tools write.
std::string FormatUuidV4(ByteView random16);

// AppleAcmeProfile: everything a profile says. UUIDs come from FormatUuidV4.
struct AppleAcmeProfile {
  std::string identifier;    // PayloadIdentifier of the profile, e.g. "attestca.devices.C02XXXX"
  std::string display_name;  // PayloadDisplayName of the profile
  std::string organization;  // PayloadOrganization (omitted when empty)
  std::string directory_url;
  std::string client_identifier;
  int key_size = 384;                // 256 or 384 (hardware-bound EC)
  AppleSubject subject;
  Bytes root_der;                    // the root CA certificate the device must trust
  std::string root_file_name = "root.crt";
  std::string root_display_name = "attestca root CA";
  std::string profile_uuid;
  std::string root_uuid;
  std::string acme_uuid;
};

inline constexpr const char* kClientAuthEku = "1.3.6.1.5.5.7.3.2";

// RenderAppleMobileconfig renders the configuration profile: PayloadType "Configuration" with
// PayloadContent [com.apple.security.root, com.apple.security.acme]. kMalformed when a string is not
// XmlRepresentable or the key size is not 256/384.
Result<std::string> RenderAppleMobileconfig(const AppleAcmeProfile& p);

}  // namespace ca::issuance
