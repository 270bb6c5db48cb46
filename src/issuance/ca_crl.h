#pragma once
// The root's CRL over the CA certificates it issued (the intermediate), which `openssl verify
// -crl_check_all` needs at depth 1. Same profile as the intermediate's CRL (crl_build.cc: v2, AKI =
// the signer's SKI, cRLNumber, revokedCertificates absent when empty); BR 4.9.7 / 7.2: a CA CRL
// lasts at most 12 months. The root key is read for one signature and dropped.
#include <string>

#include "common/bytes.h"
#include "common/clock.h"
#include "common/result.h"
#include "issuance/issuer.h"

namespace ca::issuance {

// SignCaCrl signs contents with the CA's key (PEM, optionally encrypted) as issued by the CA's
// certificate, and checks the result against that certificate. Returns the DER.
Result<Bytes> SignCaCrl(const std::string& ca_cert_pem, const std::string& ca_key_pem, const std::string& passphrase,
                        const CrlContents& contents);

// CrlFacts is what the CRL numbering and serving need to know about a signed CRL.
struct CrlFacts {
  uint64_t number = 0;
  UnixTime this_update = 0;
  UnixTime next_update = 0;
  size_t entries = 0;
};

// ReadCrl parses a DER CRL and checks that the CA's certificate (PEM) issued it: the issuer name and
// the signature (kMalformed otherwise, e.g. a foreign or damaged file). It must carry a cRLNumber
// and a nextUpdate.
Result<CrlFacts> ReadCrl(ByteView der, const std::string& ca_cert_pem);

}  // namespace ca::issuance
