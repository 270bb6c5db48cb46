// Issuer: lint, then sign (the TBS that was linted is the TBS that gets signed).
#include "issuance/issuer.h"

#include <algorithm>
#include <atomic>
#include <cstring>

#include <openssl/ocsp.h>
#include <openssl/pem.h>

#include "issuance/internal.h"
#include "issuance/signing_key.h"
#include "ossl/error.h"
#include "ossl/pem.h"
#include "ossl/types.h"
#include "ossl/x509_build.h"

namespace ca::issuance {

struct Issuer::State {
  ossl::UniquePtr<X509> intermediate;
  ossl::UniquePtr<X509> root;  // may be null when no root was given
  ossl::UniquePtr<EVP_PKEY> key;
  const EVP_MD* md = nullptr;  // nullptr for Ed25519
  // sig_template: a copy of the intermediate signed at load; its TBS AlgorithmIdentifier is the one
  // signing produces, copied into every prepared TBS so that signing changes no TBS byte.
  ossl::UniquePtr<X509> sig_template;
  Bytes sig_alg_der;  // that AlgorithmIdentifier's DER: every leaf's signatureAlgorithm
  std::optional<SigningKey> signing;  // the key, with contexts initialised once
  LeafExtensions leaf_extensions;     // built once, copied into every leaf
  ossl::UniquePtr<EVP_MD> sha1;       // subject key identifiers (fetched once)
  std::string intermediate_pem;
  std::string root_pem;
  Bytes intermediate_der;
  Bytes root_der;
  std::optional<RevocationUrls> revocation_urls;
  UnixTime not_before = 0;
  UnixTime not_after = 0;
  uint64_t id = 0;
};

namespace {

std::atomic<uint64_t> g_next_issuer_id{1};

bool IsRsa(EVP_PKEY* key) { return EVP_PKEY_get_base_id(key) == EVP_PKEY_RSA; }

Result<Bytes> AlgorithmDer(const X509_ALGOR* alg) {
  unsigned char* der = nullptr;
  const int len = i2d_X509_ALGOR(alg, &der);
  if (len <= 0 || der == nullptr) return ossl::Internal("i2d_X509_ALGOR");
  Bytes out(der, der + len);
  OPENSSL_free(der);
  return out;
}

}  // namespace

IssuanceToken::~IssuanceToken() = default;

Issuer::Issuer(std::unique_ptr<State> s) : s_(std::move(s)) {}
Issuer::~Issuer() = default;

const std::string& Issuer::intermediate_pem() const { return s_->intermediate_pem; }
const std::string& Issuer::root_pem() const { return s_->root_pem; }
const Bytes& Issuer::intermediate_der() const { return s_->intermediate_der; }
const Bytes& Issuer::root_der() const { return s_->root_der; }
UnixTime Issuer::intermediate_not_after() const { return s_->not_after; }

Result<std::unique_ptr<Issuer>> Issuer::Load(const std::string& intermediate_cert_pem,
                                             const std::string& intermediate_key_pem,
                                             const std::string& passphrase, const std::string& root_cert_pem,
                                             const IssuerOptions& options) {
  auto s = std::make_unique<State>();
  s->revocation_urls = options.revocation_urls;
  auto inter = ossl::CertFromPem(intermediate_cert_pem);
  if (!inter) return Fail(Errc::kInternal, "intermediate certificate: " + inter.error().detail);
  s->intermediate = std::move(*inter);
  CA_TRY(s->key, ossl::PrivateKeyFromPem(intermediate_key_pem, passphrase));
  if (X509_check_private_key(s->intermediate.get(), s->key.get()) != 1) {
    return Fail(Errc::kInternal, ossl::ErrorString("intermediate key does not match its certificate"));
  }
  if (X509_check_ca(s->intermediate.get()) == 0) {
    return Fail(Errc::kInternal, "intermediate certificate is not a CA certificate");
  }
  if (!root_cert_pem.empty()) {
    auto root = ossl::CertFromPem(root_cert_pem);
    if (!root) return Fail(Errc::kInternal, "root certificate: " + root.error().detail);
    s->root = std::move(*root);
    if (X509_verify(s->intermediate.get(), X509_get0_pubkey(s->root.get())) != 1) {
      return Fail(Errc::kInternal, ossl::ErrorString("intermediate certificate is not signed by the root"));
    }
    CA_TRY(s->root_pem, ossl::CertToPem(s->root.get()));
    CA_TRY(s->root_der, ossl::CertToDer(s->root.get()));
  }
  CA_TRY(s->intermediate_pem, ossl::CertToPem(s->intermediate.get()));
  CA_TRY(s->intermediate_der, ossl::CertToDer(s->intermediate.get()));
  CA_TRY(s->not_before, ossl::Asn1TimeToUnix(X509_get0_notBefore(s->intermediate.get())));
  CA_TRY(s->not_after, ossl::Asn1TimeToUnix(X509_get0_notAfter(s->intermediate.get())));
  s->md = ossl::SignatureDigestFor(s->key.get());
  // Cache the intermediate's extensions now, so later threads only read it.
  (void)X509_check_purpose(s->intermediate.get(), -1, 0);

  // Self-test: sign a throwaway copy, verify it with the certificate's key, keep its algorithm.
  s->sig_template.reset(X509_dup(s->intermediate.get()));
  if (!s->sig_template || X509_sign(s->sig_template.get(), s->key.get(), s->md) <= 0) {
    return ossl::Internal("intermediate key cannot sign");
  }
  if (X509_verify(s->sig_template.get(), X509_get0_pubkey(s->intermediate.get())) != 1) {
    return ossl::Internal("intermediate key signature does not verify");
  }
  const X509_ALGOR* outer_alg = nullptr;
  X509_get0_signature(nullptr, &outer_alg, s->sig_template.get());
  CA_TRY(s->sig_alg_der, AlgorithmDer(outer_alg));
  CA_TRY(Bytes tbs_alg_der, AlgorithmDer(X509_get0_tbs_sigalg(s->sig_template.get())));
  if (tbs_alg_der != s->sig_alg_der) return Fail(Errc::kInternal, "signing gave two signature algorithms");
  // The same self-test through the contexts Issue and SignOcspResponse sign with.
  CA_TRY(auto signing, SigningKey::Create(s->key.get(), s->md, X509_get0_pubkey(s->intermediate.get())));
  CA_TRY(Bytes probe_sig, signing.Sign(s->intermediate_der));
  CA_TRY(bool probe_ok, signing.Verify(s->intermediate_der, probe_sig));
  if (!probe_ok) return ossl::Internal("intermediate key signature (signing context) does not verify");
  s->signing.emplace(std::move(signing));
  CA_TRY(s->leaf_extensions, BuildLeafExtensions(s->intermediate.get(), s->revocation_urls));
  s->sha1.reset(EVP_MD_fetch(nullptr, "SHA1", nullptr));
  if (!s->sha1) return ossl::Internal("EVP_MD_fetch SHA1");
  s->id = g_next_issuer_id.fetch_add(1);
  return std::unique_ptr<Issuer>(new Issuer(std::move(s)));
}

Result<void> Issuer::SignOcspResponse(OCSP_BASICRESP* basic, UnixTime produced_at) const {
  if (basic == nullptr) return Fail(Errc::kInternal, "SignOcspResponse: no response");
  // OCSP_NOTIME leaves producedAt to us (the injected clock); the object exists already.
  ASN1_GENERALIZEDTIME* produced = const_cast<ASN1_GENERALIZEDTIME*>(OCSP_resp_get0_produced_at(basic));
  if (produced == nullptr || ASN1_GENERALIZEDTIME_set(produced, static_cast<time_t>(produced_at)) == nullptr) {
    return ossl::Internal("OCSP producedAt");
  }
  CA_TRY(auto ctx, s_->signing->SignContext());
  if (OCSP_basic_sign_ctx(basic, s_->intermediate.get(), ctx.get(), nullptr,
                          OCSP_RESPID_KEY | OCSP_NOCERTS | OCSP_NOTIME) != 1) {
    return ossl::Internal("OCSP_basic_sign_ctx");
  }
  return Ok();
}

Result<Bytes> Issuer::SignCrl(const CrlContents& contents) const {
  CA_TRY(auto crl, BuildCrl(s_->intermediate.get(), contents));
  if (X509_CRL_sign(crl.get(), s_->key.get(), s_->md) <= 0) return ossl::Internal("X509_CRL_sign");
  int len = i2d_X509_CRL(crl.get(), nullptr);
  if (len <= 0) return ossl::Internal("i2d_X509_CRL");
  Bytes der(static_cast<size_t>(len));
  unsigned char* p = der.data();
  if (i2d_X509_CRL(crl.get(), &p) != len) return ossl::Internal("i2d_X509_CRL");
  // Re-read what goes out and check it against the certificate, as Issue does for certificates.
  const unsigned char* in = der.data();
  ossl::UniquePtr<X509_CRL> back(d2i_X509_CRL(nullptr, &in, len));
  if (!back || in != der.data() + der.size()) return ossl::Internal("signed CRL does not parse");
  if (X509_CRL_verify(back.get(), X509_get0_pubkey(s_->intermediate.get())) != 1) {
    return ossl::Internal("signed CRL signature does not verify");
  }
  return der;
}

Result<Bytes> Issuer::IssueOcspResponderCert(EVP_PKEY* public_key, UnixTime not_before, UnixTime not_after,
                                             Rng& rng) const {
  if (public_key == nullptr) return Fail(Errc::kInternal, "IssueOcspResponderCert: no key");
  not_before = std::max(not_before, s_->not_before);
  not_after = std::min(not_after, s_->not_after);
  if (not_after <= not_before) return Fail(Errc::kInternal, "OCSP responder certificate: empty validity");
  ossl::UniquePtr<X509> cert(X509_new());
  if (!cert) return ossl::Internal("X509_new");
  X509* c = cert.get();
  X509* inter = s_->intermediate.get();
  if (X509_set_version(c, X509_VERSION_3) != 1) return ossl::Internal("X509_set_version");
  CA_TRY(auto serial, NewSerial(rng));
  if (X509_set_serialNumber(c, serial.get()) != 1) return ossl::Internal("X509_set_serialNumber");
  if (X509_set_issuer_name(c, X509_get_subject_name(inter)) != 1) return ossl::Internal("X509_set_issuer_name");
  // Subject: the intermediate's name with " OCSP Responder" appended to its CN, so logs tell them apart.
  std::string cn = "OCSP Responder";
  X509_NAME* inter_name = X509_get_subject_name(inter);
  if (int i = X509_NAME_get_index_by_NID(inter_name, NID_commonName, -1); i >= 0) {
    const ASN1_STRING* v = X509_NAME_ENTRY_get_data(X509_NAME_get_entry(inter_name, i));
    cn = std::string(reinterpret_cast<const char*>(ASN1_STRING_get0_data(v)), ASN1_STRING_length(v)) + " OCSP Responder";
  }
  CA_TRY(auto subject, ossl::MakeName({{"CN", cn}}));
  if (X509_set_subject_name(c, subject.get()) != 1) return ossl::Internal("X509_set_subject_name");
  if (X509_set_pubkey(c, public_key) != 1) return ossl::Internal("X509_set_pubkey");
  CA_RETURN_IF_ERROR(ossl::SetValidity(c, not_before, not_after));
  CA_RETURN_IF_ERROR(ossl::AddConfExtension(c, inter, NID_basic_constraints, "critical,CA:FALSE"));
  CA_RETURN_IF_ERROR(ossl::AddConfExtension(c, inter, NID_key_usage, "critical,digitalSignature"));
  CA_RETURN_IF_ERROR(ossl::AddConfExtension(c, inter, NID_ext_key_usage, "OCSPSigning"));
  CA_RETURN_IF_ERROR(ossl::AddConfExtension(c, inter, NID_id_pkix_OCSP_noCheck, "ignored"));
  CA_RETURN_IF_ERROR(ossl::AddConfExtension(c, inter, NID_subject_key_identifier, "hash"));
  CA_RETURN_IF_ERROR(ossl::AddConfExtension(c, inter, NID_authority_key_identifier, "keyid:always"));
  if (X509_sign(c, s_->key.get(), s_->md) <= 0) return ossl::Internal("X509_sign (OCSP responder)");
  if (X509_verify(c, X509_get0_pubkey(inter)) != 1) return ossl::Internal("OCSP responder certificate does not verify");
  return ossl::CertToDer(c);
}

Result<std::unique_ptr<IssuanceToken>> Issuer::Prepare(const IssueRequest& req, Rng& rng) {
  IssueRequest r = req;
  r.not_before = std::max(r.not_before, s_->not_before);
  CA_RETURN_IF_ERROR(LintRequest(r, s_->not_before, s_->not_after));

  ossl::UniquePtr<X509> cert(X509_new());
  if (!cert) return ossl::Internal("X509_new");
  if (X509_set_version(cert.get(), X509_VERSION_3) != 1) return ossl::Internal("X509_set_version");
  CA_TRY(auto serial, NewSerial(rng));
  if (X509_set_serialNumber(cert.get(), serial.get()) != 1) return ossl::Internal("X509_set_serialNumber");
  if (X509_set_issuer_name(cert.get(), X509_get_subject_name(s_->intermediate.get())) != 1) {
    return ossl::Internal("X509_set_issuer_name");
  }
  std::vector<std::pair<std::string, std::string>> rdns = r.device_subject;
  if (r.common_name) rdns.emplace_back("CN", *r.common_name);
  CA_TRY(auto subject, ossl::MakeName(rdns));
  if (X509_set_subject_name(cert.get(), subject.get()) != 1) return ossl::Internal("X509_set_subject_name");
  if (r.public_key_info != nullptr) {
    CA_RETURN_IF_ERROR(PublicKeyInfoIs(r.public_key_info, r.public_key));
    CA_RETURN_IF_ERROR(CopyPublicKeyInfo(r.public_key_info, X509_get_X509_PUBKEY(cert.get())));
  } else if (X509_set_pubkey(cert.get(), r.public_key) != 1) {
    return ossl::Internal("X509_set_pubkey");
  }
  CA_RETURN_IF_ERROR(ossl::SetValidity(cert.get(), r.not_before, r.not_after));

  X509* leaf = cert.get();
  // Copies of the extensions built at load, in the order their config strings used to add them.
  const LeafExtensions& x = s_->leaf_extensions;
  CA_RETURN_IF_ERROR(AddExtensionCopy(leaf, x.basic_constraints.get()));
  CA_RETURN_IF_ERROR(AddExtensionCopy(leaf, IsRsa(r.public_key) ? x.key_usage_rsa.get() : x.key_usage.get()));
  const X509_EXTENSION* eku = r.server_auth && r.client_auth ? x.eku_both.get()
                              : r.server_auth                ? x.eku_server.get()
                                                             : x.eku_client.get();
  CA_RETURN_IF_ERROR(AddExtensionCopy(leaf, eku));
  CA_RETURN_IF_ERROR(AddSubjectKeyId(leaf, s_->sha1.get()));
  CA_RETURN_IF_ERROR(AddExtensionCopy(leaf, x.authority_key_id.get()));
  if (s_->revocation_urls) {
    CA_RETURN_IF_ERROR(AddExtensionCopy(leaf, x.info_access.get()));
    CA_RETURN_IF_ERROR(AddExtensionCopy(leaf, x.crl_points.get()));
  }
  std::vector<ossl::SanEntry> sans;
  for (const auto& id : r.identifiers) {
    CA_TRY(auto e, SanEntryFor(id));
    sans.push_back(std::move(e));
  }
  for (const auto& [kind, value] : r.device_extra_sans) {
    CA_TRY(auto e, ExtraSanEntry(kind, value));
    sans.push_back(std::move(e));
  }
  // RFC 5280 §4.2.1.6: with an empty subject the SAN extension is critical.
  CA_RETURN_IF_ERROR(ossl::AddSubjectAltNames(leaf, sans, rdns.empty()));
  CA_RETURN_IF_ERROR(LintCertificate(leaf));
  if (s_->revocation_urls) CA_RETURN_IF_ERROR(LintRevocationPointers(leaf, *s_->revocation_urls));

  // The TBS carries the signature algorithm too: set it now, so the linted bytes are final.
  auto* tbs_alg = const_cast<X509_ALGOR*>(X509_get0_tbs_sigalg(leaf));
  if (X509_ALGOR_copy(tbs_alg, X509_get0_tbs_sigalg(s_->sig_template.get())) != 1) {
    return ossl::Internal("X509_ALGOR_copy");
  }
  auto token = std::unique_ptr<IssuanceToken>(new IssuanceToken());
  CA_TRY(token->tbs_, ossl::TbsDer(leaf));
  CA_TRY(token->serial_hex_, ossl::SerialHex(X509_get0_serialNumber(leaf)));
  token->cert_ = std::move(cert);
  token->issuer_ = this;
  token->issuer_id_ = s_->id;
  token->not_before_ = r.not_before;
  token->not_after_ = r.not_after;
  return token;
}

Result<IssuedCert> Issuer::Issue(std::unique_ptr<IssuanceToken> token) {
  if (!token || !token->cert_) return Fail(Errc::kInternal, "no issuance token (already redeemed?)");
  if (token->issuer_ != this || token->issuer_id_ != s_->id) {
    return Fail(Errc::kInternal, "issuance token was prepared by another issuer");
  }
  // The linted TBS bytes are what gets signed: no re-encoding of the certificate object between
  // lint and signature (OpenSSL's X509_sign encodes it again), so signing cannot change them.
  token->cert_.reset();  // redeemed; the object served the lints
  CA_TRY(Bytes signature, s_->signing->Sign(token->tbs_));

  IssuedCert out;
  out.der = CertificateDer(token->tbs_, s_->sig_alg_der, signature);
  // Read back what we hand out: it must carry exactly the linted TBS and our signature algorithm,
  // under a signature that verifies with the intermediate's key (a fault in signing must not leave
  // the CA). The check X509_verify makes, on the bytes that leave rather than a re-encoding.
  auto after = TbsOfCert(out.der);
  auto sig = SignatureOfCert(out.der);
  if (!after || !std::equal(after->begin(), after->end(), token->tbs_.begin(), token->tbs_.end())) {
    return Fail(Errc::kInternal, "signed TBS differs from the linted TBS");
  }
  if (!sig || !std::equal(sig->algorithm_der.begin(), sig->algorithm_der.end(), s_->sig_alg_der.begin(),
                          s_->sig_alg_der.end())) {
    return Fail(Errc::kInternal, "issued certificate has an unexpected signature algorithm");
  }
  CA_TRY(bool verified, s_->signing->Verify(*after, sig->value));
  if (!verified) return ossl::Internal("issued certificate signature does not verify");
  auto spki = SpkiOfTbs(*after);
  if (!spki) return Fail(Errc::kInternal, "issued certificate has no subjectPublicKeyInfo");
  out.pem = ossl::DerToPem(out.der, "CERTIFICATE");
  out.serial_hex = token->serial_hex_;
  out.not_before = token->not_before_;
  out.not_after = token->not_after_;
  out.spki_sha256_hex = Hex(ossl::Sha256(*spki));
  return out;
}

}  // namespace ca::issuance
