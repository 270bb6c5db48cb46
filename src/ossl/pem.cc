#include "ossl/pem.h"

#include <openssl/pem.h>
#include <openssl/sha.h>

#include "common/base64.h"
#include "ossl/error.h"
#include "ossl/types.h"

namespace ca::ossl {
namespace {

UniquePtr<BIO> MemBio(std::string_view s) {
  return UniquePtr<BIO>(BIO_new_mem_buf(s.data(), static_cast<int>(s.size())));
}

std::string BioString(BIO* bio) {
  char* data = nullptr;
  long n = BIO_get_mem_data(bio, &data);
  return std::string(data, static_cast<size_t>(n));
}

// PassphraseCallback hands OpenSSL the passphrase we were given, and never prompts on a terminal
// (an unattended server must fail, not wait on stdin).
int PassphraseCallback(char* buf, int size, int /*rwflag*/, void* u) {
  const auto* pass = static_cast<const std::string*>(u);
  if (pass == nullptr || pass->empty() || pass->size() > static_cast<size_t>(size)) return -1;
  pass->copy(buf, pass->size());
  return static_cast<int>(pass->size());
}

}  // namespace

Result<UniquePtr<X509>> CertFromDer(ByteView der) {
  const unsigned char* p = der.data();
  UniquePtr<X509> cert(d2i_X509(nullptr, &p, static_cast<long>(der.size())));
  if (!cert) return Fail(Errc::kMalformed, ErrorString("certificate does not parse"));
  if (p != der.data() + der.size()) return Fail(Errc::kMalformed, "certificate has trailing bytes");
  return cert;
}

Result<UniquePtr<X509>> CertFromPem(std::string_view pem) {
  auto bio = MemBio(pem);
  UniquePtr<X509> cert(PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr));
  if (!cert) return Fail(Errc::kMalformed, ErrorString("PEM certificate does not parse"));
  return cert;
}

Result<std::vector<UniquePtr<X509>>> CertsFromPem(std::string_view pem) {
  auto bio = MemBio(pem);
  std::vector<UniquePtr<X509>> out;
  while (true) {
    UniquePtr<X509> cert(PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr));
    if (!cert) break;
    out.push_back(std::move(cert));
  }
  ERR_clear_error();  // the loop ends on "no start line"
  if (out.empty()) return Fail(Errc::kMalformed, "no certificate in PEM bundle");
  return out;
}

Result<Bytes> CertToDer(X509* cert) {
  int n = i2d_X509(cert, nullptr);
  if (n <= 0) return Internal("i2d_X509");
  Bytes out(static_cast<size_t>(n));
  unsigned char* p = out.data();
  i2d_X509(cert, &p);
  return out;
}

Result<std::string> CertToPem(X509* cert) {
  UniquePtr<BIO> bio(BIO_new(BIO_s_mem()));
  if (!bio || PEM_write_bio_X509(bio.get(), cert) != 1) return Internal("PEM_write_bio_X509");
  return BioString(bio.get());
}

std::string DerToPem(ByteView der, std::string_view label) {
  std::string b64 = Base64Encode(der);
  std::string out = "-----BEGIN " + std::string(label) + "-----\n";
  for (size_t i = 0; i < b64.size(); i += 64) {
    out += b64.substr(i, 64);
    out += '\n';
  }
  out += "-----END " + std::string(label) + "-----\n";
  return out;
}

Result<UniquePtr<X509_REQ>> CsrFromDer(ByteView der) {
  const unsigned char* p = der.data();
  UniquePtr<X509_REQ> req(d2i_X509_REQ(nullptr, &p, static_cast<long>(der.size())));
  if (!req) return Fail(Errc::kBadCsr, ErrorString("CSR does not parse"));
  if (p != der.data() + der.size()) return Fail(Errc::kBadCsr, "CSR has trailing bytes");
  return req;
}

Result<std::string> PrivateKeyToPem(EVP_PKEY* key, std::string_view passphrase) {
  UniquePtr<BIO> bio(BIO_new(BIO_s_mem()));
  int ok;
  if (passphrase.empty()) {
    ok = PEM_write_bio_PrivateKey(bio.get(), key, nullptr, nullptr, 0, nullptr, nullptr);
  } else {
    ok = PEM_write_bio_PKCS8PrivateKey(bio.get(), key, EVP_aes_256_cbc(), passphrase.data(),
                                       static_cast<int>(passphrase.size()), nullptr, nullptr);
  }
  if (ok != 1) return Internal("PEM_write_bio_PrivateKey");
  return BioString(bio.get());
}

Result<UniquePtr<EVP_PKEY>> PrivateKeyFromPem(std::string_view pem, std::string_view passphrase) {
  auto bio = MemBio(pem);
  std::string pass(passphrase);
  UniquePtr<EVP_PKEY> key(PEM_read_bio_PrivateKey(bio.get(), nullptr, PassphraseCallback, &pass));
  OPENSSL_cleanse(pass.data(), pass.size());
  if (!key) return Fail(Errc::kInternal, ErrorString("private key does not load (wrong passphrase?)"));
  return key;
}

Result<Bytes> PublicKeyToDer(EVP_PKEY* key) {
  int n = i2d_PUBKEY(key, nullptr);
  if (n <= 0) return Internal("i2d_PUBKEY");
  Bytes out(static_cast<size_t>(n));
  unsigned char* p = out.data();
  i2d_PUBKEY(key, &p);
  return out;
}

Result<UniquePtr<EVP_PKEY>> PublicKeyFromDer(ByteView der) {
  const unsigned char* p = der.data();
  UniquePtr<EVP_PKEY> key(d2i_PUBKEY(nullptr, &p, static_cast<long>(der.size())));
  if (!key) return Fail(Errc::kMalformed, ErrorString("public key does not parse"));
  if (p != der.data() + der.size()) return Fail(Errc::kMalformed, "public key has trailing bytes");
  return key;
}

Bytes Sha256(ByteView data) {
  Bytes out(SHA256_DIGEST_LENGTH);
  SHA256(data.data(), data.size(), out.data());
  return out;
}

}  // namespace ca::ossl
