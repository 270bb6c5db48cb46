#pragma once
// device-attest-01 (draft-ietf-acme-device-attest-09 §5): decode the attestation object, pick the
// provisioner's verifier for its format, check it against that format's own trust roots (never one
// pool shared by all formats) and return what it attests. Identifier, inventory and posture
// decisions belong to the ACME service.
#include <chrono>
#include <map>
#include <memory>
#include <string>

#include "attestation/attested_device.h"
#include "common/bytes.h"
#include "common/clock.h"
#include "common/result.h"
#include "config/config.h"
#include "http/client.h"

namespace ca::validation {

class DeviceAttestVerifier {
 public:
  virtual ~DeviceAttestVerifier() = default;
  // Verify: every failure is Errc::kBadAttestation with a detail naming the cause.
  //   token              the challenge token (Apple binds SHA-256(token): it signs before the
  //                      account key is known)
  //   key_authorization  token "." thumbprint (the other formats sign or embed it)
  virtual Result<attestation::AttestedDevice> Verify(const std::string& provisioner, ByteView att_obj,
                                                     const std::string& token,
                                                     const std::string& key_authorization, UnixTime now) = 0;
};

// MakeDeviceAttestVerifier loads, for every provisioner offering device-attest-01, each enabled
// format's roots (built-in vendor roots unless builtin_roots = false, plus the configured PEM files).
// Errors name the file or format that could not be loaded.
// An android-key revocation_list that is an http(s) URL is fetched with `lookup` for DNS names and
// cached for an hour (kAndroidStatusRefresh).
inline constexpr std::chrono::seconds kAndroidStatusRefresh{3600};
Result<std::unique_ptr<DeviceAttestVerifier>> MakeDeviceAttestVerifier(const config::Config& cfg,
                                                                       http::AddressLookup lookup = nullptr);

}  // namespace ca::validation
