// tls-alpn-01 (RFC 8737, RFC 8738 §6): a TLS 1.2+ handshake offering only ALPN "acme-tls/1"; the
// self-signed certificate presented must name the identifier alone and carry a critical
// acmeIdentifier extension with SHA-256(key authorization). Chains are not verified.
#include <arpa/inet.h>

#include <algorithm>
#include <cctype>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/ssl.hpp>
#include <fmt/format.h>

#include "common/bytes.h"
#include "ossl/types.h"
#include "validation/challenges.h"
#include "validation/net.h"

namespace ca::validation {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
using Ec = boost::system::error_code;

struct Handshake {
  std::string alpn;
  ossl::UniquePtr<X509> cert;
};

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
         });
}

std::string DescribeName(const GENERAL_NAME* n) {
  if (n->type == GEN_DNS) return std::string(AsChars(ByteView(ASN1_STRING_get0_data(n->d.dNSName),
                                                               ASN1_STRING_length(n->d.dNSName))));
  if (n->type == GEN_IPADD) {
    const ByteView b(ASN1_STRING_get0_data(n->d.iPAddress), ASN1_STRING_length(n->d.iPAddress));
    char text[INET6_ADDRSTRLEN] = {};
    if ((b.size() == 4 && inet_ntop(AF_INET, b.data(), text, sizeof(text))) ||
        (b.size() == 16 && inet_ntop(AF_INET6, b.data(), text, sizeof(text)))) {
      return text;
    }
    return "invalid IP";
  }
  return "non-DNS/IP name";
}

bool NameMatches(const GENERAL_NAME* n, const core::Identifier& id) {
  if (id.type == core::kDns && n->type == GEN_DNS) {
    return EqualsIgnoreCase(DescribeName(n), id.value);
  }
  if (id.type == core::kIp && n->type == GEN_IPADD) {
    const std::string want = CanonicalIp(id.value);
    return !want.empty() && DescribeName(n) == want;
  }
  return false;
}

asio::awaitable<Result<Handshake>> Connect(const std::vector<std::string>& addresses, uint16_t port,
                                           const std::string& sni, const std::string& where,
                                           asio::ssl::context& tls, Clock::time_point deadline) {
  auto ex = co_await asio::this_coro::executor;
  beast::ssl_stream<beast::tcp_stream> s(ex, tls);
  auto& tcp = beast::get_lowest_layer(s);
  const Ec cec = co_await ConnectAny(tcp, addresses, port, deadline);
  if (cec) co_return Fail(Errc::kConnection, fmt::format("Connecting to {}: {}", where, NetErrorText(cec, false)));

  SSL* ssl = s.native_handle();
  SSL_ctrl(ssl, SSL_CTRL_SET_TLSEXT_HOSTNAME, TLSEXT_NAMETYPE_host_name, const_cast<char*>(sni.c_str()));
  std::string protos(1, static_cast<char>(kAlpnProtocol.size()));
  protos += kAlpnProtocol;
  if (SSL_set_alpn_protos(ssl, reinterpret_cast<const unsigned char*>(protos.data()),
                          static_cast<unsigned>(protos.size())) != 0) {
    co_return Fail(Errc::kInternal, "SSL_set_alpn_protos failed");
  }
  tcp.expires_at(deadline);
  auto [hec] = co_await s.async_handshake(asio::ssl::stream_base::client, kAwaitTuple);
  if (hec) {
    if (IsTimeout(hec)) {
      co_return Fail(Errc::kConnection, fmt::format("Connecting to {}: {}", where, NetErrorText(hec, true)));
    }
    co_return Fail(Errc::kTls, fmt::format("Error getting validation data from {}: TLS handshake failed: {}",
                                           where, hec.message()));
  }
  Handshake h;
  const unsigned char* alpn = nullptr;
  unsigned alpn_len = 0;
  SSL_get0_alpn_selected(ssl, &alpn, &alpn_len);
  if (alpn != nullptr) h.alpn.assign(reinterpret_cast<const char*>(alpn), alpn_len);
  h.cert.reset(SSL_get1_peer_certificate(ssl));
  Ec ignored;
  tcp.socket().close(ignored);  // no close_notify needed: the server learns nothing more from us
  co_return h;
}

}  // namespace

