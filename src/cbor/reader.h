#pragma once
// cbor::Reader: a bounded, strict reader for the definite-length subset of CBOR (RFC 8949) that
// WebAuthn attestation objects use (WebAuthn §6.5.4, draft-ietf-acme-device-attest §5).
//
// Accepted (RFC 8949 §3.1): major types 0/1 (integers; a negative integer must fit int64),
// 2 (byte string), 3 (text string, strict UTF-8 per RFC 3629), 4 (array), 5 (map; keys are
// integers or text strings), and from major type 7 only false, true and null.
// Refused, all with Errc::kMalformed and a detail "CBOR: <what> at offset <n>":
//   - indefinite lengths and the "break" stop code (§3.2);
//   - non-preferred ("non-minimal") argument encodings (§4.2.1), e.g. 0x18 0x17 for 23;
//   - reserved additional-information values 28..30 (§3);
//   - tags (major type 6): attestation objects carry none, so there is nothing to interpret;
//   - floating-point numbers, undefined and every other simple value: attestation objects carry
//     none, and refusing them keeps every accepted value's encoding unique;
//   - duplicate map keys (§5.6; compared on their encoded bytes, which is exact because encodings
//     are minimal and keys are integers or text strings);
//   - trailing bytes after the top-level item (Parse);
//   - inputs, nesting or item counts beyond Limits.
// Map keys need not be sorted (deterministic encoding, §4.2.1, is not required of clients).
// A claimed string length or item count is checked against the remaining input before anything is
// allocated or skipped.
//
// Decoding is two-step, as in BoringSSL's CBS: Parse()/Reader::ReadItem() validate a whole item
// once, then the returned Value views it without copying. Value's typed accessors (AsInt, AsText,
// AsMap, ...) can only fail on a type mismatch. Callers decode into their own typed structs and
// never see a generic map (STYLE 4.5).
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>
#include <utility>
#include <vector>

#include "common/bytes.h"
#include "common/result.h"

namespace ca::cbor {

// Limits bound the work an untrusted input can cause.
struct Limits {
  size_t max_input = 64 * 1024;  // bytes given to Parse()/Reader
  size_t max_depth = 16;         // arrays/maps nested inside each other (a top-level map is 1)
  size_t max_items = 1024;       // elements of one array, or key/value pairs of one map
};

// Type of a validated data item.
enum class Type : uint8_t { kUnsigned, kNegative, kBytes, kText, kArray, kMap, kBool, kNull };

// TypeName returns a phrase for error details ("text string").
std::string_view TypeName(Type t);

class ArrayView;
class MapView;

// Value views one validated data item inside the input it was parsed from; the input must outlive
// it. Offsets are relative to the start of that input.
class Value final {
 public:
  Type type() const { return type_; }
  size_t offset() const { return offset_; }
  // encoded returns the item's complete encoding (head and content).
  ByteView encoded() const { return enc_; }

  // AsInt accepts kUnsigned up to INT64_MAX and any kNegative.
  Result<int64_t> AsInt() const;
  Result<uint64_t> AsUint() const;
  Result<ByteView> AsBytes() const;
  Result<std::string_view> AsText() const;  // already UTF-8 validated
  Result<bool> AsBool() const;
  bool IsNull() const { return type_ == Type::kNull; }
  Result<ArrayView> AsArray() const;
  Result<MapView> AsMap() const;

 private:
  friend class Reader;
  friend class ArrayView;
  friend class MapView;
  Value(ByteView enc, size_t offset);  // enc must be one validated item
  Result<void> Expect(Type t) const;

  ByteView enc_;
  size_t offset_ = 0;
  Type type_ = Type::kNull;
  uint64_t arg_ = 0;     // the head's argument (value, length or count)
  size_t head_len_ = 1;  // 1, 2, 3, 5 or 9
};

// ArrayView lists the elements of a validated array.
class ArrayView final {
 public:
  size_t size() const { return static_cast<size_t>(v_.arg_); }
  std::vector<Value> Items() const;

 private:
  friend class Value;
  explicit ArrayView(const Value& v) : v_(v) {}
  Value v_;
};

// MapView lists the entries of a validated map (in encoded order; keys are unique).
class MapView final {
 public:
  size_t size() const { return static_cast<size_t>(v_.arg_); }
  std::vector<std::pair<Value, Value>> Entries() const;
  // Find returns the value under a text (or integer) key, if present.
  std::optional<Value> Find(std::string_view text_key) const;
  std::optional<Value> Find(int64_t int_key) const;

 private:
  friend class Value;
  explicit MapView(const Value& v) : v_(v) {}
  std::optional<Value> FindEncoded(ByteView encoded_key) const;
  Value v_;
};

// Reader is a non-owning cursor over a sequence of CBOR items; ReadItem advances only on success.
class Reader final {
 public:
  explicit Reader(ByteView data, Limits limits = {}) : data_(data), limits_(limits) {}

  // ReadItem strictly validates the next complete data item and returns a view of it.
  Result<Value> ReadItem();
  bool Empty() const { return pos_ == data_.size(); }
  size_t offset() const { return pos_; }

 private:
  ByteView data_;
  Limits limits_;
  size_t pos_ = 0;
};

// Parse validates that `data` is exactly one data item (no trailing bytes, size within
// limits.max_input) and returns a view of it.
Result<Value> Parse(ByteView data, Limits limits = {});

}  // namespace ca::cbor
