#pragma once
// Deleters for every OpenSSL type attestca owns. Include this (not unique.h) in .cc files.
#include <openssl/asn1.h>
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <openssl/param_build.h>
#include <openssl/params.h>

#include "ossl/unique.h"

CA_OSSL_DELETER(ECDSA_SIG, ECDSA_SIG_free)
CA_OSSL_DELETER(ASN1_TYPE, ASN1_TYPE_free)
CA_OSSL_DELETER(GENERAL_NAMES, GENERAL_NAMES_free)
CA_OSSL_DELETER(GENERAL_NAME, GENERAL_NAME_free)
CA_OSSL_DELETER(EXTENDED_KEY_USAGE, EXTENDED_KEY_USAGE_free)
CA_OSSL_DELETER(BASIC_CONSTRAINTS, BASIC_CONSTRAINTS_free)
