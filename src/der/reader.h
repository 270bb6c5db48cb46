#pragma once
// der::Reader: a bounded, strict DER cursor (X.690 §8 and §10), in the style of BoringSSL's CBS and
// Chromium's pki/parser.h. Independent of OpenSSL; OpenSSL parses whole standard objects, this reads
// extensions and embedded structures.
//
// Strictness (X.690 §10.1, §8.1.2, §8.1.3):
//   - single-octet identifiers (tag numbers 0..30) for everything but ReadAnyNumbered, which also
//     takes the high-tag-number form (X.690 §8.1.2.4: minimal base-128, number >= 31, at most
//     kMaxTagNumberOctets octets; Android KeyMint's AuthorizationList uses [704] and the like); the
//     end-of-contents octet 0x00 is refused;
//   - definite, minimal lengths only (no indefinite form 0x80, no long form below 128, no leading
//     zero length octets, at most 4 length octets);
//   - the length must fit in what remains;
//   - a nesting depth limit (kMaxDepth) over ReadTag/ReadOptionalTag children.
// Every Read* advances only on success; on failure the cursor is unchanged.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

#include "common/bytes.h"

namespace ca::der {

// Tag is a whole identifier octet (class | constructed bit | number), e.g. 0x30 for SEQUENCE.
using Tag = uint8_t;

inline constexpr Tag kBoolean = 0x01;
inline constexpr Tag kInteger = 0x02;
inline constexpr Tag kBitString = 0x03;
inline constexpr Tag kOctetString = 0x04;
inline constexpr Tag kNull = 0x05;
inline constexpr Tag kOid = 0x06;
inline constexpr Tag kEnumerated = 0x0a;
inline constexpr Tag kUtf8String = 0x0c;
inline constexpr Tag kPrintableString = 0x13;
inline constexpr Tag kIa5String = 0x16;
inline constexpr Tag kUtcTime = 0x17;
inline constexpr Tag kGeneralizedTime = 0x18;
inline constexpr Tag kSequence = 0x30;
inline constexpr Tag kSet = 0x31;

inline constexpr Tag kConstructed = 0x20;
inline constexpr Tag kContextSpecific = 0x80;

// ContextTag returns the identifier octet of [n] (n <= 30), constructed (EXPLICIT, or IMPLICIT over a
// constructed type) or primitive.
constexpr Tag ContextTag(unsigned n, bool constructed) {
  return static_cast<Tag>(kContextSpecific | (constructed ? kConstructed : 0) | (n & 0x1f));
}

// NumberedTag is an identifier of any tag-number form: class and constructed bits of the first
// octet (e.g. kContextSpecific | kConstructed) and the tag number.
struct NumberedTag {
  uint8_t class_bits = 0;  // 0x00 universal, 0x40 application, 0x80 context-specific, 0xc0 private
  bool constructed = false;
  uint32_t number = 0;
};

// BitString is the contents of a BIT STRING: bytes and the number of unused bits in the last byte.
struct BitString {
  ByteView bytes;
  uint8_t unused_bits = 0;
};

// Reader is a non-owning cursor over DER bytes; the bytes must outlive it and its children.
class Reader final {
 public:
  // kMaxDepth bounds how deep ReadTag children may nest.
  static constexpr int kMaxDepth = 32;
  // kMaxTagNumberOctets bounds the high-tag-number form (3 octets: numbers up to 2^21 - 1).
  static constexpr size_t kMaxTagNumberOctets = 3;

  Reader() = default;
  explicit Reader(ByteView data) : data_(data) {}

  // Empty reports whether every byte has been read (parsers end with `if (!r.Empty())`).
  bool Empty() const { return data_.empty(); }
  size_t Remaining() const { return data_.size(); }
  int depth() const { return depth_; }

  // PeekTag returns the next identifier octet without reading, or nullopt at the end.
  std::optional<Tag> PeekTag() const;
  // Peek reports whether the next element has this tag.
  bool Peek(Tag tag) const;

