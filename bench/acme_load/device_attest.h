#pragma once
// DeviceAttestCa mints device-attest-01 answers (draft-ietf-acme-device-attest, "apple" format)
// for the load generator: an Apple-like test root and intermediate (P-384) kept in a folder (the
// server trusts root.pem through its provisioner's formats.apple.roots), and per challenge a leaf
// for a fresh P-256 device key carrying the Apple serial, UDID, OS version and nonce extensions
// (nonce = SHA-256(token)), built with tests/support/attest_builders.
#include <memory>
#include <mutex>
#include <string>

#include "common/result.h"
#include "ossl/unique.h"
#include "support/attest_builders.h"

namespace ca::acme_load {

class DeviceAttestCa final {
 public:
  // LoadOrCreate reads DIR/root.pem, DIR/intermediate.pem and DIR/intermediate.key, minting and
  // writing all three first when root.pem does not exist.
  static Result<std::unique_ptr<DeviceAttestCa>> LoadOrCreate(const std::string& dir);

  struct Attestation {
    ossl::UniquePtr<EVP_PKEY> device_key;  // the key the finalize CSR must carry
    std::string att_obj;                   // base64url CBOR {"fmt":"apple","attStmt":{"x5c":[leaf, inter]}}
  };
  // Attest answers the challenge token for the device with this serial number. Thread-safe.
  Attestation Attest(const std::string& serial, const std::string& token);

 private:
  DeviceAttestCa() = default;
  testing::TestCert intermediate_;
  std::mutex mint_mu_;  // MakeCert numbers serials with a plain static counter
};

}  // namespace ca::acme_load
