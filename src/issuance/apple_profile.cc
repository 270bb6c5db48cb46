#include "issuance/apple_profile.h"

#include <cctype>
#include <cstdint>

#include "common/base64.h"
#include "core/device.h"

namespace ca::issuance {
namespace {

std::string Trim(std::string_view s) {
  size_t b = 0, e = s.size();
  while (b < e && (s[b] == ' ' || s[b] == '\t')) ++b;
  while (e > b && (s[e - 1] == ' ' || s[e - 1] == '\t')) --e;
  return std::string(s.substr(b, e - b));
}

bool HasControl(std::string_view s) {
  for (char c : s) {
    const auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u == 0x7f) return true;
  }
  return false;
}

// ValidUtf8: well-formed UTF-8 (no overlongs, surrogates or code points above U+10FFFF).
bool ValidUtf8(std::string_view s) {
  size_t i = 0;
  while (i < s.size()) {
    const auto c = static_cast<unsigned char>(s[i]);
    size_t n = 0;
    uint32_t cp = 0;
    if (c < 0x80) {
      ++i;
      continue;
    } else if ((c & 0xe0) == 0xc0) {
      n = 1;
      cp = c & 0x1fu;
    } else if ((c & 0xf0) == 0xe0) {
      n = 2;
      cp = c & 0x0fu;
    } else if ((c & 0xf8) == 0xf0) {
      n = 3;
      cp = c & 0x07u;
    } else {
      return false;
    }
    if (i + n >= s.size()) return false;  // truncated sequence
    for (size_t k = 1; k <= n; ++k) {
      const auto cc = static_cast<unsigned char>(s[i + k]);
      if ((cc & 0xc0) != 0x80) return false;
      cp = (cp << 6) | (cc & 0x3fu);
    }
    if ((n == 1 && cp < 0x80) || (n == 2 && cp < 0x800) || (n == 3 && cp < 0x10000)) return false;
    if (cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return false;
    i += n + 1;
  }
  return true;
}

const char* const kShortcuts[] = {"C", "L", "ST", "O", "OU", "CN"};

class PlistWriter {
 public:
  std::string out;

  void Line(const std::string& s) { out += std::string(depth_ * 2, ' ') + s + "\n"; }
  void Key(std::string_view k) { Line("<key>" + XmlEscape(k) + "</key>"); }
  void String(std::string_view v) { Line("<string>" + XmlEscape(v) + "</string>"); }
  void Integer(long long v) { Line("<integer>" + std::to_string(v) + "</integer>"); }
  void Bool(bool v) { Line(v ? "<true/>" : "<false/>"); }
  void Data(ByteView d) { Line("<data>" + Base64Encode(d) + "</data>"); }
  void Open(const char* tag) {
    Line(std::string("<") + tag + ">");
    ++depth_;
  }
  void Close(const char* tag) {
    --depth_;
    Line(std::string("</") + tag + ">");
  }
  void KeyString(std::string_view k, std::string_view v) {
    Key(k);
    String(v);
  }
  void KeyInteger(std::string_view k, long long v) {
    Key(k);
    Integer(v);
  }
  void KeyBool(std::string_view k, bool v) {
    Key(k);
    Bool(v);
  }

 private:
  size_t depth_ = 0;
};

}  // namespace

Result<AppleSubject> ParseAppleSubject(std::string_view text) {
  if (Trim(text).empty()) return Fail(Errc::kMalformed, "the subject is empty");
  if (HasControl(text)) return Fail(Errc::kMalformed, "the subject holds control characters");
  if (!ValidUtf8(text)) return Fail(Errc::kMalformed, "the subject is not valid UTF-8");
  // Split on unescaped commas, keeping escapes in place for the second pass.
  std::vector<std::string> parts;
  std::string cur;
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '\\') {
      if (i + 1 >= text.size()) return Fail(Errc::kMalformed, "the subject ends with a lone '\\'");
      cur += c;
      cur += text[++i];
    } else if (c == ',') {
      parts.push_back(cur);
      cur.clear();
    } else {
      cur += c;
    }
  }
  parts.push_back(cur);

  AppleSubject out;
  for (const auto& part : parts) {
    if (Trim(part).empty()) return Fail(Errc::kMalformed, "the subject has an empty component");
    // The type ends at the first unescaped '='.
    size_t eq = std::string::npos;
    for (size_t i = 0; i < part.size(); ++i) {
      if (part[i] == '\\') {
        ++i;
      } else if (part[i] == '=') {
        eq = i;
        break;
      }
    }
    if (eq == std::string::npos) {
      return Fail(Errc::kMalformed, "subject component \"" + Trim(part) + "\" is not TYPE=VALUE");
    }
    std::string type = Trim(std::string_view(part).substr(0, eq));
    std::string raw_value = Trim(std::string_view(part).substr(eq + 1));
    std::string value;
    for (size_t i = 0; i < raw_value.size(); ++i) {
      if (raw_value[i] == '\\') ++i;  // a trailing '\' cannot occur: it was refused above
      if (i < raw_value.size()) value += raw_value[i];
    }
    if (type.empty()) return Fail(Errc::kMalformed, "subject component \"" + Trim(part) + "\" has no type");
    std::string upper;
    for (char c : type) upper += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    bool known = false;
    for (const char* s : kShortcuts) known = known || upper == s;
    if (known) {
      type = upper;
    } else if (!core::IsDottedOid(type)) {
      return Fail(Errc::kMalformed, "subject attribute type \"" + type +
                                        "\" is neither C, L, ST, O, OU, CN nor a dotted OID");
    }
    if (value.empty()) return Fail(Errc::kMalformed, "subject attribute " + type + " has an empty value");
    out.emplace_back(std::move(type), std::move(value));
  }
  return out;
}

