// Fuzz target: cbor::Parse (strict definite-length CBOR, RFC 8949) on arbitrary bytes. Whatever it
// accepts is walked through the typed Value API and re-encoded; because the reader accepts only
// minimal encodings, the re-encoding must reproduce the input byte for byte. A Reader over the same
// bytes must also advance only on success.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <optional>
#include <vector>

#include "cbor/reader.h"

namespace {

void Check(bool ok) {
  if (!ok) std::abort();
}

void Head(std::vector<uint8_t>& out, uint8_t major, uint64_t arg) {
  const auto ib = [major](uint8_t ai) { return static_cast<uint8_t>((major << 5) | ai); };
  if (arg < 24) {
    out.push_back(ib(static_cast<uint8_t>(arg)));
    return;
  }
  const int n = arg <= 0xff ? 1 : arg <= 0xffff ? 2 : arg <= 0xffffffff ? 4 : 8;
  out.push_back(ib(static_cast<uint8_t>(n == 1 ? 24 : n == 2 ? 25 : n == 4 ? 26 : 27)));
  for (int i = n - 1; i >= 0; --i) out.push_back(static_cast<uint8_t>(arg >> (8 * i)));
}

void Encode(const ca::cbor::Value& v, std::vector<uint8_t>& out) {
  using ca::cbor::Type;
  const size_t start = out.size();
  switch (v.type()) {
    case Type::kUnsigned:
      Head(out, 0, *v.AsUint());
      Check(!v.AsInt() || *v.AsInt() >= 0);
      break;
    case Type::kNegative: {
      const int64_t i = *v.AsInt();
      Check(i < 0);
      Head(out, 1, static_cast<uint64_t>(-(i + 1)));
      break;
    }
    case Type::kBytes: {
      const auto b = *v.AsBytes();
      Head(out, 2, b.size());
      out.insert(out.end(), b.begin(), b.end());
      break;
    }
    case Type::kText: {
      const auto t = *v.AsText();
      Head(out, 3, t.size());
      out.insert(out.end(), t.begin(), t.end());
      break;
    }
    case Type::kArray: {
      const auto a = *v.AsArray();
      const auto items = a.Items();
      Check(items.size() == a.size());
      Head(out, 4, items.size());
      for (const auto& item : items) Encode(item, out);
      break;
    }
    case Type::kMap: {
      const auto m = *v.AsMap();
      const auto entries = m.Entries();
      Head(out, 5, entries.size());
      for (const auto& [key, value] : entries) {
        Check(key.type() == Type::kText || key.type() == Type::kUnsigned ||
              key.type() == Type::kNegative);
        // Keys above INT64_MAX cannot be looked up by int64; every other key finds its value.
        std::optional<ca::cbor::Value> found;
        if (key.type() == Type::kText) {
          found = m.Find(*key.AsText());
        } else if (const auto i = key.AsInt()) {
          found = m.Find(*i);
        } else {
          found = value;
        }
        Check(found.has_value() && found->offset() == value.offset());
        Encode(key, out);
        Encode(value, out);
      }
      break;
    }
    case Type::kBool:
      out.push_back(*v.AsBool() ? 0xf5 : 0xf4);
      break;
    case Type::kNull:
      out.push_back(0xf6);
      break;
  }
  const auto enc = v.encoded();
  Check(out.size() - start == enc.size());
  Check(std::equal(enc.begin(), enc.end(), out.begin() + static_cast<std::ptrdiff_t>(start)));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const ca::ByteView in(data, size);
  auto v = ca::cbor::Parse(in);
  if (v) {
    std::vector<uint8_t> out;
    Encode(*v, out);
    Check(out.size() == size);
  }
  // Streaming: each failed ReadItem leaves the cursor in place; each success moves it forward.
  ca::cbor::Reader r(in);
  while (!r.Empty()) {
    const size_t before = r.offset();
    auto item = r.ReadItem();
    if (!item) {
      Check(r.offset() == before);
      Check(item.error().code == ca::Errc::kMalformed);
      break;
    }
    Check(item->offset() == before && r.offset() == before + item->encoded().size());
    Check(r.offset() > before);
  }
  return 0;
}
