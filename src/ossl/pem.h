#pragma once
// PEM/DER conversion for certificates, requests and keys.
#include <string>
#include <string_view>
#include <vector>

#include "common/bytes.h"
#include "common/result.h"
#include "ossl/unique.h"

namespace ca::ossl {

Result<UniquePtr<X509>> CertFromDer(ByteView der);  // refuses trailing bytes
Result<UniquePtr<X509>> CertFromPem(std::string_view pem);
Result<std::vector<UniquePtr<X509>>> CertsFromPem(std::string_view pem);  // a whole bundle
Result<Bytes> CertToDer(X509* cert);
Result<std::string> CertToPem(X509* cert);
std::string DerToPem(ByteView der, std::string_view label);  // "CERTIFICATE", "X509 CRL", ...

Result<UniquePtr<X509_REQ>> CsrFromDer(ByteView der);  // refuses trailing bytes

// Private keys: PKCS#8 PEM, optionally encrypted (AES-256-CBC) with a passphrase.
Result<std::string> PrivateKeyToPem(EVP_PKEY* key, std::string_view passphrase);
Result<UniquePtr<EVP_PKEY>> PrivateKeyFromPem(std::string_view pem, std::string_view passphrase);

// SPKI DER of a key (what certificates and CSRs embed).
Result<Bytes> PublicKeyToDer(EVP_PKEY* key);
Result<UniquePtr<EVP_PKEY>> PublicKeyFromDer(ByteView der);
// EcPublicKey imports a SEC 1 point on a named group (OpenSSL's name: "prime256v1", "secp384r1",
// "secp521r1"): EVP_PKEY_fromdata, which checks the point is on the curve (kBadPublicKey if not).
// Cheap: no decoder (d2i of an SPKI builds one per call in OpenSSL 3.0).
Result<UniquePtr<EVP_PKEY>> EcPublicKey(const char* group, ByteView point);

// Sha256 of bytes.
Bytes Sha256(ByteView data);

}  // namespace ca::ossl