std::string XmlEscape(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (char c : s) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&apos;"; break;
      case '\r': out += "&#13;"; break;  // a raw CR would be normalised away by XML parsers
      default: out += c;
    }
  }
  return out;
}

bool XmlRepresentable(std::string_view s) {
  for (char c : s) {
    const auto u = static_cast<unsigned char>(c);
    if (u < 0x20 && c != '\t' && c != '\n' && c != '\r') return false;
  }
  return ValidUtf8(s);
}

std::string FormatUuidV4(ByteView random16) {
  uint8_t b[16] = {};
  for (size_t i = 0; i < 16 && i < random16.size(); ++i) b[i] = random16[i];
  b[6] = static_cast<uint8_t>((b[6] & 0x0f) | 0x40);  // version 4
  b[8] = static_cast<uint8_t>((b[8] & 0x3f) | 0x80);  // variant 10xx
  static const char* const kHex = "0123456789ABCDEF";
  std::string out;
  for (size_t i = 0; i < 16; ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10) out += '-';
    out += kHex[b[i] >> 4];
    out += kHex[b[i] & 0x0f];
  }
  return out;
}

Result<std::string> RenderAppleMobileconfig(const AppleAcmeProfile& p) {
  if (p.key_size != 256 && p.key_size != 384) {
    return Fail(Errc::kMalformed, "KeySize must be 256 or 384 for a hardware-bound key");
  }
  if (p.subject.empty()) return Fail(Errc::kMalformed, "the subject is empty");
  std::vector<const std::string*> strings = {&p.identifier,      &p.display_name,      &p.organization,
                                             &p.directory_url,   &p.client_identifier, &p.root_file_name,
                                             &p.root_display_name, &p.profile_uuid,    &p.root_uuid,
                                             &p.acme_uuid};
  for (const auto& [t, v] : p.subject) {
    strings.push_back(&t);
    strings.push_back(&v);
  }
  for (const auto* s : strings) {
    if (!XmlRepresentable(*s)) {
      return Fail(Errc::kMalformed, "a profile value is not valid UTF-8 or holds control characters");
    }
  }

  PlistWriter w;
  w.out =
      "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
      "<!DOCTYPE plist PUBLIC \"-//Apple//DTD PLIST 1.0//EN\" \"http://www.apple.com/DTDs/PropertyList-1.0.dtd\">\n"
      "<plist version=\"1.0\">\n";
  w.Open("dict");
  w.Key("PayloadContent");
  w.Open("array");

  // (1) the root CA certificate
  w.Open("dict");
  w.Key("PayloadCertificateFileName");
  w.String(p.root_file_name);
  w.Key("PayloadContent");
  w.Data(p.root_der);
  w.KeyString("PayloadDisplayName", p.root_display_name);
  w.KeyString("PayloadIdentifier", p.identifier + ".root");
  w.KeyString("PayloadType", "com.apple.security.root");
  w.KeyString("PayloadUUID", p.root_uuid);
  w.KeyInteger("PayloadVersion", 1);
  w.Close("dict");

  // (2) the ACME certificate
  w.Open("dict");
  w.KeyBool("Attest", true);
  w.KeyString("ClientIdentifier", p.client_identifier);
  w.KeyString("DirectoryURL", p.directory_url);
  w.Key("ExtendedKeyUsage");
  w.Open("array");
  w.String(kClientAuthEku);
  w.Close("array");
  w.KeyBool("HardwareBound", true);
  w.KeyInteger("KeySize", p.key_size);
  w.KeyString("KeyType", "ECSECPrimeRandom");
  w.KeyString("PayloadDisplayName", "ACME certificate (" + p.client_identifier + ")");
  w.KeyString("PayloadIdentifier", p.identifier + ".acme");
  w.KeyString("PayloadType", "com.apple.security.acme");
  w.KeyString("PayloadUUID", p.acme_uuid);
  w.KeyInteger("PayloadVersion", 1);
  w.Key("Subject");
  w.Open("array");
  for (const auto& [type, value] : p.subject) {
    w.Open("array");
    w.Open("array");
    w.String(type);
    w.String(value);
    w.Close("array");
    w.Close("array");
  }
  w.Close("array");
  w.KeyInteger("UsageFlags", 1);
  w.Close("dict");

  w.Close("array");
  w.KeyString("PayloadDisplayName", p.display_name);
  w.KeyString("PayloadIdentifier", p.identifier);
  if (!p.organization.empty()) w.KeyString("PayloadOrganization", p.organization);
  w.KeyString("PayloadType", "Configuration");
  w.KeyString("PayloadUUID", p.profile_uuid);
  w.KeyInteger("PayloadVersion", 1);
  w.Close("dict");
  w.out += "</plist>\n";
  return w.out;
}

}  // namespace ca::issuance
