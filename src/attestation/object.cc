// attObj decoding (WebAuthn §6.5.4, draft-ietf-acme-device-attest §5); see object.h.
#include "attestation/object.h"

#include <string_view>
#include <utility>

#include "cbor/reader.h"

namespace ca::attestation {
namespace {

// Prefixed prepends where in the object an error happened: "attObj: attStmt.alg: CBOR: ...".
Error Prefixed(std::string_view where, Error e) {
  e.detail = "attObj: " + std::string(where) + ": " + e.detail;
  return e;
}

tl::unexpected<Error> Bad(std::string_view where, std::string_view what) {
  return Fail(Errc::kMalformed, "attObj: " + std::string(where) + ": " + std::string(what));
}

template <class T>
Result<T> In(std::string_view where, Result<T> r) {
  if (!r) return Fail(Prefixed(where, std::move(r).error()));
  return r;
}

bool ValidFmt(std::string_view fmt) {
  if (fmt.empty() || fmt.size() > kMaxFmtLength) return false;
  for (const char c : fmt) {
    if (c < 0x20 || c > 0x7e || c == '"' || c == '\\') return false;
  }
  return true;
}

Result<std::optional<Bytes>> OptionalBytes(const cbor::MapView& m, std::string_view key,
                                           std::string_view where) {
  const auto v = m.Find(key);
  if (!v) return std::optional<Bytes>();
  CA_TRY(const ByteView b, In(where, v->AsBytes()));
  return std::optional<Bytes>(Bytes(b.begin(), b.end()));
}

Result<std::vector<Bytes>> DecodeX5c(const cbor::Value& v) {
  CA_TRY(const cbor::ArrayView arr, In("attStmt.x5c", v.AsArray()));
  if (arr.size() > kMaxX5c) {
    return Bad("attStmt.x5c", std::to_string(arr.size()) + " certificates exceed the limit of " +
                                  std::to_string(kMaxX5c));
  }
  std::vector<Bytes> out;
  out.reserve(arr.size());
  const auto items = arr.Items();
  for (size_t i = 0; i < items.size(); ++i) {
    const std::string where = "attStmt.x5c[" + std::to_string(i) + "]";
    CA_TRY(const ByteView der, In(where, items[i].AsBytes()));
    if (der.empty()) return Bad(where, "empty certificate");
    out.emplace_back(der.begin(), der.end());
  }
  return out;
}

// DecodeAttStmt reads the members object.h lists; anything else in the map is ignored.
Result<AttStmt> DecodeAttStmt(const cbor::Value& v) {
  CA_TRY(const cbor::MapView m, In("attStmt", v.AsMap()));
  AttStmt s;
  if (const auto alg = m.Find("alg")) {
    CA_TRY(s.alg, In("attStmt.alg", alg->AsInt()));
  }
  if (const auto x5c = m.Find("x5c")) {
    CA_TRY(s.x5c, DecodeX5c(*x5c));
  }
  if (const auto ver = m.Find("ver")) {
    CA_TRY(const std::string_view t, In("attStmt.ver", ver->AsText()));
    s.ver = std::string(t);
  }
  CA_TRY(s.sig, OptionalBytes(m, "sig", "attStmt.sig"));
  CA_TRY(s.cert_info, OptionalBytes(m, "certInfo", "attStmt.certInfo"));
  CA_TRY(s.pub_area, OptionalBytes(m, "pubArea", "attStmt.pubArea"));
  CA_TRY(s.response, OptionalBytes(m, "response", "attStmt.response"));
  return s;
}

}  // namespace

Result<AttestationObject> DecodeAttestationObject(ByteView cbor) {
  auto parsed = cbor::Parse(cbor);
  if (!parsed) return Fail(Prefixed("not a valid CBOR item", std::move(parsed).error()));
  CA_TRY(const cbor::MapView top, In("top level", parsed->AsMap()));

  AttestationObject out;
  const auto fmt = top.Find("fmt");
  if (!fmt) return Bad("fmt", "missing");
  CA_TRY(const std::string_view fmt_text, In("fmt", fmt->AsText()));
  if (!ValidFmt(fmt_text)) {
    return Bad("fmt",
               "must be 1 to " + std::to_string(kMaxFmtLength) + " printable US-ASCII characters");
  }
  out.fmt = std::string(fmt_text);

  const auto att_stmt = top.Find("attStmt");
  if (!att_stmt) return Bad("attStmt", "missing");
  CA_TRY(out.att_stmt, DecodeAttStmt(*att_stmt));

  if (const auto auth_data = top.Find("authData")) {
    CA_RETURN_IF_ERROR(In("authData", auth_data->AsBytes()));
  }
  return out;
}

}  // namespace ca::attestation
