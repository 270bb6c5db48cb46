// Hot-path benchmarks: what one ACME issuance and one OCSP answer cost in our own code, piece by
// piece. Inputs (CA, keys, CSR, JWS, stored certificates) are built before the timed loop; every
// iteration's result is checked, so a regression that makes a step fail aborts instead of timing
// an error path. bench/README.md lists what each one measures.
#include <benchmark/benchmark.h>

#include <cstdio>
#include <ctime>
#include <filesystem>
#include <memory>
#include <string>
#include <unistd.h>

#include <openssl/ocsp.h>
#include <openssl/x509.h>

#include "acme/jwk.h"
#include "acme/jws.h"
#include "bench_data.h"
#include "common/base64.h"
#include "common/log.h"
#include "common/rng.h"
#include "http/message.h"
#include "issuance/ca_init.h"
#include "issuance/issuer.h"
#include "ocsp/http_endpoint.h"
#include "ocsp/request.h"
#include "ocsp/responder.h"
#include "ossl/pem.h"
#include "policy/csr_check.h"
#include "storage/store.h"
#include "support/csr_builder.h"
#include "support/jws_signer.h"

namespace ca::bench {
namespace {

UnixTime WallNow() { return static_cast<UnixTime>(std::time(nullptr)); }

// Ca is a CA as `attestca init` makes it (EC P-256 root and intermediate), loaded as the server
// loads it, with AIA/CRLDP URLs so certificates have the production profile.
struct Ca {
  std::unique_ptr<issuance::Issuer> issuer;
  ossl::UniquePtr<X509> intermediate;
};

Ca MakeCa() {
  SystemRng rng;
  auto material = Must(issuance::CreateCa(issuance::CaOptions{}, rng, WallNow()), "CreateCa");
  issuance::IssuerOptions opts;
  opts.revocation_urls = issuance::RevocationUrlsFor("http://ca.bench.test:8080");
  Ca ca;
  ca.issuer = Must(issuance::Issuer::Load(material.intermediate_cert_pem, material.intermediate_key_pem, "",
                                          material.root_cert_pem, opts),
                   "Issuer::Load");
  ca.intermediate = Must(ossl::CertFromPem(material.intermediate_cert_pem), "intermediate");
  return ca;
}

// SubjectKey is a P-256 key with its SubjectPublicKeyInfo, as finalize has them from the CSR.
struct SubjectKey {
  ossl::UniquePtr<EVP_PKEY> key;
  X509_PUBKEY* info = nullptr;
  SubjectKey() : key(testing::MakeEcKey("P-256")) {
    Require(X509_PUBKEY_set(&info, key.get()) == 1, "X509_PUBKEY_set");
  }
  ~SubjectKey() { X509_PUBKEY_free(info); }
  SubjectKey(const SubjectKey&) = delete;
  SubjectKey& operator=(const SubjectKey&) = delete;
};

// IssueOne signs a certificate for name as finalize does (P-256 subject key given with its encoded
// SubjectPublicKeyInfo, as the CSR carries it; 90 days).
issuance::IssuedCert IssueOne(issuance::Issuer& issuer, const SubjectKey& key, const std::string& name, Rng& rng) {
  issuance::IssueRequest req;
  req.public_key = key.key.get();
  req.public_key_info = key.info;
  req.identifiers = {{"dns", name}};
  req.common_name = name;
  req.not_before = WallNow() - 60;
  req.not_after = req.not_before + 90 * 86400;
  auto token = Must(issuer.Prepare(req, rng), "Prepare");
  return Must(issuer.Issue(std::move(token)), "Issue");
}

core::CertRecord RecordFor(const issuance::IssuedCert& cert, const std::string& id, const std::string& name) {
  core::CertRecord rec;
  rec.id = id;
  rec.serial_hex = cert.serial_hex;
  rec.account_id = "bench-account";
  rec.order_id = "order-" + id;
  rec.provisioner = "acme";
  rec.der = cert.der;
  rec.chain_pem = cert.pem;
  rec.not_before = cert.not_before;
  rec.not_after = cert.not_after;
  rec.spki_sha256_hex = cert.spki_sha256_hex;
  rec.identifiers = {{"dns", name}};
  return rec;
}

// --- ACME: JWS, CSR, signing, storing -------------------------------------------------------------

// A finalize request as a client sends it: ES256, kid, nonce, url, payload {"csr": ...}.
struct SignedRequest {
  ossl::UniquePtr<EVP_PKEY> account_key;
  std::string stored_jwk_json;  // the account key as the store keeps it
  std::string body;             // the flattened JWS
};

SignedRequest MakeFinalizeRequest() {
  SignedRequest r;
  r.account_key = testing::GenerateTestKey("P-256");
  r.stored_jwk_json = Must(acme::JwkFromPublicKey(r.account_key.get()), "JwkFromPublicKey").canonical_json;
  auto csr_key = testing::MakeEcKey("P-256");
  testing::CsrOptions csr_opts;
  csr_opts.dns_names = {"device-1234.bench.test"};
  const Bytes csr = testing::MakeCsrDer(csr_key.get(), csr_opts);
  nlohmann::json header = {{"kid", "https://ca.bench.test/acme/acme/acct/Xy3kq9PLd8s"},
                           {"nonce", "3X1sJ3b6VJzNYqGLm8rrfQpwGZXc8D7xQ7yXWxqAJcM"},
                           {"url", "https://ca.bench.test/acme/acme/order/k3mD9vQ2/finalize"}};
  nlohmann::json payload = {{"csr", Base64UrlEncode(csr)}};
  r.body = testing::SignJws(r.account_key.get(), "ES256", header, payload.dump());
  return r;
}

// What Wfe::Authenticate does with a kid request, minus the nonce and the account read: parse the
// flattened JWS, parse the stored account JWK, verify the ES256 signature.
void BM_JwsVerify_Es256Kid(benchmark::State& state) {
  const SignedRequest r = MakeFinalizeRequest();
  for (auto _ : state) {
    auto jws = Must(acme::ParseJws(r.body), "ParseJws");
    auto stored = Must(ParseJsonBounded(r.stored_jwk_json), "stored JWK");
    auto key = Must(acme::ParseJwk(stored), "ParseJwk");
    Check(acme::VerifyJws(jws, key.key.get()), "VerifyJws");
    benchmark::DoNotOptimize(jws.payload.data());
  }
}
BENCHMARK(BM_JwsVerify_Es256Kid);

// The signature check alone, on a parsed JWS and key: the crypto floor of the one above.
void BM_JwsVerify_Es256SignatureOnly(benchmark::State& state) {
  const SignedRequest r = MakeFinalizeRequest();
  const auto jws = Must(acme::ParseJws(r.body), "ParseJws");
  const auto key = Must(acme::JwkFromPublicKey(r.account_key.get()), "JwkFromPublicKey");
  for (auto _ : state) Check(acme::VerifyJws(jws, key.key.get()), "VerifyJws");
}
BENCHMARK(BM_JwsVerify_Es256SignatureOnly);

// finalize's CSR steps: DER parse, self-signature, key policy, names against the order.
void BM_CsrParseVerify_P256(benchmark::State& state) {
  auto key = testing::MakeEcKey("P-256");
  testing::CsrOptions opts;
  opts.common_name = "device-1234.bench.test";
  opts.dns_names = {"device-1234.bench.test"};
  const Bytes csr = testing::MakeCsrDer(key.get(), opts);
  const std::vector<core::Identifier> order = {{"dns", "device-1234.bench.test"}};
  for (auto _ : state) {
    auto parsed = Must(policy::ParseCsr(csr), "ParseCsr");
    Check(policy::CheckCsrNames(parsed, order), "CheckCsrNames");
    benchmark::DoNotOptimize(parsed.key.get());
  }
}
BENCHMARK(BM_CsrParseVerify_P256);

// issuance::Issuer as finalize calls it: build and lint the TBSCertificate (Prepare), sign it with
// the P-256 intermediate and encode it (Issue).
void BM_IssueCertificate_P256(benchmark::State& state) {
  Ca ca = MakeCa();
  const SubjectKey key;
  SystemRng rng;
  for (auto _ : state) {
    auto cert = IssueOne(*ca.issuer, key, "device-1234.bench.test", rng);
    Require(!cert.der.empty() && !cert.serial_hex.empty(), "Issue", "empty certificate");
  }
}
BENCHMARK(BM_IssueCertificate_P256);

// TempDb is a database file that goes away with the benchmark.
struct TempDb {
  std::string path;
  TempDb() {
    char tmpl[] = "/tmp/attestca-bench-XXXXXX";
    Require(mkdtemp(tmpl) != nullptr, "mkdtemp");
    path = std::string(tmpl) + "/ca.db";
  }
  ~TempDb() { std::filesystem::remove_all(std::filesystem::path(path).parent_path()); }
};

// Store::InsertCertificate of one issued certificate (about 700 bytes of DER plus its chain PEM),
// each iteration a new id and serial. `file`: a temporary database with the server's settings
// (WAL, synchronous=FULL: every insert is durable before it returns, an fsync of the WAL);
// `memory`: ":memory:", the SQL and B-tree work without the disk.
void BM_StoreInsertCertificate(benchmark::State& state, bool on_file) {
  Ca ca = MakeCa();
  const SubjectKey key;
  SystemRng rng;
  const auto cert = IssueOne(*ca.issuer, key, "device-1234.bench.test", rng);
  TempDb db;
  auto store = Must(storage::OpenSqliteStore(on_file ? db.path : ":memory:"), "OpenSqliteStore");
  core::CertRecord rec = RecordFor(cert, "c", "device-1234.bench.test");
  uint64_t n = 0;
  for (auto _ : state) {
    ++n;
    rec.id = "cert-" + std::to_string(n);
    rec.serial_hex = cert.serial_hex + std::to_string(n);  // unique, and hex like a real serial
    Check(store->InsertCertificate(rec), "InsertCertificate");
  }
}
BENCHMARK_CAPTURE(BM_StoreInsertCertificate, file_wal_full, true)->UseRealTime();
BENCHMARK_CAPTURE(BM_StoreInsertCertificate, memory, false);

// --- OCSP -----------------------------------------------------------------------------------------

// OcspSetup is a responder over a :memory: store holding `count` issued certificates, and a
// client's request (SHA-1 CertID, no nonce: OpenSSL's default) for each.
struct OcspSetup {
  Ca ca;
  SystemClock clock;
  std::unique_ptr<storage::Store> store;
  std::unique_ptr<ocsp::Responder> responder;
  std::vector<Bytes> requests;
};

std::unique_ptr<OcspSetup> MakeOcsp(int count, size_t cache_entries) {
  auto s = std::make_unique<OcspSetup>();
  s->ca = MakeCa();
  s->store = Must(storage::OpenSqliteStore(":memory:"), "OpenSqliteStore");
  ocsp::ResponderOptions opts;
  opts.cache_entries = cache_entries;
  s->responder = Must(ocsp::Responder::Create(*s->ca.issuer, *s->store, s->clock, opts), "Responder::Create");
  const SubjectKey key;
  SystemRng rng;
  for (int i = 0; i < count; ++i) {
    const std::string name = "ocsp" + std::to_string(i) + ".bench.test";
    const auto cert = IssueOne(*s->ca.issuer, key, name, rng);
    Check(s->store->InsertCertificate(RecordFor(cert, "c" + std::to_string(i), name)), "InsertCertificate");
    auto x = Must(ossl::CertFromDer(cert.der), "CertFromDer");
    ossl::UniquePtr<OCSP_REQUEST> req(OCSP_REQUEST_new());
    OCSP_CERTID* id = OCSP_cert_to_id(EVP_sha1(), x.get(), s->ca.intermediate.get());
    Require(req != nullptr && id != nullptr && OCSP_request_add0_id(req.get(), id) != nullptr, "OCSP request");
    unsigned char* der = nullptr;
    const int len = i2d_OCSP_REQUEST(req.get(), &der);
    Require(len > 0, "i2d_OCSP_REQUEST");
    s->requests.emplace_back(der, der + len);
    OPENSSL_free(der);
  }
  return s;
}

// Good aborts unless a is a signed successful answer.
void Good(const ocsp::Answer& a) {
  Require(a.status == ocsp::ResponseStatus::kSuccessful && a.der.size() > 100, "Respond", a.detail);
  benchmark::DoNotOptimize(a.der.data());
}

// Responder::Respond on the cache-hit path, what nearly every request takes: parse the request,
// check the issuer, read the certificate's status, take the pre-signed answer from the cache.
void BM_OcspRespond_CacheHit(benchmark::State& state) {
  auto s = MakeOcsp(64, 1000);
  for (const Bytes& r : s->requests) Good(s->responder->Respond(r, true));  // signs each once
  const uint64_t signed_before = s->responder->stats().signatures;
  size_t i = 0;
  for (auto _ : state) {
    Good(s->responder->Respond(s->requests[i], true));
    i = (i + 1) % s->requests.size();
  }
  Require(s->responder->stats().signatures == signed_before, "cache hit", "an answer was signed in the loop");
}
BENCHMARK(BM_OcspRespond_CacheHit);

// The same through the HTTP binding (ocsp::HttpEndpoint): a POST as the server hands it over, and
// the response with its caching headers (Date, Last-Modified, Expires, ETag, Cache-Control).
void BM_OcspHttpPost_CacheHit(benchmark::State& state) {
  auto s = MakeOcsp(64, 1000);
  ocsp::HttpEndpoint endpoint(*s->responder, s->clock);
  std::vector<http::Request> reqs;
  for (const Bytes& r : s->requests) {
    http::Request req;
    req.method = "POST";
    req.target = req.path = "/ocsp";
    req.headers = {{"host", "ca.bench.test:8080"}, {"content-type", "application/ocsp-request"}};
    req.body.assign(r.begin(), r.end());
    req.remote_address = "127.0.0.1:40000";
    Require(endpoint.Handle(req).status == 200, "warm-up");
    reqs.push_back(std::move(req));
  }
  size_t i = 0;
  for (auto _ : state) {
    http::Response res = endpoint.Handle(reqs[i]);
    Require(res.status == 200 && res.body.size() > 100, "HttpEndpoint::Handle", std::to_string(res.status));
    benchmark::DoNotOptimize(res.body.data());
    i = (i + 1) % reqs.size();
  }
}
BENCHMARK(BM_OcspHttpPost_CacheHit);

// A re-sign: a cache of one entry and two certificates asked in turn, so every request misses and
// takes the path of a revocation or a refresh (resolve, build and sign the BasicOCSPResponse, hash
// it for the ETag, store it in the cache).
void BM_OcspRespond_Resign(benchmark::State& state) {
  auto s = MakeOcsp(2, 1);
  size_t i = 0;
  for (auto _ : state) {
    Good(s->responder->Respond(s->requests[i], true));
    i ^= 1;
  }
  Require(s->responder->stats().cache_hits == 0, "re-sign", "a request was answered from the cache");
}
BENCHMARK(BM_OcspRespond_Resign);

// Responder::Presign as finalize calls it after storing a certificate: sign and cache its answers
// in SHA-1 and SHA-256. A cache of two entries and two certificates presigned in turn, so every
// iteration signs both answers (nothing is still cached from the iteration before).
void BM_OcspPresign(benchmark::State& state) {
  auto s = MakeOcsp(2, 2);
  std::vector<std::string> serials;
  for (const Bytes& r : s->requests) {
    serials.push_back(Must(ocsp::ParseRequest(r), "ParseRequest").cert_ids.front().serial_hex);
  }
  size_t i = 0;
  uint64_t presigned = 0;
  for (auto _ : state) {
    Check(s->responder->Presign(serials[i]), "Presign");
    ++presigned;
    i ^= 1;
  }
  Require(s->responder->stats().signatures == 2 * presigned, "presign", "not two signatures per Presign");
}
BENCHMARK(BM_OcspPresign);

// Quiet: audit and access lines would measure the logger (the OCSP benchmark runs at "warn").
const bool kQuiet = [] {
  log::Init(log::Level::kWarn, false);
  return true;
}();

}  // namespace
}  // namespace ca::bench
