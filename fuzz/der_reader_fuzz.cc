// Fuzz target: der::Reader over arbitrary bytes. Walks every element (constructed ones recursively,
// up to the depth limit), tries every typed reader on primitives, and checks invariants: a failed
// read leaves the cursor where it was, and OID text round-trips to the same contents octets.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <optional>

#include "der/oid.h"
#include "der/reader.h"

namespace {

using ca::ByteView;
using ca::der::Reader;

void Require(bool cond) {
  if (!cond) std::abort();
}

void TryTyped(ByteView element) {
  // Each reader gets a fresh cursor over the whole element; failures must not move it.
  auto check = [&](auto read) {
    Reader r(element);
    const size_t before = r.Remaining();
    if (!read(r)) Require(r.Remaining() == before);
  };
  check([](Reader& r) { return r.ReadBoolean().has_value(); });
  check([](Reader& r) { return r.ReadNull(); });
  check([](Reader& r) { return r.ReadIntegerBytes().has_value(); });
  check([](Reader& r) { return r.ReadUnsignedIntegerBytes().has_value(); });
  check([](Reader& r) { return r.ReadInt64().has_value(); });
  check([](Reader& r) { return r.ReadUint64().has_value(); });
  check([](Reader& r) { return r.ReadOctetString().has_value(); });
  check([](Reader& r) { return r.ReadBitString().has_value(); });
  check([](Reader& r) { return r.ReadUtf8String().has_value(); });
  check([](Reader& r) { return r.ReadPrintableString().has_value(); });
  check([](Reader& r) { return r.ReadIa5String().has_value(); });
  Reader r(element);
  if (auto oid = r.ReadOid()) {
    auto text = ca::der::OidToText(*oid);
    Require(text.has_value());
    auto back = ca::der::OidFromText(*text);
    Require(back.has_value() && ca::Bytes(oid->begin(), oid->end()) == *back);
  }
}

void Walk(Reader r) {
  while (!r.Empty()) {
    auto tag = r.PeekTag();
    Require(tag.has_value());
    Reader probe = r;
    if (auto raw = probe.ReadRawElement(*tag)) TryTyped(*raw);
    if ((*tag & ca::der::kConstructed) != 0) {
      auto child = r.ReadTag(*tag);
      if (!child) return;
      Walk(*child);
    } else {
      ca::der::Tag t;
      ByteView v;
      const size_t before = r.Remaining();
      if (!r.ReadAny(&t, &v)) {
        Require(r.Remaining() == before);
        return;
      }
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  Walk(Reader(ByteView(data, size)));
  return 0;
}
