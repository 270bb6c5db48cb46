#include "attestation/roots.h"

#include <memory>
#include <optional>

#include "attestation/roots/builtin_pem.h"
#include "common/check.h"
#include "ossl/pem.h"
#include "ossl/types.h"

namespace ca::attestation {
namespace {

// UntrustedStack holds borrowed X509 pointers (sk_X509_free frees the stack, not the certificates).
struct StackFree {
  void operator()(STACK_OF(X509) * s) const { sk_X509_free(s); }
};
using UntrustedStack = std::unique_ptr<STACK_OF(X509), StackFree>;

Result<void> AddAll(std::string_view pem, std::vector<ossl::UniquePtr<X509>>* out) {
  CA_TRY(auto certs, ossl::CertsFromPem(pem));
  for (auto& c : certs) out->push_back(std::move(c));
  return Ok();
}

tl::unexpected<Error> BadChain(const std::string& why) {
  return Fail(Errc::kBadAttestation, "attestation chain does not verify: " + why);
}

}  // namespace

TrustRoots::TrustRoots() = default;
TrustRoots::TrustRoots(std::string format) : format_(std::move(format)) {}
TrustRoots::TrustRoots(TrustRoots&&) noexcept = default;
TrustRoots& TrustRoots::operator=(TrustRoots&&) noexcept = default;
TrustRoots::~TrustRoots() = default;

Result<TrustRoots> TrustRoots::FromPem(std::string format, std::string_view pem) {
  TrustRoots roots(std::move(format));
  CA_RETURN_IF_ERROR(roots.AddRootsPem(pem));
  return roots;
}

Result<void> TrustRoots::AddRootsPem(std::string_view pem) { return AddAll(pem, &roots_); }

Result<void> TrustRoots::AddIntermediatesPem(std::string_view pem) { return AddAll(pem, &intermediates_); }

TrustRoots BuiltinRoots(std::string_view format) {
  TrustRoots roots{std::string(format)};
  if (format == "apple") {
    auto added = roots.AddRootsPem(builtin::kAppleEnterpriseAttestationRootPem);
    CA_CHECK(added.has_value());  // compiled-in constant
  } else if (format == "step") {
    // YubiKey PIV attestation (step-ca's defaults): the 2016 PIV root for firmware < 5.7.4, Yubico
    // Attestation Root 1 for 5.7.4+. A 5.7.4+ key may send only leaf + f9, so the 2024 intermediates
    // are compiled in as untrusted path-building material (never anchors).
    //
    // YubiKey 4 (firmware 4.x) is refused, deliberately: its f9 certificate has no basicConstraints
    // (and the fw 4.3.7 f9 is signed by the U2F root, whose pathlen=0 fails too), so RFC 5280 path
    // validation rejects it ("invalid CA certificate"). We do not relax VerifyChain to
    // signature-only chaining for it (as piv-go does); smallstep refuses these keys as well
    // (Test_doStepAttestationFormat_noCAIntermediate). See tests/attestation/step_test.cc.
    bool ok = roots.AddRootsPem(builtin::kYubicoPivRootCaPem).has_value();
    ok = ok && roots.AddRootsPem(builtin::kYubicoAttestationRoot1Pem).has_value();
    ok = ok && roots.AddIntermediatesPem(builtin::kYubicoAttestation2024IntermediatesPem).has_value();
    CA_CHECK(ok);  // compiled-in constants
  } else if (format == "android-key") {
    // Google's published roots: the four RSA roots (one subject, see VerifyChainPath's
    // anchor_by_signature) and the 2025 EC root. step-ca ships only root 4 and the EC root; roots
    // 1-3 still anchor devices in the field (the Galaxy S9+ and Pixel 8a samples).
    bool ok = roots.AddRootsPem(builtin::kGoogleHardwareAttestationRootsPem).has_value();
    ok = ok && roots.AddRootsPem(builtin::kGoogleKeyAttestationCa1Pem).has_value();
    CA_CHECK(ok);  // compiled-in constants
  }
  return roots;
}

namespace {

// IgnoreLeafTime accepts a leaf outside its validity period (ChainOptions::ignore_leaf_validity).
int IgnoreLeafTime(int ok, X509_STORE_CTX* ctx) {
  if (ok == 0 && X509_STORE_CTX_get_error_depth(ctx) == 0) {
    const int err = X509_STORE_CTX_get_error(ctx);
    if (err == X509_V_ERR_CERT_NOT_YET_VALID || err == X509_V_ERR_CERT_HAS_EXPIRED) {
      X509_STORE_CTX_set_error(ctx, X509_V_OK);
      return 1;
    }
  }
  return ok;
}

// ChainFailure is one X509_verify_cert failure: the OpenSSL error and its depth.
struct ChainFailure {
  int err = X509_V_OK;
  int depth = 0;
  std::string Text() const {
    return std::string(X509_verify_cert_error_string(err)) + " (depth " + std::to_string(depth) + ")";
  }
  // Specific failures (expiry, constraints) say more than "this anchor did not sign it".
  bool IsIssuerMismatch() const {
    return err == X509_V_ERR_CERT_SIGNATURE_FAILURE || err == X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY ||
           err == X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT || err == X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN ||
           err == X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT || err == X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE;
  }
};

// VerifyWith runs X509_verify_cert with these anchors. Returns the path, or fills *failure.
Result<std::optional<VerifiedChain>> VerifyWith(const std::vector<ossl::UniquePtr<X509>>& certs,
                                                const std::vector<X509*>& anchors, const TrustRoots& roots,
                                                UnixTime at, const ChainOptions& opts, ChainFailure* failure) {
  ossl::UniquePtr<X509_STORE> store(X509_STORE_new());
  UntrustedStack untrusted(sk_X509_new_null());
  ossl::UniquePtr<X509_STORE_CTX> ctx(X509_STORE_CTX_new());
  if (!store || !untrusted || !ctx) return Fail(Errc::kInternal, "VerifyChain: out of memory");
  for (X509* root : anchors) {
    if (X509_STORE_add_cert(store.get(), root) != 1) {
      ERR_clear_error();  // a duplicate anchor in the bundle is harmless
    }
  }
  for (size_t i = 1; i < certs.size(); ++i) {
    if (sk_X509_push(untrusted.get(), certs[i].get()) <= 0) return Fail(Errc::kInternal, "sk_X509_push");
  }
  for (const auto& c : roots.intermediates()) {
    if (sk_X509_push(untrusted.get(), c.get()) <= 0) return Fail(Errc::kInternal, "sk_X509_push");
  }
  if (X509_STORE_CTX_init(ctx.get(), store.get(), certs[0].get(), untrusted.get()) != 1) {
    ERR_clear_error();
    return Fail(Errc::kInternal, "X509_STORE_CTX_init");
  }
  X509_VERIFY_PARAM* param = X509_STORE_CTX_get0_param(ctx.get());
  X509_VERIFY_PARAM_set_time(param, static_cast<time_t>(at));
  X509_VERIFY_PARAM_set_flags(param, X509_V_FLAG_PARTIAL_CHAIN);
  if (opts.ignore_leaf_validity) X509_STORE_CTX_set_verify_cb(ctx.get(), IgnoreLeafTime);

  if (X509_verify_cert(ctx.get()) != 1) {
    failure->err = X509_STORE_CTX_get_error(ctx.get());
    failure->depth = X509_STORE_CTX_get_error_depth(ctx.get());
    ERR_clear_error();
    return std::optional<VerifiedChain>();
  }
  VerifiedChain out;
  STACK_OF(X509)* chain = X509_STORE_CTX_get0_chain(ctx.get());
  for (int i = 0; i < sk_X509_num(chain); ++i) {
    X509* c = sk_X509_value(chain, i);
    if (X509_up_ref(c) != 1) return Fail(Errc::kInternal, "X509_up_ref");
    out.path.emplace_back(c);
  }
  return std::optional<VerifiedChain>(std::move(out));
}

}  // namespace

Result<VerifiedChain> VerifyChainPath(const std::vector<Bytes>& chain_der, const TrustRoots& roots, UnixTime at,
                                      const ChainOptions& opts) {
  if (chain_der.empty()) return Fail(Errc::kBadAttestation, "attestation chain is empty");
  if (roots.empty()) return BadChain("no trust anchors configured for format \"" + roots.format() + "\"");

  std::vector<ossl::UniquePtr<X509>> certs;
  for (size_t i = 0; i < chain_der.size(); ++i) {
    auto cert = ossl::CertFromDer(chain_der[i]);
    if (!cert) {
      return Fail(Errc::kBadAttestation,
                  "attestation chain: certificate " + std::to_string(i) + " does not parse");
    }
    certs.push_back(std::move(*cert));
  }

  std::vector<std::vector<X509*>> attempts;
  if (opts.anchor_by_signature) {
    for (const auto& root : roots.roots()) attempts.push_back({root.get()});
  } else {
    attempts.emplace_back();
    for (const auto& root : roots.roots()) attempts.back().push_back(root.get());
  }
  std::optional<ChainFailure> reported;
  for (const auto& anchors : attempts) {
    ChainFailure failure;
    CA_TRY(auto path, VerifyWith(certs, anchors, roots, at, opts, &failure));
    if (path) return std::move(*path);
    if (!reported || (reported->IsIssuerMismatch() && !failure.IsIssuerMismatch())) reported = failure;
  }
  return BadChain(reported->Text());
}

Result<void> VerifyChain(const std::vector<Bytes>& chain_der, const TrustRoots& roots, UnixTime at) {
  CA_TRY(auto path, VerifyChainPath(chain_der, roots, at, ChainOptions{}));
  (void)path;
  return Ok();
}

}  // namespace ca::attestation
