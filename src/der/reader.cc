#include "der/reader.h"

#include "der/oid.h"

namespace ca::der {
namespace {

bool IsPrintable(std::string_view s) {
  // X.680 §41.4 Table 10: A-Z a-z 0-9 space ' ( ) + , - . / : = ?
  for (char c : s) {
    bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
    switch (c) {
      case ' ': case '\'': case '(': case ')': case '+': case ',':
      case '-': case '.': case '/': case ':': case '=': case '?':
        ok = true;
        break;
      default:
        break;
    }
    if (!ok) return false;
  }
  return true;
}

bool IsIa5(std::string_view s) {
  for (char c : s) {
    if ((static_cast<uint8_t>(c) & 0x80) != 0) return false;
  }
  return true;
}

bool IsUtf8(std::string_view s) { return IsValidUtf8(s); }

}  // namespace

bool IsValidUtf8(std::string_view s) {
  size_t i = 0;
  while (i < s.size()) {
    auto b0 = static_cast<uint8_t>(s[i]);
    if (b0 < 0x80) {
      ++i;
      continue;
    }
    size_t n;
    uint32_t cp;
    uint32_t min;
    if ((b0 & 0xe0) == 0xc0) {
      n = 2, cp = b0 & 0x1fu, min = 0x80;
    } else if ((b0 & 0xf0) == 0xe0) {
      n = 3, cp = b0 & 0x0fu, min = 0x800;
    } else if ((b0 & 0xf8) == 0xf0) {
      n = 4, cp = b0 & 0x07u, min = 0x10000;
    } else {
      return false;
    }
    if (s.size() - i < n) return false;
    for (size_t k = 1; k < n; ++k) {
      auto b = static_cast<uint8_t>(s[i + k]);
      if ((b & 0xc0) != 0x80) return false;
      cp = (cp << 6) | (b & 0x3fu);
    }
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return false;
    i += n;
  }
  return true;
}

bool Reader::Length(size_t at, size_t* header_len, size_t* content_len) const {
  if (data_.size() <= at) return false;
  const uint8_t l0 = data_[at];
  size_t hl = at + 1;
  size_t len = l0;
  if (l0 == 0x80) return false;  // indefinite length (BER only)
  if (l0 > 0x80) {
    const size_t n = l0 & 0x7fu;
    if (n > 4) return false;  // also refuses the reserved 0xff
    if (data_.size() - hl < n) return false;
    if (data_[hl] == 0x00) return false;  // leading zero length octet
    len = 0;
    for (size_t i = 0; i < n; ++i) len = (len << 8) | data_[hl + i];
    if (len < 0x80) return false;  // must have used the short form
    hl += n;
  }
  if (len > data_.size() - hl) return false;
  *header_len = hl;
  *content_len = len;
  return true;
}

bool Reader::Header(Tag* tag, size_t* header_len, size_t* content_len) const {
  if (data_.size() < 2) return false;
  const Tag t = data_[0];
  if ((t & 0x1f) == 0x1f) return false;  // high-tag-number form: only ReadAnyNumbered takes it
  if (t == 0x00) return false;           // end-of-contents only follows indefinite lengths
  if (!Length(1, header_len, content_len)) return false;
  *tag = t;
  return true;
}

bool Reader::NumberedHeader(NumberedTag* tag, size_t* header_len, size_t* content_len) const {
  if (data_.size() < 2) return false;
  const uint8_t t = data_[0];
  if (t == 0x00) return false;
  NumberedTag out;
  out.class_bits = t & 0xc0;
  out.constructed = (t & kConstructed) != 0;
  size_t at = 1;
  if ((t & 0x1f) != 0x1f) {
    out.number = t & 0x1fu;
  } else {
    // X.690 §8.1.2.4.2: base 128, high bit set on all but the last octet, no leading 0x80 octet;
    // DER (§10.1 with §8.1.2.2) keeps numbers below 31 in the single-octet form.
    uint32_t number = 0;
    bool last = false;
    while (!last) {
      if (at >= data_.size() || at > kMaxTagNumberOctets) return false;
      const uint8_t b = data_[at];
      if (at == 1 && b == 0x80) return false;
      number = (number << 7) | (b & 0x7fu);
      last = (b & 0x80) == 0;
      ++at;
    }
    if (number < 31) return false;
    out.number = number;
  }
  if (!Length(at, header_len, content_len)) return false;
  *tag = out;
  return true;
}

std::optional<Tag> Reader::PeekTag() const {
  if (data_.empty()) return std::nullopt;
  return data_[0];
}

bool Reader::Peek(Tag tag) const { return !data_.empty() && data_[0] == tag; }

bool Reader::ReadAny(Tag* tag, ByteView* value) {
  Tag t;
  size_t hl, len;
  if (!Header(&t, &hl, &len)) return false;
  *tag = t;
  *value = data_.subspan(hl, len);
  data_ = data_.subspan(hl + len);
  return true;
}

bool Reader::ReadAnyNumbered(NumberedTag* tag, Reader* contents) {
  if (depth_ >= kMaxDepth) return false;
  NumberedTag t;
  size_t hl, len;
  if (!NumberedHeader(&t, &hl, &len)) return false;
  *tag = t;
  *contents = Reader(data_.subspan(hl, len), depth_ + 1);
  data_ = data_.subspan(hl + len);
  return true;
}

std::optional<ByteView> Reader::ReadElement(Tag tag) {
  Tag t;
  size_t hl, len;
  if (!Header(&t, &hl, &len) || t != tag) return std::nullopt;
  ByteView value = data_.subspan(hl, len);
  data_ = data_.subspan(hl + len);
  return value;
}

std::optional<ByteView> Reader::ReadRawElement(Tag tag) {
  Tag t;
  size_t hl, len;
  if (!Header(&t, &hl, &len) || t != tag) return std::nullopt;
  ByteView whole = data_.subspan(0, hl + len);
  data_ = data_.subspan(hl + len);
  return whole;
}

bool Reader::Skip(Tag tag) { return ReadElement(tag).has_value(); }

bool Reader::SkipOptional(Tag tag) { return !Peek(tag) || Skip(tag); }

std::optional<Reader> Reader::ReadTag(Tag tag) {
  if (depth_ >= kMaxDepth) return std::nullopt;
  auto value = ReadElement(tag);
  if (!value) return std::nullopt;
  return Reader(*value, depth_ + 1);
}

bool Reader::ReadOptionalTag(Tag tag, std::optional<Reader>* out) {
  out->reset();
  if (!Peek(tag)) return true;
  *out = ReadTag(tag);
  return out->has_value();
}

std::optional<bool> Reader::ReadBoolean() {
  Reader copy = *this;
  auto v = copy.ReadElement(kBoolean);
  if (!v || v->size() != 1 || ((*v)[0] != 0x00 && (*v)[0] != 0xff)) return std::nullopt;
  *this = copy;
  return (*v)[0] == 0xff;
}

bool Reader::ReadNull() {
  Reader copy = *this;
  auto v = copy.ReadElement(kNull);
  if (!v || !v->empty()) return false;
  *this = copy;
  return true;
}

std::optional<ByteView> Reader::ReadIntegerBytes(Tag tag) {
  Reader copy = *this;
  auto v = copy.ReadElement(tag);
  if (!v || v->empty()) return std::nullopt;
  if (v->size() > 1) {
    const uint8_t b0 = (*v)[0];
    const uint8_t b1 = (*v)[1];
    if ((b0 == 0x00 && (b1 & 0x80) == 0) || (b0 == 0xff && (b1 & 0x80) != 0)) return std::nullopt;
  }
  *this = copy;
  return v;
}

std::optional<ByteView> Reader::ReadUnsignedIntegerBytes(Tag tag) {
  Reader copy = *this;
  auto v = copy.ReadIntegerBytes(tag);
  if (!v || ((*v)[0] & 0x80) != 0) return std::nullopt;  // negative
  *this = copy;
  if (v->size() > 1 && (*v)[0] == 0x00) return v->subspan(1);
  return v;
}

std::optional<int64_t> Reader::ReadInt64(Tag tag) {
  Reader copy = *this;
  auto v = copy.ReadIntegerBytes(tag);
  if (!v || v->size() > 8) return std::nullopt;
  uint64_t u = ((*v)[0] & 0x80) != 0 ? ~uint64_t{0} : 0;
  for (uint8_t b : *v) u = (u << 8) | b;
  *this = copy;
  return static_cast<int64_t>(u);  // two's complement (C++20 defines the conversion)
}

std::optional<uint64_t> Reader::ReadUint64(Tag tag) {
  Reader copy = *this;
  auto v = copy.ReadUnsignedIntegerBytes(tag);
  if (!v || v->size() > 8) return std::nullopt;
  uint64_t u = 0;
  for (uint8_t b : *v) u = (u << 8) | b;
  *this = copy;
  return u;
}

std::optional<ByteView> Reader::ReadOctetString() { return ReadElement(kOctetString); }

std::optional<BitString> Reader::ReadBitString() {
  Reader copy = *this;
  auto v = copy.ReadElement(kBitString);
  if (!v || v->empty()) return std::nullopt;
  const uint8_t unused = (*v)[0];
  if (unused > 7 || (v->size() == 1 && unused != 0)) return std::nullopt;
  if (unused != 0 && (v->back() & ((1u << unused) - 1)) != 0) return std::nullopt;  // X.690 §11.2.1
  *this = copy;
  return BitString{v->subspan(1), unused};
}

std::optional<ByteView> Reader::ReadOid() {
  Reader copy = *this;
  auto v = copy.ReadElement(kOid);
  if (!v || !IsValidOid(*v)) return std::nullopt;
  *this = copy;
  return v;
}

std::optional<std::string_view> Reader::ReadString(Tag tag, bool (*valid)(std::string_view)) {
  Reader copy = *this;
  auto v = copy.ReadElement(tag);
  if (!v || !valid(AsChars(*v))) return std::nullopt;
  *this = copy;
  return AsChars(*v);
}

std::optional<std::string_view> Reader::ReadUtf8String() { return ReadString(kUtf8String, IsUtf8); }
std::optional<std::string_view> Reader::ReadPrintableString() {
  return ReadString(kPrintableString, IsPrintable);
}
std::optional<std::string_view> Reader::ReadIa5String() { return ReadString(kIa5String, IsIa5); }

}  // namespace ca::der
