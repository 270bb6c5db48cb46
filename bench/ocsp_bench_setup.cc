// ocsp_bench_setup: fills a fresh attestca data folder with N issued certificates for the OCSP
// benchmark (bench/ocsp_bench.sh), straight through Issuer and the store (no ACME orders), and
// writes what the peer and the load generator need:
//   OUT/index.txt      the same set in `openssl ca` index format, for `openssl ocsp -index`
//   OUT/requests.bin   one DER OCSPRequest per certificate (SHA-1 CertID, no nonce, as OpenSSL
//                      clients send by default), each prefixed by its length (2 bytes, big-endian)
// Usage: ocsp_bench_setup CONFIG N OUT
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <fstream>
#include <string>

#include <openssl/ocsp.h>

#include "app/files.h"
#include "common/rng.h"
#include "config/config.h"
#include "issuance/ca_init.h"
#include "issuance/issuer.h"
#include "ossl/pem.h"
#include "ossl/x509_build.h"
#include "storage/store.h"

namespace {

int Die(const std::string& what, const std::string& detail) {
  std::fprintf(stderr, "ocsp_bench_setup: %s: %s\n", what.c_str(), detail.c_str());
  return 1;
}

// IndexTime: YYMMDDHHMMSSZ, as `openssl ca` writes expiry dates into index.txt.
std::string IndexTime(ca::UnixTime t) {
  std::time_t tt = static_cast<std::time_t>(t);
  std::tm tm{};
  gmtime_r(&tt, &tm);
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%02d%02d%02d%02d%02d%02dZ", tm.tm_year % 100, tm.tm_mon + 1, tm.tm_mday,
                tm.tm_hour, tm.tm_min, tm.tm_sec);
  return buf;
}

std::string Upper(std::string s) {
  for (char& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return s;
}

}  // namespace

int main(int argc, char** argv) {
  using namespace ca;  // NOLINT
  if (argc != 4) {
    std::fprintf(stderr, "usage: ocsp_bench_setup CONFIG N OUT\n");
    return 2;
  }
  const std::string out = argv[3];
  const long n = std::strtol(argv[2], nullptr, 10);
  if (n <= 0 || n > 10000000) return Die("N", "must be 1..10000000");
  auto cfg = config::LoadConfig(argv[1]);
  if (!cfg) return Die("config", cfg.error().detail);
  auto inter = app::ReadFile(cfg->Path(cfg->ca.intermediate_cert));
  auto key = app::ReadFile(cfg->Path(cfg->ca.intermediate_key));
  auto root = app::ReadFile(cfg->Path(cfg->ca.root_cert));
  if (!inter || !key || !root) return Die("CA files", "cannot read the intermediate or the root");
  auto issuer = issuance::Issuer::Load(*inter, *key, "", *root);
  if (!issuer) return Die("issuer", issuer.error().detail);
  auto store = storage::OpenSqliteStore(cfg->Path(cfg->database.path));
  if (!store) return Die("store", store.error().detail);
  auto inter_cert = ossl::CertFromPem(*inter);
  if (!inter_cert) return Die("intermediate", inter_cert.error().detail);

  // One key for every certificate: the responder never looks at the subject key.
  auto leaf_key = issuance::GenerateKey(issuance::KeyType::kEcP256);
  if (!leaf_key) return Die("key", leaf_key.error().detail);
  SystemRng rng;
  const UnixTime now = static_cast<UnixTime>(std::time(nullptr));
  std::ofstream index(out + "/index.txt", std::ios::binary);
  std::ofstream reqs(out + "/requests.bin", std::ios::binary);
  for (long i = 0; i < n; ++i) {
    const std::string name = "bench" + std::to_string(i) + ".ocsp.test";
    issuance::IssueRequest req;
    req.public_key = leaf_key->get();
    req.identifiers = {{"dns", name}};
    req.common_name = name;
    req.not_before = now - 60;
    req.not_after = now + 30 * 86400;
    auto token = (*issuer)->Prepare(req, rng);
    if (!token) return Die("prepare", token.error().detail);
    auto cert = (*issuer)->Issue(std::move(*token));
    if (!cert) return Die("issue", cert.error().detail);
    core::CertRecord rec;
    rec.id = "bench-" + cert->serial_hex;
    rec.serial_hex = cert->serial_hex;
    rec.account_id = "bench";
    rec.order_id = "bench-" + cert->serial_hex;
    rec.provisioner = "acme";
    rec.der = cert->der;
    rec.chain_pem = cert->pem + *inter;
    rec.not_before = cert->not_before;
    rec.not_after = cert->not_after;
    rec.spki_sha256_hex = cert->spki_sha256_hex;
    rec.identifiers = {{"dns", name}};
    if (auto r = (*store)->InsertCertificate(rec); !r) return Die("insert", r.error().detail);

    std::string serial = Upper(cert->serial_hex);
    if (serial.size() % 2 == 1) serial = "0" + serial;  // openssl ocsp matches the hex as printed
    index << "V\t" << IndexTime(cert->not_after) << "\t\t" << serial << "\tunknown\t/CN=" << name << "\n";

    auto x = ossl::CertFromDer(cert->der);
    if (!x) return Die("reparse", x.error().detail);
    OCSP_REQUEST* oreq = OCSP_REQUEST_new();
    OCSP_CERTID* id = OCSP_cert_to_id(EVP_sha1(), x->get(), inter_cert->get());
    if (oreq == nullptr || id == nullptr || OCSP_request_add0_id(oreq, id) == nullptr) return Die("request", "OCSP_*");
    unsigned char* der = nullptr;
    int len = i2d_OCSP_REQUEST(oreq, &der);
    OCSP_REQUEST_free(oreq);
    if (len <= 0 || len > 65535) return Die("request", "i2d_OCSP_REQUEST");
    const char prefix[2] = {static_cast<char>(len >> 8), static_cast<char>(len & 0xff)};
    reqs.write(prefix, 2);
    reqs.write(reinterpret_cast<const char*>(der), len);
    OPENSSL_free(der);
    if ((i + 1) % 1000 == 0) std::fprintf(stderr, "  %ld certificates\n", i + 1);
  }
  index.close();
  reqs.close();
  if (!index || !reqs) return Die("output", "writing index.txt or requests.bin failed");
  std::printf("%ld certificates issued and stored; %s/index.txt, %s/requests.bin\n", n, out.c_str(), out.c_str());
  return 0;
}
