#pragma once
// Drains OpenSSL's thread-local error queue into a string at the failure site.
#include <string>

#include "common/result.h"

namespace ca::ossl {

// ErrorString returns "what: <openssl errors>" and clears the queue.
std::string ErrorString(const std::string& what);

// Internal builds a kInternal error whose detail carries the OpenSSL errors (logged, never sent).
inline tl::unexpected<Error> Internal(const std::string& what) { return Fail(Errc::kInternal, ErrorString(what)); }

}  // namespace ca::ossl
