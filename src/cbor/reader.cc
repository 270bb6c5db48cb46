// Strict definite-length CBOR (RFC 8949) reader; see reader.h for the accepted subset.
#include "cbor/reader.h"

#include <algorithm>
#include <limits>
#include <string>

namespace ca::cbor {
namespace {

constexpr uint8_t kMajorUnsigned = 0;
constexpr uint8_t kMajorNegative = 1;
constexpr uint8_t kMajorBytes = 2;
constexpr uint8_t kMajorText = 3;
constexpr uint8_t kMajorArray = 4;
constexpr uint8_t kMajorMap = 5;
constexpr uint8_t kMajorTag = 6;
constexpr uint8_t kMajorSimple = 7;

constexpr uint8_t kSimpleFalse = 20;
constexpr uint8_t kSimpleTrue = 21;
constexpr uint8_t kSimpleNull = 22;

constexpr uint64_t kInt64Max = static_cast<uint64_t>(std::numeric_limits<int64_t>::max());

// Head is the initial byte plus its argument (RFC 8949 §3): major type, additional information,
// argument value and the head's encoded length.
struct Head {
  uint8_t major = 0;
  uint8_t ai = 0;
  uint64_t arg = 0;
  size_t len = 1;
};

tl::unexpected<Error> Malformed(std::string_view what, size_t offset) {
  return Fail(Errc::kMalformed,
              "CBOR: " + std::string(what) + " at offset " + std::to_string(offset));
}

uint64_t ReadBigEndian(ByteView b) {
  uint64_t v = 0;
  for (const uint8_t c : b) v = (v << 8) | c;
  return v;
}

// ReadHead decodes the head at data[pos] strictly: no reserved or indefinite additional
// information, minimal ("preferred") argument encoding, only false/true/null from major type 7,
// no tags, negative integers within int64.
Result<Head> ReadHead(ByteView data, size_t pos) {
  if (pos >= data.size()) return Malformed("unexpected end of input", pos);
  Head h;
  h.major = static_cast<uint8_t>(data[pos] >> 5);
  h.ai = static_cast<uint8_t>(data[pos] & 0x1f);
  if (h.major == kMajorSimple) {
    if (h.ai == kSimpleFalse || h.ai == kSimpleTrue || h.ai == kSimpleNull) return h;
    if (h.ai >= 25 && h.ai <= 27) return Malformed("floating-point numbers not supported", pos);
    if (h.ai == 31) return Malformed("unexpected break stop code", pos);
    if (h.ai >= 28) return Malformed("reserved additional information value", pos);
    return Malformed("unsupported simple value", pos);
  }
  if (h.major == kMajorTag) return Malformed("tags not supported", pos);
  if (h.ai == 31) {
    if (h.major >= kMajorBytes) return Malformed("indefinite length not allowed", pos);
    return Malformed("reserved additional information value 31", pos);
  }
  if (h.ai >= 28) return Malformed("reserved additional information value", pos);
  if (h.ai < 24) {
    h.arg = h.ai;
  } else {
    const size_t n = size_t{1} << (h.ai - 24);
    if (data.size() - pos - 1 < n) return Malformed("truncated head", pos);
    h.arg = ReadBigEndian(data.subspan(pos + 1, n));
    h.len = 1 + n;
    const uint64_t min = n == 1 ? 24 : n == 2 ? 0x100 : n == 4 ? 0x10000 : 0x100000000;
    if (h.arg < min) return Malformed("non-minimal (non-preferred) argument encoding", pos);
  }
  if (h.major == kMajorNegative && h.arg > kInt64Max) {
    return Malformed("negative integer below the int64 range", pos);
  }
  return h;
}

// Utf8Error returns the offset of the first byte that makes `s` invalid UTF-8 (RFC 3629 §4: no
// overlong forms, no surrogates, nothing above U+10FFFF), or nullopt when it is valid.
std::optional<size_t> Utf8Error(ByteView s) {
  size_t i = 0;
  while (i < s.size()) {
    const uint8_t c = s[i];
    if (c < 0x80) {
      ++i;
      continue;
    }
    size_t n = 0;
    uint8_t lo = 0x80;
    uint8_t hi = 0xbf;
    if (c >= 0xc2 && c <= 0xdf) {
      n = 1;
    } else if (c >= 0xe0 && c <= 0xef) {
      n = 2;
      if (c == 0xe0) lo = 0xa0;
      if (c == 0xed) hi = 0x9f;
    } else if (c >= 0xf0 && c <= 0xf4) {
      n = 3;
      if (c == 0xf0) lo = 0x90;
      if (c == 0xf4) hi = 0x8f;
    } else {
      return i;
    }
    for (size_t k = 1; k <= n; ++k) {
      if (i + k >= s.size()) return i;
      const uint8_t t = s[i + k];
      if (t < (k == 1 ? lo : 0x80) || t > (k == 1 ? hi : 0xbf)) return i + k;
    }
    i += n + 1;
  }
  return std::nullopt;
}

struct KeyRef {
  ByteView enc;
  size_t offset;
};

// Validator walks one item recursively (depth is bounded by Limits::max_depth) and returns the
// offset just past it.
class Validator final {
 public:
  Validator(ByteView data, const Limits& limits) : data_(data), limits_(limits) {}

