#include "attestation/android.h"

#include <array>
#include <string>

#include "attestation/key_auth_signature.h"
#include "attestation/leaf_extensions.h"
#include "ossl/pem.h"
#include "ossl/types.h"

namespace ca::attestation {
namespace {

constexpr const char* kFormat = "android-key";
constexpr std::array<ExtInfo, 1> kKeyDescriptionExt = {{{kKeyDescriptionOid, "KeyDescription"}}};

tl::unexpected<Error> Bad(const std::string& detail) {
  return Fail(Errc::kBadAttestation, std::string(kFormat) + ": " + detail);
}

const char* LevelName(SecurityLevel l) {
  switch (l) {
    case SecurityLevel::kSoftware: return "software";
    case SecurityLevel::kTrustedEnvironment: return "tee";
    case SecurityLevel::kStrongBox: return "strongbox";
  }
  return "software";
}

const char* BootStateName(VerifiedBootState s) {
  switch (s) {
    case VerifiedBootState::kVerified: return "verified";
    case VerifiedBootState::kSelfSigned: return "self-signed";
    case VerifiedBootState::kUnverified: return "unverified";
    case VerifiedBootState::kFailed: return "failed";
  }
  return "failed";
}

bool IsPrintableAscii(ByteView b) {
  for (uint8_t c : b) {
    if (c < 0x20 || c > 0x7e) return false;
  }
  return !b.empty();
}

Result<std::optional<KeyDescription>> ReadKeyDescriptionOf(X509* cert) {
  CA_TRY(const auto ext, FindExtensions(cert, kKeyDescriptionExt, kFormat));
  if (!ext[0]) return std::optional<KeyDescription>();
  auto kd = ParseKeyDescription(*ext[0]);
  if (!kd) return Bad(kd.error().detail);
  return std::optional<KeyDescription>(std::move(*kd));
}

std::string SerialOf(X509* cert) {
  const ASN1_INTEGER* sn = X509_get0_serialNumber(cert);
  return SerialKey(ByteView(ASN1_STRING_get0_data(sn), static_cast<size_t>(ASN1_STRING_length(sn))));
}

std::string SubjectOf(X509* cert) {
  ossl::UniquePtr<BIO> bio(BIO_new(BIO_s_mem()));
  if (!bio) return "?";
  X509_NAME_print_ex(bio.get(), X509_get_subject_name(cert), 0, XN_FLAG_RFC2253);
  char* data = nullptr;
  const long len = BIO_get_mem_data(bio.get(), &data);
  return len > 0 ? std::string(data, static_cast<size_t>(std::min(len, 200L))) : std::string("(empty)");
}

Result<void> CheckRevocation(const VerifiedChain& chain, const RevocationStatus& revocation) {
  if (!revocation.configured) return Ok();
  if (!revocation.list) return Bad("certificate status list unavailable: " + revocation.unavailable);
  for (const auto& cert : chain.path) {
    const std::string serial = SerialOf(cert.get());
    auto it = revocation.list->entries.find(serial);
    if (it == revocation.list->entries.end()) continue;
    std::string detail = "certificate serial " + serial + " (" + SubjectOf(cert.get()) + ") is " + it->second.status +
                         " in the attestation status list";
    if (!it->second.reason.empty()) detail += " (reason " + it->second.reason + ")";
    return Bad(detail);
  }
  return Ok();
}

// ExplainUntrustedRoot names the self-signed top of x5c when it is not one of our anchors, which
// says more than OpenSSL's "unable to get local issuer certificate" (e.g. StrongBox test chains).
std::optional<std::string> ExplainUntrustedRoot(const std::vector<Bytes>& x5c, const TrustRoots& roots) {
  auto top = ossl::CertFromDer(x5c.back());
  if (!top || X509_check_issued(top->get(), top->get()) != X509_V_OK) return std::nullopt;
  for (const auto& r : roots.roots()) {
    if (X509_cmp(r.get(), top->get()) == 0) return std::nullopt;
  }
  return "the chain ends at " + SubjectOf(top->get()) + ", which is not a trusted Google attestation root";
}

}  // namespace

Result<std::optional<KeyDescription>> ReadKeyDescription(ByteView cert_der) {
  auto cert = ossl::CertFromDer(cert_der);
  if (!cert) return Bad("certificate does not parse");
  return ReadKeyDescriptionOf(cert->get());
}

std::map<std::string, std::string> AndroidFacts(const KeyDescription& kd) {
  std::map<std::string, std::string> facts;
  const SecurityLevel lower = std::min(kd.attestation_security_level, kd.keymint_security_level);
  facts["security_level"] = LevelName(lower);
  facts["attestation_version"] = std::to_string(kd.attestation_version);
  const AuthorizationList& hw = kd.hardware_enforced;
  if (hw.root_of_trust) {
    facts["verified_boot_state"] = BootStateName(hw.root_of_trust->verified_boot_state);
    facts["device_locked"] = hw.root_of_trust->device_locked ? "true" : "false";
  }
  if (hw.os_version) facts["os_version"] = std::to_string(*hw.os_version);
  if (hw.os_patch_level) facts["os_patch_level"] = std::to_string(*hw.os_patch_level);
  if (hw.vendor_patch_level) facts["vendor_patch_level"] = std::to_string(*hw.vendor_patch_level);
  if (hw.boot_patch_level) facts["boot_patch_level"] = std::to_string(*hw.boot_patch_level);
  return facts;
}

Result<AttestedDevice> VerifyAndroidKey(const AttStmt& st, std::string_view key_authorization, const TrustRoots& roots,
                                        UnixTime at, const RevocationStatus& revocation) {
  if (st.x5c.empty()) return Bad("x5c is empty");
  if (revocation.configured && !revocation.list) {
    return Bad("certificate status list unavailable: " + revocation.unavailable);
  }
  // Trust first, so nothing is read from a leaf nobody vouches for.
  ChainOptions opts;
  opts.ignore_leaf_validity = true;
  opts.anchor_by_signature = true;
  auto chain = VerifyChainPath(st.x5c, roots, at, opts);
  if (!chain) {
    if (auto why = ExplainUntrustedRoot(st.x5c, roots)) return Bad(*why);
    return Bad(chain.error().detail);
  }
  CA_RETURN_IF_ERROR(CheckRevocation(*chain, revocation));

  // The KeyDescription closest to the root; it must be the leaf's.
  std::optional<KeyDescription> kd;
  for (size_t i = chain->path.size(); i-- > 0;) {
    CA_TRY(auto found, ReadKeyDescriptionOf(chain->path[i].get()));
    if (!found) continue;
    if (i != 0) {
      return Bad("certificate " + std::to_string(i) + " above the leaf carries a KeyDescription "
                 "(attest-key chains are not accepted; the leaf must be the attestation certificate)");
    }
    kd = std::move(found);
    break;
  }
  if (!kd) return Bad("the leaf has no KeyDescription extension (" + std::string(kKeyDescriptionOid) + ")");

  if (kd->attestation_security_level == SecurityLevel::kSoftware ||
      kd->keymint_security_level == SecurityLevel::kSoftware) {
    return Bad(std::string("software attestation refused (attestationSecurityLevel ") +
               LevelName(kd->attestation_security_level) + ", keyMintSecurityLevel " +
               LevelName(kd->keymint_security_level) + "); TEE or StrongBox is required");
  }
  if (!ConstantTimeEqual(kd->attestation_challenge, AsBytes(key_authorization))) {
    return Bad("attestationChallenge does not match the key authorization");
  }

  if (!st.sig) return Bad("sig is missing");
  if (st.sig->empty()) return Bad("sig is empty");
  X509* leaf = chain->path[0].get();
  CA_RETURN_IF_ERROR(CheckKeyAuthSignature(X509_get0_pubkey(leaf), *st.sig, key_authorization, kFormat));

  const auto& serial = kd->hardware_enforced.attestation_id_serial;
  if (!serial) return Bad("the attestation carries no device serial (ID attestation)");
  if (!IsPrintableAscii(*serial)) return Bad("the attested device serial is not printable ASCII");

  AttestedDevice dev;
  dev.format = kFormat;
  dev.identifiers.push_back({"serial", std::string(AsChars(*serial))});
  dev.facts = AndroidFacts(*kd);
  CA_RETURN_IF_ERROR(SetAttestedKey(leaf, kFormat, dev));
  dev.chain_der = st.x5c;
  return dev;
}

}  // namespace ca::attestation
