#pragma once
// Result<T>: the one error channel below the HTTP edge (tl::expected behind our own name, so a move
// to std::expected touches this file only).
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include <tl/expected.hpp>

namespace ca {

// Errc names what went wrong in terms a client can act on; acme/problem.cc maps each to an RFC 8555
// error type and HTTP status. Parsers only ever return kMalformed.
enum class Errc : uint8_t {
  kMalformed,
  kUnauthorized,
  kNotFound,
  kMethodNotAllowed,
  kBadNonce,
  kBadSignatureAlgorithm,
  kBadPublicKey,
  kBadCsr,
  kRejectedIdentifier,
  kUnsupportedIdentifier,
  kOrderNotReady,
  kAccountDoesNotExist,
  kInvalidContact,
  kUnsupportedContact,
  kExternalAccountRequired,
  kBadRevocationReason,
  kAlreadyRevoked,
  kConnection,
  kDns,
  kIncorrectResponse,
  kTls,
  kCaa,
  kRateLimited,
  kConflict,
  kPayloadTooLarge,
  kUnsupportedMediaType,
  kBadAttestation,
  kUnavailable,
  kInternal,
};

// SubError is one identifier's share of a compound error (RFC 8555 §6.7.1 subproblems).
struct SubError {
  Errc code = Errc::kMalformed;
  std::string detail;
  std::string identifier_type;
  std::string identifier_value;
};

// Error carries a code, a detail safe to send (except for kInternal, whose detail is only logged)
// and optional subproblems.
struct Error {
  Errc code = Errc::kInternal;
  std::string detail;
  std::vector<SubError> sub;
};

template <class T>
class [[nodiscard]] Result : public tl::expected<T, Error> {
  using Base = tl::expected<T, Error>;

 public:
  using Base::Base;
  Result(Base b) : Base(std::move(b)) {}  // NOLINT: accept .map()/.and_then() results
};

// Fail builds the error side of a Result: `return Fail(Errc::kMalformed, "bad length");`.
inline tl::unexpected<Error> Fail(Errc code, std::string detail) {
  return tl::unexpected<Error>(Error{code, std::move(detail), {}});
}
inline tl::unexpected<Error> Fail(Error e) { return tl::unexpected<Error>(std::move(e)); }

inline Result<void> Ok() { return {}; }

}  // namespace ca

#define CA_CONCAT_INNER_(a, b) a##b
#define CA_CONCAT_(a, b) CA_CONCAT_INNER_(a, b)

// CA_TRY(auto x, Expr()); declares x from a successful Result, or returns its error.
#define CA_TRY(decl, expr) CA_TRY_IMPL_(CA_CONCAT_(ca_try_, __LINE__), decl, expr)
#define CA_TRY_IMPL_(tmp, decl, expr)                     \
  auto tmp = (expr);                                      \
  if (!tmp) return ::tl::unexpected(std::move(tmp).error()); \
  decl = std::move(*tmp)

// CA_RETURN_IF_ERROR(Expr()); for Result<void> (or any Result whose value is not needed).
#define CA_RETURN_IF_ERROR(expr)                                      \
  do {                                                                \
    auto ca_rie_ = (expr);                                            \
    if (!ca_rie_) return ::tl::unexpected(std::move(ca_rie_).error()); \
  } while (false)
