#pragma once
// Base64 (RFC 4648 §4) and base64url (§5) codecs.
#include <optional>
#include <string>
#include <string_view>

#include "common/bytes.h"

namespace ca {

// Base64UrlEncode encodes without padding (as JOSE and ACME require).
std::string Base64UrlEncode(ByteView in);
inline std::string Base64UrlEncode(std::string_view in) { return Base64UrlEncode(AsBytes(in)); }

// Base64UrlDecode accepts the URL-safe alphabet only. Padding '=' is refused unless allow_padding;
// any other character, a length of 1 mod 4 or non-zero trailing bits make it return nullopt.
std::optional<Bytes> Base64UrlDecode(std::string_view in, bool allow_padding = false);

// Base64Encode / Base64Decode: the standard alphabet with padding (PEM bodies, OCSP GET).
std::string Base64Encode(ByteView in);
std::optional<Bytes> Base64Decode(std::string_view in);

}  // namespace ca
