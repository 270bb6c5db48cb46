#pragma once
// PEM text of the trust anchors compiled into the binary (one .cc per anchor, each naming its
// source). Use attestation::BuiltinRoots() rather than these.
#include <string_view>

namespace ca::attestation::builtin {

// kAppleEnterpriseAttestationRootPem: Apple Enterprise Attestation Root CA (Managed Device
// Attestation, device-attest-01 format "apple").
extern const std::string_view kAppleEnterpriseAttestationRootPem;

// kYubicoPivRootCaPem: Yubico PIV Root CA Serial 263751 (format "step", YubiKey firmware < 5.7.4).
extern const std::string_view kYubicoPivRootCaPem;
// kYubicoAttestationRoot1Pem: Yubico Attestation Root 1 (format "step", YubiKey firmware >= 5.7.4).
extern const std::string_view kYubicoAttestationRoot1Pem;
// kYubicoAttestation2024IntermediatesPem: the four 2024 intermediates between Root 1 and a 5.7.4+
// f9 certificate (PIV Attestation A 1 / B 1, Attestation Intermediate A 1 / B 1). Not anchors.
extern const std::string_view kYubicoAttestation2024IntermediatesPem;

// kGoogleHardwareAttestationRootsPem: Google Hardware Attestation Roots 1-4 (RSA-4096, one shared
// subject; format "android-key").
extern const std::string_view kGoogleHardwareAttestationRootsPem;
// kGoogleKeyAttestationCa1Pem: Google Key Attestation CA1 (EC P-384, 2025; format "android-key").
extern const std::string_view kGoogleKeyAttestationCa1Pem;

}  // namespace ca::attestation::builtin
