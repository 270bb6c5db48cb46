#pragma once
// The TPM attestation key (AK) certificate of the "tpm" format: its profile (WebAuthn §8.3.1,
// TCG EK Credential Profile §3.2.9 subjectAltName) and the device identifiers it names. See tpm.h.
#include <string>
#include <vector>

#include "attestation/attested_device.h"
#include "common/result.h"
#include "ossl/unique.h"

namespace ca::attestation::tpm {

// AkCertificate is what the AK certificate says about the TPM and the device.
struct AkCertificate {
  std::string manufacturer;  // 2.23.133.2.1, e.g. "id:53544D20"
  std::string model;         // 2.23.133.2.2, e.g. "ST33HTPxAHA6"
  std::string version;       // 2.23.133.2.3, e.g. "id:00470004"
  std::vector<AttestedIdentifier> identifiers;  // SAN otherNames, in SAN order
};

// ReadAkCertificate checks the profile (tpm.h step 3) and reads the identifiers (tpm.h: they may be
// empty here; VerifyTpm refuses that). No trust decision: the chain is VerifyChain's business.
// Errors are Errc::kBadAttestation "tpm: AK certificate ...".
Result<AkCertificate> ReadAkCertificate(X509* ak);

// HardwareSerialText renders hwSerialNum for the ACME value: verbatim when every octet is printable
// ASCII (0x20..0x7e) other than "/", else lowercase hex.
std::string HardwareSerialText(ByteView serial);

}  // namespace ca::attestation::tpm
