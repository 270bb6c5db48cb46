#pragma once
// OBJECT IDENTIFIER helpers (X.690 §8.19): contents octets <-> dotted-decimal text.
#include <optional>
#include <string>
#include <string_view>

#include "common/bytes.h"

namespace ca::der {

// IsValidOid checks OID contents octets: non-empty, every subidentifier minimal (no leading 0x80),
// the last octet ends a subidentifier, and every subidentifier fits in 64 bits.
bool IsValidOid(ByteView content);

// OidToText formats OID contents octets as dotted decimal ("1.2.840.113635.100.8.9.1"), or nullopt
// if they are not a valid OID.
std::optional<std::string> OidToText(ByteView content);

// OidFromText encodes dotted decimal as OID contents octets (no tag or length). Refuses fewer than
// two arcs, a first arc above 2, a second arc of 40 or more under arcs 0 and 1, leading zeros,
// empty arcs and arcs that do not fit in 64 bits.
std::optional<Bytes> OidFromText(std::string_view dotted);

// OidEquals compares OID contents octets with dotted text (false if the text is not an OID).
bool OidEquals(ByteView content, std::string_view dotted);

}  // namespace ca::der
