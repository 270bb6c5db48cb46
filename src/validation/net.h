#pragma once
// Internal to validation/: the outbound Asio helpers (http/outbound.h) under the names http01.cc and
// tls_alpn01.cc use. Included by .cc files only, so Asio stays out of the component's interface.
#include "http/outbound.h"
#include "validation/challenges.h"

namespace ca::validation {

using http::ConnectAny;
using http::IsTimeout;
using http::kAwaitTuple;
using http::NetErrorText;
using http::RunToCompletion;

}  // namespace ca::validation
