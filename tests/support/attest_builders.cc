#include "support/attest_builders.h"

#include "common/check.h"
#include "ossl/pem.h"
#include "ossl/types.h"
#include "ossl/x509_build.h"
#include "support/csr_builder.h"

namespace ca::testing {
namespace {

constexpr const char* kAppleArc = "1.2.840.113635.100.8.";

void AddRaw(X509* cert, const RawExtension& e) {
  ossl::UniquePtr<ASN1_OBJECT> obj(OBJ_txt2obj(e.oid.c_str(), 1));
  CA_CHECK(obj != nullptr);
  ossl::UniquePtr<ASN1_STRING> value(ASN1_OCTET_STRING_new());
  CA_CHECK(value != nullptr);
  CA_CHECK(ASN1_OCTET_STRING_set(value.get(), e.value.data(), static_cast<int>(e.value.size())) == 1);
  ossl::UniquePtr<X509_EXTENSION> ext(
      X509_EXTENSION_create_by_OBJ(nullptr, obj.get(), e.critical ? 1 : 0, value.get()));
  CA_CHECK(ext != nullptr);
  CA_CHECK(X509_add_ext(cert, ext.get(), -1) == 1);
}

void AddConf(X509* cert, X509* issuer, int nid, const std::string& value) {
  auto r = ossl::AddConfExtension(cert, issuer, nid, value);
  CA_CHECK(r.has_value());
}

void AddText(std::vector<RawExtension>* out, const char* arc, const std::optional<std::string>& v) {
  if (v) out->push_back({std::string(kAppleArc) + arc, ToBytes(*v), false});
}

void AddBytes(std::vector<RawExtension>* out, const char* arc, const std::optional<Bytes>& v) {
  if (v) out->push_back({std::string(kAppleArc) + arc, *v, false});
}

}  // namespace

TestCert MakeCert(const CertSpec& spec, const TestCert* issuer) {
  TestCert out;
  out.key = spec.key_group.rfind("RSA-", 0) == 0 ? MakeRsaKey(std::stoi(spec.key_group.substr(4)))
                                                 : MakeEcKey(spec.key_group);
  out.cert.reset(X509_new());
  X509* cert = out.cert.get();
  CA_CHECK(cert != nullptr);
  CA_CHECK(X509_set_version(cert, X509_VERSION_3) == 1);
  static uint32_t serial_counter = 1;
  const uint32_t n = serial_counter++;
  const Bytes serial = {0x42, static_cast<uint8_t>(n >> 16), static_cast<uint8_t>(n >> 8), static_cast<uint8_t>(n)};
  auto sn = ossl::SerialFromBytes(serial);
  CA_CHECK(sn.has_value());
  CA_CHECK(X509_set_serialNumber(cert, sn->get()) == 1);
  auto name = spec.empty_subject ? ossl::MakeName({}) : ossl::MakeName({{"O", "attestca test"}, {"CN", spec.common_name}});
  CA_CHECK(name.has_value());
  CA_CHECK(X509_set_subject_name(cert, name->get()) == 1);
  X509* issuer_cert = issuer != nullptr ? issuer->cert.get() : cert;
  EVP_PKEY* issuer_key = issuer != nullptr ? issuer->key.get() : out.key.get();
  CA_CHECK(X509_set_issuer_name(cert, X509_get_subject_name(issuer_cert)) == 1);
  CA_CHECK(ossl::SetValidity(cert, spec.not_before, spec.not_after).has_value());
  CA_CHECK(X509_set_pubkey(cert, out.key.get()) == 1);

  if (spec.is_ca) {
    AddConf(cert, issuer_cert, NID_basic_constraints, "critical,CA:TRUE");
    AddConf(cert, issuer_cert, NID_key_usage, "critical,keyCertSign,cRLSign");
  } else {
    AddConf(cert, issuer_cert, NID_basic_constraints, "critical,CA:FALSE");
    AddConf(cert, issuer_cert, NID_key_usage, "critical,digitalSignature,keyEncipherment");
  }
  AddConf(cert, issuer_cert, NID_subject_key_identifier, "hash");
  if (issuer != nullptr) AddConf(cert, issuer_cert, NID_authority_key_identifier, "keyid:always");
  for (const auto& e : spec.extensions) AddRaw(cert, e);

  CA_CHECK(X509_sign(cert, issuer_key, ossl::SignatureDigestFor(issuer_key)) > 0);
  auto der = ossl::CertToDer(cert);
  CA_CHECK(der.has_value());
  out.der = std::move(*der);
  auto pem = ossl::CertToPem(cert);
  CA_CHECK(pem.has_value());
  out.pem = std::move(*pem);
  return out;
}

Bytes AppleNonceFor(std::string_view token) { return ossl::Sha256(AsBytes(token)); }

AppleTestChain MakeAppleChain(const AppleLeafSpec& spec) {
  AppleTestChain chain;
  CertSpec root;
  root.common_name = "Test Enterprise Attestation Root CA";
  root.not_before = spec.not_before - 86400;
  root.not_after = spec.not_after + 3650 * 86400;
  root.is_ca = true;
  chain.root = MakeCert(root, nullptr);
  CertSpec sub = root;
  sub.common_name = "Test Enterprise Attestation Sub CA 1";
  chain.intermediate = MakeCert(sub, &chain.root);

  CertSpec leaf;
  leaf.common_name = "0123456789abcdef";
  leaf.not_before = spec.not_before;
  leaf.not_after = spec.not_after;
  // The order real leaves use: 10.2, 10.3, 10.1, 9.4, 13.2, 13.1, 13.3, 9.1, 9.2, 11.1.
  AddText(&leaf.extensions, "10.2", spec.sep_os_version);
  AddText(&leaf.extensions, "10.3", spec.llb_version);
  AddText(&leaf.extensions, "10.1", spec.os_version);
  AddText(&leaf.extensions, "9.4", spec.software_update_device_id);
  AddText(&leaf.extensions, "13.2", spec.secure_boot);
  AddBytes(&leaf.extensions, "13.1", spec.sip);
  AddBytes(&leaf.extensions, "13.3", spec.kexts);
  AddText(&leaf.extensions, "9.1", spec.serial);
  AddText(&leaf.extensions, "9.2", spec.udid);
  AddBytes(&leaf.extensions, "11.1", spec.nonce);
  for (const auto& e : spec.extra) leaf.extensions.push_back(e);
  chain.leaf = MakeCert(leaf, &chain.intermediate);
  chain.x5c = {chain.leaf.der, chain.intermediate.der};
  return chain;
}

}  // namespace ca::testing