  // ReadAny reads the next element, whatever its tag, into *tag and *value (the contents octets).
  bool ReadAny(Tag* tag, ByteView* value);
  // ReadAnyNumbered reads the next element whatever its tag, in either tag-number form, into *tag
  // and a child reader over its contents (one level deeper; false past kMaxDepth).
  bool ReadAnyNumbered(NumberedTag* tag, Reader* contents);
  // Rest is what remains to be read (for offsets in error details: Rest().data() - start).
  ByteView Rest() const { return data_; }
  // ReadElement reads an element with this exact tag and returns its contents octets.
  std::optional<ByteView> ReadElement(Tag tag);
  // ReadRawElement reads an element with this exact tag and returns it whole (identifier, length and
  // contents), e.g. to hash or re-parse an AlgorithmIdentifier.
  std::optional<ByteView> ReadRawElement(Tag tag);
  // Skip reads and discards an element with this tag; SkipOptional does so only if it is next.
  bool Skip(Tag tag);
  bool SkipOptional(Tag tag);

  // ReadTag reads an element with this tag and returns a child reader over its contents, one level
  // deeper (nullopt past kMaxDepth).
  std::optional<Reader> ReadTag(Tag tag);
  // ReadOptionalTag: if the next element has this tag, reads it into *out; otherwise leaves *out
  // empty. Returns false only when the element is present but malformed (or too deep).
  bool ReadOptionalTag(Tag tag, std::optional<Reader>* out);

  // ReadBoolean reads a BOOLEAN; DER allows only 0x00 and 0xff (X.690 §11.1).
  std::optional<bool> ReadBoolean();
  // ReadNull reads a NULL (empty contents).
  bool ReadNull();
  // ReadIntegerBytes reads an INTEGER (or, with another tag, an IMPLICIT one) and returns its
  // two's-complement contents, which must be non-empty and minimal (X.690 §8.3.2).
  std::optional<ByteView> ReadIntegerBytes(Tag tag = kInteger);
  // ReadUnsignedIntegerBytes reads a non-negative INTEGER and returns its big-endian magnitude
  // without the sign octet ("\x00" for zero): the form serial numbers and RSA moduli are compared in.
  std::optional<ByteView> ReadUnsignedIntegerBytes(Tag tag = kInteger);
  // ReadInt64 / ReadUint64 read an INTEGER that must fit the type.
  std::optional<int64_t> ReadInt64(Tag tag = kInteger);
  std::optional<uint64_t> ReadUint64(Tag tag = kInteger);
  // ReadOctetString reads a primitive OCTET STRING (DER forbids the constructed form).
  std::optional<ByteView> ReadOctetString();
  // ReadBitString reads a primitive BIT STRING: unused bits 0..7, 0 when empty, padding bits zero.
  std::optional<BitString> ReadBitString();
  // ReadOid reads an OBJECT IDENTIFIER and returns its contents octets, checked well formed
  // (der::IsValidOid); compare with der::OidFromText output or format with der::OidToText.
  std::optional<ByteView> ReadOid();
  // String types, checked against their alphabets: UTF8String must be valid UTF-8 (RFC 3629, no
  // surrogates or overlongs), PrintableString X.680 §41.4, IA5String 0x00..0x7f.
  std::optional<std::string_view> ReadUtf8String();
  std::optional<std::string_view> ReadPrintableString();
  std::optional<std::string_view> ReadIa5String();

 private:
  Reader(ByteView data, int depth) : data_(data), depth_(depth) {}
  // Header parses the identifier and length at the front of data_ without consuming anything.
  bool Header(Tag* tag, size_t* header_len, size_t* content_len) const;
  // NumberedHeader is Header that also takes the high-tag-number form.
  bool NumberedHeader(NumberedTag* tag, size_t* header_len, size_t* content_len) const;
  // Length parses the length octets at data_[at] (definite, minimal, <= 4 octets, fits).
  bool Length(size_t at, size_t* header_len, size_t* content_len) const;
  std::optional<std::string_view> ReadString(Tag tag, bool (*valid)(std::string_view));

  ByteView data_;
  int depth_ = 0;
};

// IsValidUtf8 checks RFC 3629 UTF-8 (shortest form, no surrogates, at most U+10FFFF).
bool IsValidUtf8(std::string_view s);

}  // namespace ca::der
