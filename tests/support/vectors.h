#pragma once
// Reading shared/vectors (real attestation data) in tests. ATTESTCA_SHARED_DIR is defined for the
// test binaries that use it (tests/CMakeLists.txt).
#include <gtest/gtest.h>

#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "common/bytes.h"
#include "common/clock.h"
#include "ossl/pem.h"

#ifndef ATTESTCA_SHARED_DIR
#error "tests/CMakeLists.txt defines ATTESTCA_SHARED_DIR for this test binary"
#endif

namespace ca::testing {

// ReadShared returns a file of shared/ (path relative to it), failing the test if it is missing.
inline std::string ReadShared(const std::string& rel) {
  std::ifstream f(std::string(ATTESTCA_SHARED_DIR) + "/" + rel, std::ios::binary);
  EXPECT_TRUE(f.good()) << "missing " << ATTESTCA_SHARED_DIR << "/" << rel;
  return std::string(std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>());
}

// At parses an RFC 3339 time (the vectors' pinned verification times).
inline UnixTime At(const std::string& rfc3339) {
  UnixTime t = 0;
  EXPECT_TRUE(ParseRfc3339(rfc3339, &t)) << rfc3339;
  return t;
}

// DerChainFromPem converts a PEM bundle to DER certificates, in order.
inline std::vector<Bytes> DerChainFromPem(const std::string& pem) {
  std::vector<Bytes> out;
  auto certs = ossl::CertsFromPem(pem);
  EXPECT_TRUE(certs.has_value());
  if (!certs) return out;
  for (auto& c : *certs) out.push_back(*ossl::CertToDer(c.get()));
  return out;
}

}  // namespace ca::testing
