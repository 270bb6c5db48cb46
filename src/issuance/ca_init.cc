// CreateCa: root (20 years) -> intermediate (10 years, pathlen 0) -> TLS server certificate (1 year).
#include <algorithm>
#include <cctype>
#include <utility>

#include "issuance/ca_init.h"
#include "issuance/internal.h"
#include "ossl/error.h"
#include "ossl/pem.h"
#include "ossl/types.h"
#include "ossl/x509_build.h"

namespace ca::issuance {
namespace {

constexpr UnixTime kDay = 24 * 3600;
constexpr UnixTime kRootLifetime = 7305 * kDay;          // 20 years
constexpr UnixTime kIntermediateLifetime = 3653 * kDay;  // 10 years
constexpr UnixTime kTlsLifetime = 365 * kDay;

struct CertSpec {
  X509_NAME* subject = nullptr;
  EVP_PKEY* public_key = nullptr;
  X509* issuer = nullptr;  // nullptr: self-signed
  EVP_PKEY* issuer_key = nullptr;
  UnixTime not_before = 0;
  UnixTime not_after = 0;
  std::vector<std::pair<int, std::string>> extensions;  // (nid, conf value), in order
  std::vector<ossl::SanEntry> sans;
};

Result<ossl::UniquePtr<X509>> BuildAndSign(const CertSpec& spec, Rng& rng) {
  ossl::UniquePtr<X509> cert(X509_new());
  if (!cert) return ossl::Internal("X509_new");
  if (X509_set_version(cert.get(), X509_VERSION_3) != 1) return ossl::Internal("X509_set_version");
  CA_TRY(auto serial, NewSerial(rng));
  if (X509_set_serialNumber(cert.get(), serial.get()) != 1) return ossl::Internal("X509_set_serialNumber");
  X509_NAME* issuer_name = spec.issuer ? X509_get_subject_name(spec.issuer) : spec.subject;
  if (X509_set_subject_name(cert.get(), spec.subject) != 1 || X509_set_issuer_name(cert.get(), issuer_name) != 1) {
    return ossl::Internal("X509_set_*_name");
  }
  if (X509_set_pubkey(cert.get(), spec.public_key) != 1) return ossl::Internal("X509_set_pubkey");
  CA_RETURN_IF_ERROR(ossl::SetValidity(cert.get(), spec.not_before, spec.not_after));
  X509* issuer = spec.issuer ? spec.issuer : cert.get();
  for (const auto& [nid, value] : spec.extensions) {
    CA_RETURN_IF_ERROR(ossl::AddConfExtension(cert.get(), issuer, nid, value));
  }
  if (!spec.sans.empty()) CA_RETURN_IF_ERROR(ossl::AddSubjectAltNames(cert.get(), spec.sans, false));
  if (X509_sign(cert.get(), spec.issuer_key, ossl::SignatureDigestFor(spec.issuer_key)) <= 0) {
    return ossl::Internal("X509_sign");
  }
  return cert;
}

std::string Lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

}  // namespace

Result<CaMaterial> CreateCa(const CaOptions& opts, Rng& rng, UnixTime now) {
  if (opts.name.empty()) return Fail(Errc::kMalformed, "CA name is empty");
  if (opts.tls_names.empty()) return Fail(Errc::kMalformed, "no names for the TLS server certificate");
  std::vector<ossl::SanEntry> tls_sans;
  for (const auto& n : opts.tls_names) {
    ossl::SanEntry e;
    if (auto ip = ParseIpLiteral(n)) {
      e.kind = ossl::SanEntry::Kind::kIp;
      e.ip = std::move(*ip);
    } else if (!n.empty()) {
      e.dns = Lower(n);
    } else {
      return Fail(Errc::kMalformed, "empty TLS server name");
    }
    tls_sans.push_back(std::move(e));
  }

  CA_TRY(auto root_key, GenerateKey(opts.key_type));
  CA_TRY(auto inter_key, GenerateKey(opts.key_type));
  CA_TRY(auto tls_key, GenerateKey(KeyType::kEcP256));

  CA_TRY(auto root_name, ossl::MakeName({{"O", opts.name}, {"CN", opts.name + " Root CA"}}));
  CertSpec root_spec;
  root_spec.subject = root_name.get();
  root_spec.public_key = root_key.get();
  root_spec.issuer_key = root_key.get();
  root_spec.not_before = now;
  root_spec.not_after = now + kRootLifetime;
  root_spec.extensions = {{NID_basic_constraints, "critical,CA:TRUE"},
                          {NID_key_usage, "critical,keyCertSign,cRLSign"},
                          {NID_subject_key_identifier, "hash"}};
  CA_TRY(auto root, BuildAndSign(root_spec, rng));

  CA_TRY(auto inter_name, ossl::MakeName({{"O", opts.name}, {"CN", opts.name + " Intermediate CA"}}));
  CertSpec inter_spec;
  inter_spec.subject = inter_name.get();
  inter_spec.public_key = inter_key.get();
  inter_spec.issuer = root.get();
  inter_spec.issuer_key = root_key.get();
  inter_spec.not_before = now;
  inter_spec.not_after = now + kIntermediateLifetime;
  inter_spec.extensions = {{NID_basic_constraints, "critical,CA:TRUE,pathlen:0"},
                           {NID_key_usage, "critical,keyCertSign,cRLSign,digitalSignature"},
                           {NID_subject_key_identifier, "hash"},
                           {NID_authority_key_identifier, "keyid:always"}};
  CA_TRY(auto inter, BuildAndSign(inter_spec, rng));

  std::vector<std::pair<std::string, std::string>> tls_rdns;
  if (opts.tls_names.front().size() <= 64) tls_rdns.emplace_back("CN", opts.tls_names.front());
  CA_TRY(auto tls_name, ossl::MakeName(tls_rdns));
  CertSpec tls_spec;
  tls_spec.subject = tls_name.get();
  tls_spec.public_key = tls_key.get();
  tls_spec.issuer = inter.get();
  tls_spec.issuer_key = inter_key.get();
  tls_spec.not_before = now;
  tls_spec.not_after = std::min(now + kTlsLifetime, inter_spec.not_after);
  tls_spec.extensions = {{NID_basic_constraints, "critical,CA:FALSE"},
                         {NID_key_usage, "critical,digitalSignature"},
                         {NID_ext_key_usage, "serverAuth"},
                         {NID_subject_key_identifier, "hash"},
                         {NID_authority_key_identifier, "keyid:always"}};
  tls_spec.sans = std::move(tls_sans);
  CA_TRY(auto tls, BuildAndSign(tls_spec, rng));

  CaMaterial m;
  CA_TRY(m.root_cert_pem, ossl::CertToPem(root.get()));
  CA_TRY(m.root_key_pem, ossl::PrivateKeyToPem(root_key.get(), opts.passphrase));
  CA_TRY(m.intermediate_cert_pem, ossl::CertToPem(inter.get()));
  CA_TRY(m.intermediate_key_pem, ossl::PrivateKeyToPem(inter_key.get(), opts.passphrase));
  CA_TRY(std::string tls_pem, ossl::CertToPem(tls.get()));
  m.tls_chain_pem = tls_pem + m.intermediate_cert_pem;
  CA_TRY(m.tls_key_pem, ossl::PrivateKeyToPem(tls_key.get(), ""));
  return m;
}

}  // namespace ca::issuance
