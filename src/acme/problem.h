#pragma once
// Problem documents (RFC 7807) with RFC 8555 §6.7 error types: the one place an Error becomes wire
// format. kInternal details are logged, never sent.
#include <string>

#include "common/result.h"
#include "http/message.h"

namespace ca::acme {

struct ProblemType {
  const char* urn_suffix;  // "malformed" -> urn:ietf:params:acme:error:malformed
  int http_status;
};

ProblemType TypeOf(Errc code);
std::string TypeUrn(Errc code);

// ProblemJson renders the problem document (with subproblems) as JSON text; for kInternal the detail
// is replaced by a generic sentence.
std::string ProblemJson(const Error& e);

// ProblemResponse: status, application/problem+json body, and the detail logged when internal.
http::Response ProblemResponse(const Error& e);

}  // namespace ca::acme
