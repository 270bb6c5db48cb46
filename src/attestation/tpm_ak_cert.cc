#include "attestation/tpm_ak_cert.h"

#include <array>
#include <optional>

#include "core/device.h"
#include "core/identifier.h"
#include "der/device_names.h"
#include "ossl/types.h"

namespace ca::attestation::tpm {
namespace {

constexpr const char* kTcgKpAikCertificate = "2.23.133.8.3";
constexpr size_t kMaxAttributeText = 128;

tl::unexpected<Error> Bad(const std::string& detail) {
  return Fail(Errc::kBadAttestation, "tpm: AK certificate " + detail);
}

std::string OidOf(const ASN1_OBJECT* obj) {
  char buf[80];
  const int n = OBJ_obj2txt(buf, sizeof buf, obj, 1);
  if (n <= 0 || static_cast<size_t>(n) >= sizeof buf) return "";
  return std::string(buf, static_cast<size_t>(n));
}

bool IsPrintableAscii(std::string_view s) {
  for (char c : s) {
    if (c < 0x20 || c > 0x7e) return false;
  }
  return true;
}

// The TPM attributes of the SAN directoryName (TCG EK Credential Profile §3.1.2).
struct TpmAttribute {
  const char* oid;
  const char* name;
  std::string AkCertificate::*field;
};
constexpr std::array<TpmAttribute, 3> kTpmAttributes = {{
    {"2.23.133.2.1", "TPM manufacturer", &AkCertificate::manufacturer},
    {"2.23.133.2.2", "TPM model", &AkCertificate::model},
    {"2.23.133.2.3", "TPM version", &AkCertificate::version},
}};

// ReadDirectoryName takes the TPM attributes from one directoryName. OpenSSL lists the entries of
// every RDN in order, so the TCG layout (one attribute an RDN) and the older Windows layout (one
// multi-valued RDN) read alike.
Result<void> ReadDirectoryName(const X509_NAME* name, std::array<bool, 3>& seen, AkCertificate& out) {
  for (int i = 0; i < X509_NAME_entry_count(name); ++i) {
    const X509_NAME_ENTRY* entry = X509_NAME_get_entry(name, i);
    const std::string oid = OidOf(X509_NAME_ENTRY_get_object(entry));
    for (size_t k = 0; k < kTpmAttributes.size(); ++k) {
      const TpmAttribute& attr = kTpmAttributes[k];
      if (oid != attr.oid) continue;
      if (seen[k]) return Bad(std::string("SAN has more than one ") + attr.name);
      seen[k] = true;
      const ASN1_STRING* v = X509_NAME_ENTRY_get_data(entry);
      const std::string_view text(reinterpret_cast<const char*>(ASN1_STRING_get0_data(v)),
                                  static_cast<size_t>(ASN1_STRING_length(v)));
      if (text.empty() || text.size() > kMaxAttributeText || !IsPrintableAscii(text)) {
        return Bad(std::string("SAN ") + attr.name + " is not 1.." + std::to_string(kMaxAttributeText) +
                   " printable ASCII characters");
      }
      out.*attr.field = std::string(text);
    }
  }
  return Ok();
}

// Identifier validates an attested value against the ACME ABNF, so it can match an order.
Result<AttestedIdentifier> Identifier(const char* type, std::string value, const char* what) {
  if (auto ok = core::ValidateDeviceIdentifier(type, value); !ok) {
    return Bad(std::string(what) + " is not a valid " + type + " value: " + ok.error().detail);
  }
  return AttestedIdentifier{type, std::move(value)};
}

Result<std::optional<AttestedIdentifier>> ReadOtherName(const OTHERNAME* other) {
  const std::string type_id = OidOf(other->type_id);
  const bool permanent = type_id == der::kIdOnPermanentIdentifier;
  if (!permanent && type_id != der::kIdOnHardwareModuleName) return std::optional<AttestedIdentifier>();
  const char* what = permanent ? "PermanentIdentifier" : "HardwareModuleName";
  const ASN1_TYPE* v = other->value;
  if (v == nullptr || v->type != V_ASN1_SEQUENCE) return Bad(std::string(what) + " is not a SEQUENCE");
  const ByteView der(ASN1_STRING_get0_data(v->value.sequence),
                     static_cast<size_t>(ASN1_STRING_length(v->value.sequence)));
  if (permanent) {
    auto value = der::PermanentIdentifierValue(der);
    if (!value) return Bad(value.error().detail);
    CA_TRY(auto id, Identifier(core::kPermanentIdentifier, std::move(*value), what));
    return std::optional<AttestedIdentifier>(std::move(id));
  }
  auto hw = der::DecodeHardwareModuleName(der);
  if (!hw) return Bad(hw.error().detail);
  CA_TRY(auto id, Identifier(core::kHardwareModule, HardwareSerialText(hw->serial) + "/" + hw->hw_type, what));
  return std::optional<AttestedIdentifier>(std::move(id));
}

Result<void> CheckEku(X509* ak) {
  int crit = 0;
  ossl::UniquePtr<EXTENDED_KEY_USAGE> eku(
      static_cast<EXTENDED_KEY_USAGE*>(X509_get_ext_d2i(ak, NID_ext_key_usage, &crit, nullptr)));
  if (!eku) {
    return Bad(crit == -1 ? "has no extended key usage (want tcg-kp-AIKCertificate 2.23.133.8.3)"
                          : "extended key usage is malformed or repeated");
  }
  for (int i = 0; i < sk_ASN1_OBJECT_num(eku.get()); ++i) {
    if (OidOf(sk_ASN1_OBJECT_value(eku.get(), i)) == kTcgKpAikCertificate) return Ok();
  }
  return Bad("extended key usage lacks tcg-kp-AIKCertificate 2.23.133.8.3");
}

}  // namespace

std::string HardwareSerialText(ByteView serial) {
  bool printable = !serial.empty();
  for (uint8_t c : serial) printable = printable && c >= 0x20 && c <= 0x7e && c != '/';
  return printable ? ToString(serial) : Hex(serial);
}

Result<AkCertificate> ReadAkCertificate(X509* ak) {
  if (X509_get_version(ak) != X509_VERSION_3) return Bad("is not version 3");
  if (X509_NAME_entry_count(X509_get_subject_name(ak)) != 0) return Bad("subject is not empty");
  if ((X509_get_extension_flags(ak) & EXFLAG_CA) != 0) return Bad("is a CA certificate (basicConstraints CA:TRUE)");
  CA_RETURN_IF_ERROR(CheckEku(ak));

  int crit = 0;
  ossl::UniquePtr<GENERAL_NAMES> san(
      static_cast<GENERAL_NAMES*>(X509_get_ext_d2i(ak, NID_subject_alt_name, &crit, nullptr)));
  if (!san) return Bad(crit == -1 ? "has no subjectAltName" : "subjectAltName is malformed or repeated");
  AkCertificate out;
  std::array<bool, 3> seen{};
  for (int i = 0; i < sk_GENERAL_NAME_num(san.get()); ++i) {
    const GENERAL_NAME* gn = sk_GENERAL_NAME_value(san.get(), i);
    if (gn->type == GEN_DIRNAME) {
      CA_RETURN_IF_ERROR(ReadDirectoryName(gn->d.directoryName, seen, out));
    } else if (gn->type == GEN_OTHERNAME) {
      CA_TRY(auto id, ReadOtherName(gn->d.otherName));
      if (id) out.identifiers.push_back(std::move(*id));
    }
  }
  for (size_t k = 0; k < kTpmAttributes.size(); ++k) {
    if (!seen[k]) {
      return Bad(std::string("SAN has no ") + kTpmAttributes[k].name + " (" + kTpmAttributes[k].oid + ")");
    }
  }
  return out;
}

}  // namespace ca::attestation::tpm
