#pragma once
// AcmeSession: one load worker's RFC 8555 client state: its keep-alive connection, the next nonce
// (taken from every answer's Replay-Nonce, so newNonce is asked only when none is at hand), JWS
// signing (ES256, flattened JSON, RFC 8555 §6.2) and the badNonce retry (§6.5).
//
// Error details start with a short kind ("acme:rateLimited: ...", "connection: ...", "protocol: ...")
// that the report groups errors by (ErrorKind).
#include <memory>
#include <optional>
#include <string>

#include <boost/asio/ssl/context.hpp>
#include <nlohmann/json.hpp>

#include "common/result.h"
#include "https_connection.h"
#include "ossl/unique.h"

namespace ca::acme_load {

// Directory holds the targets (paths) of the directory's resources; every URL is on origin.
struct Directory {
  Origin origin;
  std::string new_nonce;
  std::string new_account;
  std::string new_order;
};

// Account is an ES256 (P-256) account key with its JWK thumbprint (RFC 7638) and account URL.
struct Account {
  ossl::UniquePtr<EVP_PKEY> key;
  nlohmann::json jwk;
  std::string thumbprint;  // base64url SHA-256 of the canonical JWK: the key authorization's suffix
  std::string url;         // "kid"
};

// AcmeAnswer is a successful (2xx) answer, with the body parsed when it is JSON.
struct AcmeAnswer {
  HttpResponse http;
  nlohmann::json json;  // null unless the body is application/json
};

// Counters of one session (summed over the workers for the report).
struct SessionCounters {
  long posts = 0;        // signed POSTs sent, badNonce retries included (each costs a JWS verify)
  long bad_nonce = 0;    // badNonce answers (each retried with the fresh nonce it carried)
  long nonce_heads = 0;  // HEAD newNonce, when no nonce was at hand
};

// ErrorKind is the short kind at the front of an error detail ("acme:badNonce", "connection").
std::string ErrorKind(const Error& e);

class AcmeSession final {
 public:
  AcmeSession(std::shared_ptr<boost::asio::ssl::context> tls, const Directory& dir, std::chrono::milliseconds timeout);

  // FetchDirectory GETs the directory at url (over a connection to `connect` when set).
  static Result<Directory> FetchDirectory(std::shared_ptr<boost::asio::ssl::context> tls, const std::string& url,
                                          std::chrono::milliseconds timeout,
                                          const std::optional<Endpoint>& connect = std::nullopt);

  // Prime connects and fetches a nonce, so a timed run starts with a handshaken connection.
  Result<void> Prime();

  // NewAccount makes a fresh P-256 key and registers it (termsOfServiceAgreed).
  Result<Account> NewAccount();

  // Post sends a JWS signed by acct (kid) to url; payload nullopt is a POST-as-GET. An answer that
  // is not 2xx fails with "acme:<problem type>: <status> <detail>".
  Result<AcmeAnswer> Post(const Account& acct, const std::string& url, const std::optional<nlohmann::json>& payload);

  const SessionCounters& counters() const { return counters_; }
  const Directory& directory() const { return dir_; }
  int connects() const { return conn_.connects(); }

 private:
  Result<AcmeAnswer> SignedPost(EVP_PKEY* key, const nlohmann::json& key_header, const std::string& url,
                                const std::string& payload);
  Result<std::string> TakeNonce();
  Result<std::string> Target(const std::string& url) const;

  Directory dir_;
  HttpsConnection conn_;
  std::string nonce_;
  SessionCounters counters_;
};

}  // namespace ca::acme_load
