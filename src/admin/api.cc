#include "admin/api.h"

#include <charconv>
#include <map>
#include <optional>
#include <vector>

#include <nlohmann/json.hpp>

#include "admin/auth.h"
#include "common/json.h"
#include "common/log.h"
#include "revocation/reason.h"
#include "revocation/revoker.h"
#include "revocation/summary.h"

namespace ca::admin {
namespace {

using nlohmann::json;
constexpr std::string_view kPrefix = "/admin/v1/";
constexpr size_t kMaxBody = 4096;
constexpr size_t kMaxList = 10000;

struct Status {
  int http;
  const char* type;
};

Status StatusFor(Errc c) {
  switch (c) {
    case Errc::kMalformed: return {400, "malformed"};
    case Errc::kBadRevocationReason: return {400, "badRevocationReason"};
    case Errc::kUnauthorized: return {401, "unauthorized"};
    case Errc::kNotFound: return {404, "notFound"};
    case Errc::kMethodNotAllowed: return {405, "methodNotAllowed"};
    case Errc::kAlreadyRevoked: return {409, "alreadyRevoked"};
    case Errc::kConflict: return {409, "conflict"};
    case Errc::kPayloadTooLarge: return {413, "payloadTooLarge"};
    case Errc::kUnsupportedMediaType: return {415, "unsupportedMediaType"};
    default: return {500, "serverInternal"};
  }
}

http::Response Json(int status, const json& body, const char* type = "application/json") {
  http::Response r;
  r.status = status;
  r.Set("Content-Type", type);
  r.Set("Cache-Control", "no-store");
  r.body = body.dump(2) + "\n";
  return r;
}

// Problem renders an RFC 7807 document; an internal error's detail stays in the log.
http::Response Problem(const Error& e) {
  const Status s = StatusFor(e.code);
  std::string detail = s.http == 500 ? "internal error" : e.detail;
  if (s.http == 500) log::Error("admin api: {}", e.detail);
  http::Response r = Json(s.http, {{"type", std::string("urn:attestca:admin:error:") + s.type},
                                   {"title", s.type},
                                   {"status", s.http},
                                   {"detail", detail}},
                           "application/problem+json");
  if (s.http == 401) r.Set("WWW-Authenticate", "Bearer realm=\"attestca-admin\"");
  return r;
}

std::optional<std::string> PercentDecode(std::string_view in) {
  std::string out;
  for (size_t i = 0; i < in.size(); ++i) {
    if (in[i] == '+') {
      out += ' ';
    } else if (in[i] == '%') {
      unsigned v = 0;
      if (i + 2 >= in.size()) return std::nullopt;
      auto [p, ec] = std::from_chars(in.data() + i + 1, in.data() + i + 3, v, 16);
      if (ec != std::errc() || p != in.data() + i + 3) return std::nullopt;
      out += static_cast<char>(v);
      i += 2;
    } else {
      out += in[i];
    }
  }
  return out;
}

// ParseQuery splits a=b&c=d, refusing keys not in allowed and repeated keys.
Result<std::map<std::string, std::string>> ParseQuery(std::string_view q, std::initializer_list<std::string_view> allowed) {
  std::map<std::string, std::string> out;
  while (!q.empty()) {
    const size_t amp = q.find('&');
    std::string_view part = q.substr(0, amp);
    q = amp == std::string_view::npos ? std::string_view() : q.substr(amp + 1);
    if (part.empty()) continue;
    const size_t eq = part.find('=');
    auto key = PercentDecode(part.substr(0, eq));
    auto value = PercentDecode(eq == std::string_view::npos ? std::string_view() : part.substr(eq + 1));
    if (!key || !value) return Fail(Errc::kMalformed, "the query string is not validly percent-encoded");
    if (std::find(allowed.begin(), allowed.end(), *key) == allowed.end()) {
      return Fail(Errc::kMalformed, "unknown query parameter \"" + key->substr(0, 64) + "\"");
    }
    if (!out.emplace(*key, *value).second) return Fail(Errc::kMalformed, "query parameter \"" + *key + "\" repeats");
  }
  return out;
}

// Segments splits the path after /admin/v1/ on '/', percent-decoding each segment.
Result<std::vector<std::string>> Segments(std::string_view path) {
  path.remove_prefix(kPrefix.size());
  std::vector<std::string> out;
  while (!path.empty()) {
    const size_t slash = path.find('/');
    auto seg = PercentDecode(path.substr(0, slash));
    if (!seg || seg->empty()) return Fail(Errc::kNotFound, "no such admin resource");
    out.push_back(std::move(*seg));
    if (slash == std::string_view::npos) break;
    path.remove_prefix(slash + 1);
    if (path.empty()) return Fail(Errc::kNotFound, "no such admin resource");
  }
  return out;
}

// ReasonFromBody reads {"reason": name-or-code}; an empty body or no "reason" is unspecified (0).
Result<int> ReasonFromBody(const http::Request& r) {
  if (r.body.size() > kMaxBody) return Fail(Errc::kPayloadTooLarge, "the body is larger than 4096 bytes");
  if (r.body.empty()) return 0;
  const std::string& ct = r.Header("content-type");
  if (!ct.empty() && ct.rfind("application/json", 0) != 0) {
    return Fail(Errc::kUnsupportedMediaType, "the body must be application/json");
  }
  CA_TRY(auto j, ParseJsonBounded(r.body));
  if (!j.is_object()) return Fail(Errc::kMalformed, "the body must be a JSON object");
  for (const auto& [k, v] : j.items()) {
    if (k != "reason") return Fail(Errc::kMalformed, "unknown field \"" + k.substr(0, 64) + "\" (only \"reason\")");
  }
  if (!j.contains("reason")) return 0;
  const auto& reason = j["reason"];
  if (reason.is_string()) return revocation::ParseReason(reason.get<std::string>(), revocation::Authority::kOperator);
  if (reason.is_number_integer()) {
    const auto n = reason.get<int64_t>();
    if (n < 0 || n > 10) return Fail(Errc::kBadRevocationReason, "reason " + std::to_string(n) + " is not a CRLReason");
    return revocation::CheckReason(static_cast<int>(n), revocation::Authority::kOperator);
  }
  return Fail(Errc::kBadRevocationReason, "\"reason\" must be a name like \"keyCompromise\" or a code");
}

Result<void> RequireMethod(const http::Request& r, const char* method) {
  if (r.method == method) return Ok();
  if (std::string_view(method) == "GET" && r.method == "HEAD") return Ok();
  return Fail(Errc::kMethodNotAllowed, "use " + std::string(method) + " here");
}

}  // namespace

bool IsAdminPath(const std::string& path) { return path == "/admin" || path.rfind("/admin/", 0) == 0; }

http::Response Api::Handle(const http::Request& r) const {
  try {
    auto who = Authenticate(r);
    if (!who) {
      if (who.error().code != Errc::kUnauthorized) return Problem(who.error());  // e.g. the store failed
      log::Warn("admin api: refused {} {} from {}: {}", r.method, r.path, r.remote_address, who.error().detail);
      return Problem(Error{Errc::kUnauthorized,
                           "authentication required: Authorization: Bearer <admin token>, or a client "
                           "certificate listed in [admin] client_certs",
                           {}});
    }
    http::Response out = Route(r, *who);
    log::Access("admin api {} {} by={} status={}", r.method, r.path, who->Describe(), out.status);
    return out;
  } catch (const std::exception& e) {
    return Problem(Error{Errc::kInternal, std::string("admin api: ") + e.what(), {}});
  } catch (...) {
    return Problem(Error{Errc::kInternal, "admin api: unknown exception", {}});
  }
}

Result<revocation::Actor> Api::Authenticate(const http::Request& r) const {
  auto by_token = admin::Authenticate(r, cfg_.tokens);
  if (by_token || r.client_cert_der.empty()) return by_token;
  auto by_cert = AuthenticateClientCert(r.client_cert_der, trust_, cfg_.client_certs, store_, clock_.Now());
  if (by_cert || by_cert.error().code != Errc::kUnauthorized) return by_cert;
  return Fail(Errc::kUnauthorized, by_token.error().detail + "; " + by_cert.error().detail);
}

http::Response Api::Route(const http::Request& r, const revocation::Actor& actor) const {
  const revocation::Actor* who = &actor;
  if (r.path.rfind(kPrefix, 0) != 0) return Problem(Error{Errc::kNotFound, "no such admin resource", {}});
  auto segs = Segments(r.path);
  if (!segs) return Problem(segs.error());
  const auto& s = *segs;
  const UnixTime now = clock_.Now();
  revocation::Revoker revoker(store_, clock_, after_revoke_);

  auto run = [&]() -> Result<http::Response> {
    if (s.size() == 1 && s[0] == "certificates") {
      CA_RETURN_IF_ERROR(RequireMethod(r, "GET"));
      CA_TRY(auto q, ParseQuery(r.query, {"device", "status", "serial", "limit"}));
      storage::CertFilter f;
      f.now = now;
      f.limit = kMaxList;
      if (q.count("status")) {
        f.status = storage::CertStatusFrom(q["status"]);
        if (!f.status) return Fail(Errc::kMalformed, "status must be valid, revoked or expired");
      }
      if (q.count("device")) f.device_id = q["device"];
      if (q.count("serial")) {
        CA_TRY(auto serial, revocation::NormalizeSerial(q["serial"]));
        f.serial_hex = serial;
      }
      if (q.count("limit")) {
        size_t n = 0;
        const std::string& t = q["limit"];
        auto [p, ec] = std::from_chars(t.data(), t.data() + t.size(), n);
        if (ec != std::errc() || p != t.data() + t.size() || n == 0 || n > kMaxList) {
          return Fail(Errc::kMalformed, "limit must be 1..10000");
        }
        f.limit = n;
      }
      CA_TRY(auto certs, store_.ListCertificates(f));
      json list = json::array();
      for (const auto& c : certs) list.push_back(revocation::CertSummary(c, now));
      return Json(200, {{"certificates", std::move(list)}});
    }
    if (s.size() == 3 && s[0] == "certificates" && s[2] == "revoke") {
      CA_RETURN_IF_ERROR(RequireMethod(r, "POST"));
      CA_TRY(int reason, ReasonFromBody(r));
      CA_TRY(auto rec, revoker.RevokeSerial(s[1], reason, *who));
      return Json(200, revocation::CertSummary(rec, now));
    }
    if (s.size() == 1 && s[0] == "devices") {
      CA_RETURN_IF_ERROR(RequireMethod(r, "GET"));
      CA_TRY(auto q, ParseQuery(r.query, {"state"}));
      std::optional<core::DeviceState> state;
      if (q.count("state")) {
        state = core::DeviceStateFrom(q["state"]);
        if (!state) return Fail(Errc::kMalformed, "state must be active, suspended or revoked");
      }
      CA_TRY(auto devices, store_.ListDevices(state));
      json list = json::array();
      for (const auto& d : devices) list.push_back(revocation::DeviceSummary(d));
      return Json(200, {{"devices", std::move(list)}});
    }
    if (s.size() == 2 && s[0] == "devices") {
      CA_RETURN_IF_ERROR(RequireMethod(r, "GET"));
      CA_TRY(auto d, store_.GetDevice(s[1]));
      storage::CertFilter f;
      f.now = now;
      f.device_id = d.id;
      f.limit = kMaxList;
      CA_TRY(auto certs, store_.ListCertificates(f));
      json j = revocation::DeviceSummary(d);
      j["certificates"] = json::array();
      for (const auto& c : certs) j["certificates"].push_back(revocation::CertSummary(c, now));
      return Json(200, j);
    }
    if (s.size() == 3 && s[0] == "devices" && s[2] == "revoke") {
      CA_RETURN_IF_ERROR(RequireMethod(r, "POST"));
      CA_TRY(int reason, ReasonFromBody(r));
      CA_TRY(auto done, revoker.RevokeDevice(s[1], reason, *who));
      CA_TRY(auto d, store_.GetDevice(s[1]));
      json j = revocation::DeviceSummary(d);
      j["revoked_certificates"] = json::array();
      for (const auto& c : done.revoked) j["revoked_certificates"].push_back(c.serial_hex);
      return Json(200, j);
    }
    if (s.size() == 3 && s[0] == "devices" && (s[2] == "suspend" || s[2] == "resume")) {
      CA_RETURN_IF_ERROR(RequireMethod(r, "POST"));
      if (r.body.size() > kMaxBody) return Fail(Errc::kPayloadTooLarge, "the body is larger than 4096 bytes");
      const auto to = s[2] == "suspend" ? core::DeviceState::kSuspended : core::DeviceState::kActive;
      CA_RETURN_IF_ERROR(store_.SetDeviceState(s[1], to, now));
      log::Audit("device {} device={} by={}", s[2] == "suspend" ? "suspended" : "resumed", s[1], who->Describe());
      CA_TRY(auto d, store_.GetDevice(s[1]));
      return Json(200, revocation::DeviceSummary(d));
    }
    return Fail(Errc::kNotFound, "no such admin resource");
  };
  auto out = run();
  if (!out) return Problem(out.error());
  return std::move(*out);
}

}  // namespace ca::admin
