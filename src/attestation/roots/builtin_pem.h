#pragma once
// PEM text of the trust anchors compiled into the binary (one .cc per anchor, each naming its
// source). Use attestation::BuiltinRoots() rather than these.
#include <string_view>

namespace ca::attestation::builtin {

// kAppleEnterpriseAttestationRootPem: Apple Enterprise Attestation Root CA (Managed Device
// Attestation, device-attest-01 format "apple").
extern const std::string_view kAppleEnterpriseAttestationRootPem;

}  // namespace ca::attestation::builtin
