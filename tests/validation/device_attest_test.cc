// validation::DeviceAttestVerifier with the "tpm" format: the attObj CBOR is decoded, dispatched to
// VerifyTpm with the provisioner's own tpm roots (from configuration; there are no built-in ones)
// and the key authorization.
#include "validation/device_attest.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "support/attest_builders.h"

namespace ca::validation {
namespace {

namespace fs = std::filesystem;

constexpr const char* kToken = "evaGxfADs6pSRb2LAv9IZf17Dt3juxGJ-PCt92wr-oA";
constexpr const char* kKeyAuth = "evaGxfADs6pSRb2LAv9IZf17Dt3juxGJ-PCt92wr-oA.9jg46WB3rR_AHD-EBXdN7cBkH1WOu0tA3M9fm21mqTI";
constexpr UnixTime kAt = 1700000000 + 86400;

class TpmDeviceAttest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("attestca-tpm-" + std::to_string(::getpid()));
    fs::create_directories(dir_);
    testing::TpmSpec spec;
    spec.extra_data = testing::TpmExtraDataFor(kKeyAuth);
    att_ = testing::MakeTpmAttestation(spec);
    std::ofstream(dir_ / "tpm-ca.pem") << att_.root.pem;
  }
  void TearDown() override { fs::remove_all(dir_); }

  config::Config Config(bool with_roots, bool enabled = true) const {
    config::Config cfg;
    cfg.dir = dir_.string();
    config::ProvisionerConfig prov;
    prov.name = "devices";
    prov.challenges = {"device-attest-01"};
    config::FormatConfig tpm;
    tpm.enabled = enabled;
    if (with_roots) tpm.roots = {"tpm-ca.pem"};
    prov.formats["tpm"] = tpm;
    cfg.provisioners["devices"] = prov;
    return cfg;
  }

  Result<attestation::AttestedDevice> Verify(const config::Config& cfg, const std::string& key_auth) const {
    auto verifier = MakeDeviceAttestVerifier(cfg);
    EXPECT_TRUE(verifier.has_value()) << verifier.error().detail;
    if (!verifier) return Fail(verifier.error());
    return (*verifier)->Verify("devices", testing::TpmAttObj(att_.stmt), kToken, key_auth, kAt);
  }

  fs::path dir_;
  testing::TpmTestAttestation att_;
};

TEST_F(TpmDeviceAttest, VerifiesWithTheConfiguredRoots) {
  const config::Config cfg = Config(true);
  auto dev = Verify(cfg, kKeyAuth);
  ASSERT_TRUE(dev.has_value()) << dev.error().detail;
  EXPECT_EQ(dev->format, "tpm");
  EXPECT_EQ(dev->identifiers,
            (std::vector<attestation::AttestedIdentifier>{{"permanent-identifier", "TPM-0123456789"}}));
}

TEST_F(TpmDeviceAttest, BoundToTheKeyAuthorization) {
  const config::Config cfg = Config(true);
  auto dev = Verify(cfg, std::string(kToken) + ".another-account-thumbprint");
  ASSERT_FALSE(dev.has_value());
  EXPECT_EQ(dev.error().code, Errc::kBadAttestation);
  EXPECT_EQ(dev.error().detail, "tpm: certInfo.extraData does not match the key authorization");
}

TEST_F(TpmDeviceAttest, NoBuiltinRoots) {
  const config::Config cfg = Config(false);
  auto dev = Verify(cfg, kKeyAuth);
  ASSERT_FALSE(dev.has_value());
  EXPECT_EQ(dev.error().detail, "no trust roots are configured for attestation format \"tpm\"");
}

TEST_F(TpmDeviceAttest, DisabledFormat) {
  const config::Config cfg = Config(true, false);
  auto dev = Verify(cfg, kKeyAuth);
  ASSERT_FALSE(dev.has_value());
  EXPECT_EQ(dev.error().detail, "attestation format \"tpm\" is not enabled for provisioner \"devices\"");
}

}  // namespace
}  // namespace ca::validation