Result<void> CheckAcmeTlsCertificate(X509* cert, const core::Identifier& id, std::string_view key_authorization) {
  const std::string prefix = fmt::format(
      "Incorrect validation certificate for tls-alpn-01 challenge. Requested {} from {}.", id.value, id.value);
  ossl::UniquePtr<GENERAL_NAMES> sans(
      static_cast<GENERAL_NAMES*>(X509_get_ext_d2i(cert, NID_subject_alt_name, nullptr, nullptr)));
  const int count = sans ? sk_GENERAL_NAME_num(sans.get()) : 0;
  if (count != 1 || !NameMatches(sk_GENERAL_NAME_value(sans.get(), 0), id)) {
    std::string names;
    for (int i = 0; i < count; ++i) {
      names += (i ? ", " : "") + DescribeName(sk_GENERAL_NAME_value(sans.get(), i));
    }
    return Fail(Errc::kUnauthorized,
                fmt::format("{} Received certificate containing \"{}\" (exactly one SAN equal to the "
                            "identifier is required)",
                            prefix, Truncate(names, 300)));
  }

  const ossl::UniquePtr<ASN1_OBJECT> oid(OBJ_txt2obj(kAcmeIdentifierOid, 1));
  if (!oid) return Fail(Errc::kInternal, "OBJ_txt2obj(acmeIdentifier) failed");
  const int pos = X509_get_ext_by_OBJ(cert, oid.get(), -1);
  if (pos < 0) return Fail(Errc::kUnauthorized, prefix + " Missing acmeIdentifier extension");
  if (X509_get_ext_by_OBJ(cert, oid.get(), pos) >= 0) {
    return Fail(Errc::kUnauthorized, prefix + " More than one acmeIdentifier extension");
  }
  X509_EXTENSION* ext = X509_get_ext(cert, pos);
  if (X509_EXTENSION_get_critical(ext) != 1) {
    return Fail(Errc::kUnauthorized, prefix + " The acmeIdentifier extension is not critical");
  }
  const ASN1_OCTET_STRING* value = X509_EXTENSION_get_data(ext);
  // Authorization ::= OCTET STRING (SIZE (32)) -- RFC 8737 §3, DER: 04 20 <digest>.
  const auto digest = Sha256(key_authorization);
  Bytes expected = {0x04, 0x20};
  expected.insert(expected.end(), digest.begin(), digest.end());
  const ByteView got(ASN1_STRING_get0_data(value), ASN1_STRING_length(value));
  if (!ConstantTimeEqual(got, expected)) {
    return Fail(Errc::kUnauthorized, prefix + " Invalid acmeIdentifier extension value");
  }
  return Ok();
}

Result<void> ValidateTlsAlpn01(const Options& opts, Resolver& resolver, const ChallengeInput& in,
                               Clock::time_point deadline) {
  CA_TRY(const auto addresses, TargetAddresses(resolver, in.identifier));
  const bool is_ip = in.identifier.type == core::kIp;
  const std::string sni = is_ip ? ReverseDnsName(addresses.front()) : in.identifier.value;
  const std::string host = is_ip && addresses.front().find(':') != std::string::npos
                               ? "[" + addresses.front() + "]"
                               : (is_ip ? addresses.front() : in.identifier.value);
  const std::string where = fmt::format("{}:{}", host, opts.tlsalpn01_port);

  asio::ssl::context tls(asio::ssl::context::tls_client);
  tls.set_verify_mode(asio::ssl::verify_none);
  SSL_CTX_set_min_proto_version(tls.native_handle(), TLS1_2_VERSION);
  asio::io_context ioc;
  CA_TRY(const Handshake h, RunToCompletion(ioc, Connect(addresses, opts.tlsalpn01_port, sni, where, tls, deadline),
                                            deadline, "Connecting to " + where));
  if (h.alpn != kAlpnProtocol) {
    return Fail(Errc::kTls, fmt::format("Server at {} did not negotiate acme-tls/1 via ALPN", where));
  }
  if (!h.cert) return Fail(Errc::kTls, fmt::format("Server at {} presented no certificate", where));
  return CheckAcmeTlsCertificate(h.cert.get(), in.identifier, in.key_authorization);
}

}  // namespace ca::validation