  Result<size_t> Item(size_t pos, size_t depth) {
    CA_TRY(const Head h, ReadHead(data_, pos));
    const size_t p = pos + h.len;
    const size_t remaining = data_.size() - p;
    switch (h.major) {
      case kMajorBytes:
      case kMajorText: {
        if (h.arg > remaining) {
          return Malformed("string length " + std::to_string(h.arg) + " exceeds the remaining " +
                               std::to_string(remaining) + " bytes",
                           pos);
        }
        const size_t n = static_cast<size_t>(h.arg);
        if (h.major == kMajorText) {
          if (auto bad = Utf8Error(data_.subspan(p, n))) {
            return Malformed("invalid UTF-8 in text string", p + *bad);
          }
        }
        return p + n;
      }
      case kMajorArray:
      case kMajorMap:
        return Container(h, pos, depth);
      default:  // integers, false/true/null (ReadHead refused everything else)
        return p;
    }
  }

 private:
  Result<size_t> Container(const Head& h, size_t pos, size_t depth) {
    const bool is_map = h.major == kMajorMap;
    const char* what = is_map ? "map" : "array";
    if (depth + 1 > limits_.max_depth) {
      return Malformed("nesting deeper than " + std::to_string(limits_.max_depth), pos);
    }
    if (h.arg > limits_.max_items) {
      return Malformed(std::string(what) + " of " + std::to_string(h.arg) +
                           " items exceeds the limit of " + std::to_string(limits_.max_items),
                       pos);
    }
    // Every element takes at least one byte: refuse counts the input cannot hold before reserving.
    size_t p = pos + h.len;
    const uint64_t min_bytes = is_map ? 2 * h.arg : h.arg;
    if (min_bytes > data_.size() - p) {
      return Malformed(
          std::string(what) + " count " + std::to_string(h.arg) + " exceeds the remaining input",
          pos);
    }
    const size_t count = static_cast<size_t>(h.arg);
    if (!is_map) {
      for (size_t i = 0; i < count; ++i) {
        CA_TRY(p, Item(p, depth + 1));
      }
      return p;
    }
    std::vector<KeyRef> keys;
    keys.reserve(count);
    for (size_t i = 0; i < count; ++i) {
      CA_TRY(const Head kh, ReadHead(data_, p));
      if (kh.major != kMajorUnsigned && kh.major != kMajorNegative && kh.major != kMajorText) {
        return Malformed("map key must be an integer or text string", p);
      }
      CA_TRY(const size_t key_end, Item(p, depth + 1));
      keys.push_back({data_.subspan(p, key_end - p), p});
      CA_TRY(p, Item(key_end, depth + 1));
    }
    // Sorting the encoded keys makes duplicates adjacent: O(n log n) for any key set.
    std::sort(keys.begin(), keys.end(), [](const KeyRef& a, const KeyRef& b) {
      return std::lexicographical_compare(a.enc.begin(), a.enc.end(), b.enc.begin(), b.enc.end());
    });
    for (size_t i = 1; i < keys.size(); ++i) {
      if (std::ranges::equal(keys[i - 1].enc, keys[i].enc)) {
        return Malformed("duplicate map key", std::max(keys[i - 1].offset, keys[i].offset));
      }
    }
    return p;
  }

