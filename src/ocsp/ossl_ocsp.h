#pragma once
// <openssl/ocsp.h> with UniquePtr deleters for the OCSP types only .cc files hold.
#include <openssl/ocsp.h>

#include "ossl/types.h"
#include "ocsp/request.h"  // declares the OCSP_CERTID / OCSP_REQUEST deleters

CA_OSSL_DELETER(OCSP_BASICRESP, OCSP_BASICRESP_free)
CA_OSSL_DELETER(OCSP_RESPONSE, OCSP_RESPONSE_free)
