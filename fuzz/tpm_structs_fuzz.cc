// Fuzz target: the TPM 2.0 structure parsers of the "tpm" attestation format (attestation/
// tpm_structs.h), TPMS_ATTEST and TPMT_PUBLIC, both on the same arbitrary bytes. Refusals must be
// kMalformed with a detail; accepted structures must respect the documented bounds, and an accepted
// pubArea must hash to a Name and either convert to a key or be refused as kMalformed.
// Seeds (fuzz/corpus/tpm_structs_fuzz/): certInfo and pubArea of the 8 real Windows Hello samples in
// shared/vectors/samples/webauthn/tpm.
#include <cstddef>
#include <cstdint>
#include <cstdlib>

#include <openssl/evp.h>

#include "attestation/tpm_structs.h"

namespace tpm = ca::attestation::tpm;

namespace {

void CheckRefusal(const ca::Error& e) {
  if (e.code != ca::Errc::kMalformed || e.detail.empty()) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const ca::ByteView in(data, size);

  auto attest = tpm::ParseAttest(in);
  if (!attest) {
    CheckRefusal(attest.error());
  } else if (attest->magic != tpm::kGeneratedValue || attest->type != tpm::kStAttestCertify ||
             attest->qualified_signer.size() > tpm::kMaxName || attest->extra_data.size() > tpm::kMaxData ||
             attest->certified_name.size() > tpm::kMaxName || attest->certified_qualified_name.size() > tpm::kMaxName) {
    std::abort();
  }

  auto pub = tpm::ParsePublic(in);
  if (!pub) {
    CheckRefusal(pub.error());
    return 0;
  }
  if ((pub->type != tpm::kAlgRsa && pub->type != tpm::kAlgEcc) || pub->auth_policy.size() > tpm::kMaxDigest) {
    std::abort();
  }
  auto name = tpm::ComputeName(pub->name_alg, in);
  if (!name) std::abort();
  const EVP_MD* md = tpm::DigestFor(pub->name_alg);
  if (md == nullptr || name->size() != 2 + static_cast<size_t>(EVP_MD_get_size(md))) std::abort();
  auto key = tpm::PublicKey(*pub);
  if (!key) CheckRefusal(key.error());
  return 0;
}