  ByteView data_;
  const Limits& limits_;
};

// DecodeValidatedHead and SkipValidated work on input the Validator accepted, so they need no
// checks; both are iterative.
Head DecodeValidatedHead(ByteView data, size_t pos) {
  Head h;
  h.major = static_cast<uint8_t>(data[pos] >> 5);
  h.ai = static_cast<uint8_t>(data[pos] & 0x1f);
  if (h.major == kMajorSimple || h.ai < 24) {
    h.arg = h.major == kMajorSimple ? 0 : h.ai;
    return h;
  }
  const size_t n = size_t{1} << (h.ai - 24);
  h.arg = ReadBigEndian(data.subspan(pos + 1, n));
  h.len = 1 + n;
  return h;
}

size_t SkipValidated(ByteView data, size_t pos) {
  uint64_t pending = 1;
  while (pending > 0) {
    const Head h = DecodeValidatedHead(data, pos);
    pos += h.len;
    --pending;
    if (h.major == kMajorBytes || h.major == kMajorText) pos += static_cast<size_t>(h.arg);
    if (h.major == kMajorArray) pending += h.arg;
    if (h.major == kMajorMap) pending += 2 * h.arg;
  }
  return pos;
}

// EncodeHead writes a minimal head (used to build map keys for lookups).
Bytes EncodeHead(uint8_t major, uint64_t arg) {
  const auto ib = [major](uint8_t ai) { return static_cast<uint8_t>((major << 5) | ai); };
  if (arg < 24) return {ib(static_cast<uint8_t>(arg))};
  size_t n = 8;
  uint8_t ai = 27;
  if (arg <= 0xff) {
    n = 1;
    ai = 24;
  } else if (arg <= 0xffff) {
    n = 2;
    ai = 25;
  } else if (arg <= 0xffffffff) {
    n = 4;
    ai = 26;
  }
  Bytes out{ib(ai)};
  for (size_t i = n; i > 0; --i) out.push_back(static_cast<uint8_t>(arg >> (8 * (i - 1))));
  return out;
}

}  // namespace

std::string_view TypeName(Type t) {
  switch (t) {
    case Type::kUnsigned:
      return "unsigned integer";
    case Type::kNegative:
      return "negative integer";
    case Type::kBytes:
      return "byte string";
    case Type::kText:
      return "text string";
    case Type::kArray:
      return "array";
    case Type::kMap:
      return "map";
    case Type::kBool:
      return "boolean";
    case Type::kNull:
      return "null";
  }
  return "unknown";
}

Value::Value(ByteView enc, size_t offset) : enc_(enc), offset_(offset) {
  const Head h = DecodeValidatedHead(enc, 0);
  arg_ = h.arg;
  head_len_ = h.len;
  switch (h.major) {
    case kMajorUnsigned:
      type_ = Type::kUnsigned;
      break;
    case kMajorNegative:
      type_ = Type::kNegative;
      break;
    case kMajorBytes:
      type_ = Type::kBytes;
      break;
    case kMajorText:
      type_ = Type::kText;
      break;
    case kMajorArray:
      type_ = Type::kArray;
      break;
    case kMajorMap:
      type_ = Type::kMap;
      break;
    default:
      type_ = h.ai == kSimpleNull ? Type::kNull : Type::kBool;
      arg_ = h.ai == kSimpleTrue ? 1 : 0;
      break;
  }
}

Result<void> Value::Expect(Type t) const {
  if (type_ == t) return Ok();
  return Malformed("expected " + std::string(TypeName(t)) + ", got " + std::string(TypeName(type_)),
                   offset_);
}

Result<int64_t> Value::AsInt() const {
  if (type_ == Type::kNegative) return -1 - static_cast<int64_t>(arg_);
  CA_RETURN_IF_ERROR(Expect(Type::kUnsigned));
  if (arg_ > kInt64Max) return Malformed("integer does not fit int64", offset_);
  return static_cast<int64_t>(arg_);
}

Result<uint64_t> Value::AsUint() const {
  CA_RETURN_IF_ERROR(Expect(Type::kUnsigned));
  return arg_;
}

Result<ByteView> Value::AsBytes() const {
  CA_RETURN_IF_ERROR(Expect(Type::kBytes));
  return enc_.subspan(head_len_, static_cast<size_t>(arg_));
}

Result<std::string_view> Value::AsText() const {
  CA_RETURN_IF_ERROR(Expect(Type::kText));
  return AsChars(enc_.subspan(head_len_, static_cast<size_t>(arg_)));
}

Result<bool> Value::AsBool() const {
  CA_RETURN_IF_ERROR(Expect(Type::kBool));
  return arg_ != 0;
}

Result<ArrayView> Value::AsArray() const {
  CA_RETURN_IF_ERROR(Expect(Type::kArray));
  return ArrayView(*this);
}

Result<MapView> Value::AsMap() const {
  CA_RETURN_IF_ERROR(Expect(Type::kMap));
  return MapView(*this);
}

std::vector<Value> ArrayView::Items() const {
  std::vector<Value> out;
  out.reserve(size());
  size_t pos = v_.head_len_;
  for (size_t i = 0; i < size(); ++i) {
    const size_t end = SkipValidated(v_.enc_, pos);
    out.push_back(Value(v_.enc_.subspan(pos, end - pos), v_.offset_ + pos));
    pos = end;
  }
  return out;
}

std::vector<std::pair<Value, Value>> MapView::Entries() const {
  std::vector<std::pair<Value, Value>> out;
  out.reserve(size());
  size_t pos = v_.head_len_;
  for (size_t i = 0; i < size(); ++i) {
    const size_t key_end = SkipValidated(v_.enc_, pos);
    const size_t end = SkipValidated(v_.enc_, key_end);
    out.emplace_back(Value(v_.enc_.subspan(pos, key_end - pos), v_.offset_ + pos),
                     Value(v_.enc_.subspan(key_end, end - key_end), v_.offset_ + key_end));
    pos = end;
  }
  return out;
}

std::optional<Value> MapView::FindEncoded(ByteView encoded_key) const {
  size_t pos = v_.head_len_;
  for (size_t i = 0; i < size(); ++i) {
    const size_t key_end = SkipValidated(v_.enc_, pos);
    const size_t end = SkipValidated(v_.enc_, key_end);
    if (std::ranges::equal(v_.enc_.subspan(pos, key_end - pos), encoded_key)) {
      return Value(v_.enc_.subspan(key_end, end - key_end), v_.offset_ + key_end);
    }
    pos = end;
  }
  return std::nullopt;
}

std::optional<Value> MapView::Find(std::string_view text_key) const {
  Bytes key = EncodeHead(kMajorText, text_key.size());
  key.insert(key.end(), text_key.begin(), text_key.end());
  return FindEncoded(key);
}

std::optional<Value> MapView::Find(int64_t int_key) const {
  // -1 - n for a negative key n, computed without overflow.
  const Bytes key = int_key >= 0
                        ? EncodeHead(kMajorUnsigned, static_cast<uint64_t>(int_key))
                        : EncodeHead(kMajorNegative, static_cast<uint64_t>(-(int_key + 1)));
  return FindEncoded(key);
}

Result<Value> Reader::ReadItem() {
  if (data_.size() > limits_.max_input) {
    return Fail(Errc::kMalformed, "CBOR: input of " + std::to_string(data_.size()) +
                                      " bytes exceeds the limit of " +
                                      std::to_string(limits_.max_input));
  }
  Validator v(data_, limits_);
  CA_TRY(const size_t end, v.Item(pos_, 0));
  const Value out(data_.subspan(pos_, end - pos_), pos_);
  pos_ = end;
  return out;
}

Result<Value> Parse(ByteView data, Limits limits) {
  Reader r(data, limits);
  CA_TRY(const Value v, r.ReadItem());
  if (!r.Empty()) return Malformed("trailing bytes after the top-level item", r.offset());
  return v;
}

}  // namespace ca::cbor
