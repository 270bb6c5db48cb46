// CertStore listing (status, device, serial) and RevokeDevice's single transaction, on every backend.
#include <gtest/gtest.h>

#include <algorithm>
#include <string>

#include "storage/store.h"
#include "storage/test_backends.h"

namespace ca::storage {
namespace {

constexpr UnixTime kNow = 1'000'000;

using CertListing = conformance::StoreTest;

core::Device Dev(const std::string& id, const std::string& identifier) {
  core::Device d;
  d.id = id;
  d.identifier = identifier;
  d.created_at = d.updated_at = 1;
  return d;
}

// Cert: a certificate for identifier; with device_id, its evidence names that inventory device.
core::CertRecord Cert(const std::string& serial, const std::string& identifier,
                      std::optional<std::string> device_id, UnixTime not_after = kNow + 3600,
                      UnixTime not_before = kNow - 60) {
  core::CertRecord c;
  c.id = "id-" + serial;
  c.serial_hex = serial;
  c.account_id = "acct";
  c.order_id = "order-" + serial;
  c.provisioner = "devices";
  c.der = {0x30, 0x00};
  c.chain_pem = "pem";
  c.not_before = not_before;
  c.not_after = not_after;
  c.spki_sha256_hex = "00";
  c.identifiers = {{"permanent-identifier", identifier}};
  if (device_id) c.attestation = R"({"format":"apple","device_id":")" + *device_id + R"("})";
  return c;
}

std::vector<std::string> Serials(const Result<std::vector<core::CertRecord>>& r) {
  EXPECT_TRUE(r) << (r ? "" : r.error().detail);
  std::vector<std::string> out;
  if (r) {
    for (const auto& c : *r) out.push_back(c.serial_hex);
  }
  return out;
}

CertFilter Filter() {
  CertFilter f;
  f.now = kNow;
  return f;
}

TEST_P(CertListing, FiltersByStatusNewestFirst) {
  auto* s = store();
  ASSERT_TRUE(s->InsertCertificate(Cert("01", "A", std::nullopt, kNow + 10, kNow - 30)));
  ASSERT_TRUE(s->InsertCertificate(Cert("02", "A", std::nullopt, kNow - 10, kNow - 20)));  // expired
  ASSERT_TRUE(s->InsertCertificate(Cert("03", "A", std::nullopt, kNow + 10, kNow - 10)));
  ASSERT_TRUE(s->RevokeCertificate("id-03", 1, kNow));

  EXPECT_EQ(Serials(s->ListCertificates(Filter())), (std::vector<std::string>{"03", "02", "01"}));
  auto f = Filter();
  f.status = CertStatus::kValid;
  EXPECT_EQ(Serials(s->ListCertificates(f)), std::vector<std::string>{"01"});
  f.status = CertStatus::kExpired;
  EXPECT_EQ(Serials(s->ListCertificates(f)), std::vector<std::string>{"02"});
  f.status = CertStatus::kRevoked;
  auto revoked = s->ListCertificates(f);
  ASSERT_TRUE(revoked && revoked->size() == 1);
  EXPECT_EQ((*revoked)[0].revocation_reason, 1);
  EXPECT_EQ((*revoked)[0].revoked_at, kNow);
  // A revoked certificate past notAfter is revoked, not expired.
  f.now = kNow + 100;
  f.status = CertStatus::kExpired;
  EXPECT_EQ(Serials(s->ListCertificates(f)), (std::vector<std::string>{"02", "01"}));

  auto by_serial = Filter();
  by_serial.serial_hex = "02";
  EXPECT_EQ(Serials(s->ListCertificates(by_serial)), std::vector<std::string>{"02"});
  auto limited = Filter();
  limited.limit = 2;
  EXPECT_EQ(Serials(s->ListCertificates(limited)), (std::vector<std::string>{"03", "02"}));
}

TEST_P(CertListing, DeviceMatchesEvidenceOrIdentifier) {
  auto* s = store();
  ASSERT_TRUE(s->CreateDevice(Dev("devA", "C02A")));
  ASSERT_TRUE(s->CreateDevice(Dev("devB", "C02B")));
  ASSERT_TRUE(s->InsertCertificate(Cert("0a", "C02A", "devA")));
  ASSERT_TRUE(s->InsertCertificate(Cert("0b", "C02A", std::nullopt)));  // inventory = "off": by identifier
  ASSERT_TRUE(s->InsertCertificate(Cert("0c", "C02B", "devB")));
  auto hw = Cert("0d", "C02A", std::nullopt);
  hw.identifiers = {{"hardware-module", "C02A"}};  // same value, other type: not device A
  ASSERT_TRUE(s->InsertCertificate(hw));

  auto f = Filter();
  f.device_id = "devA";
  auto got = Serials(s->ListCertificates(f));
  std::sort(got.begin(), got.end());
  EXPECT_EQ(got, (std::vector<std::string>{"0a", "0b"}));
  f.device_id = "devB";
  EXPECT_EQ(Serials(s->ListCertificates(f)), std::vector<std::string>{"0c"});
  f.device_id = "nope";
  EXPECT_TRUE(Serials(s->ListCertificates(f)).empty());
}

TEST_P(CertListing, RevokeDeviceRevokesItsCertificatesAndTheDevice) {
  auto* s = store();
  ASSERT_TRUE(s->CreateDevice(Dev("devA", "C02A")));
  ASSERT_TRUE(s->CreateDevice(Dev("devB", "C02B")));
  ASSERT_TRUE(s->InsertCertificate(Cert("0a", "C02A", "devA")));
  ASSERT_TRUE(s->InsertCertificate(Cert("0b", "C02A", std::nullopt)));
  ASSERT_TRUE(s->InsertCertificate(Cert("0e", "C02A", "devA")));
  ASSERT_TRUE(s->RevokeCertificate("id-0e", 4, kNow - 5));  // already revoked: keeps its reason
  ASSERT_TRUE(s->InsertCertificate(Cert("0c", "C02B", "devB")));

  auto done = s->RevokeDevice("devA", 9, kNow);
  ASSERT_TRUE(done) << done.error().detail;
  EXPECT_EQ(done->device.state, core::DeviceState::kActive);  // as it was before
  EXPECT_EQ(done->revoked.size(), 2u);
  for (const char* id : {"id-0a", "id-0b"}) {
    auto c = s->GetCertificate(id);
    ASSERT_TRUE(c);
    EXPECT_EQ(c->revoked_at, kNow) << id;
    EXPECT_EQ(c->revocation_reason, 9) << id;
  }
  EXPECT_EQ(s->GetCertificate("id-0e")->revocation_reason, 4);
  EXPECT_FALSE(s->GetCertificate("id-0c")->revoked_at);
  EXPECT_EQ(s->GetDevice("devA")->state, core::DeviceState::kRevoked);
  EXPECT_EQ(s->GetDevice("devB")->state, core::DeviceState::kActive);
  // Again: nothing left to revoke, still fine.
  auto again = s->RevokeDevice("devA", 9, kNow + 1);
  ASSERT_TRUE(again);
  EXPECT_TRUE(again->revoked.empty());
  EXPECT_EQ(s->RevokeDevice("nope", 0, kNow).error().code, Errc::kNotFound);
}

// RevokeDevice is one transaction: when the device update fails (a trigger makes it fail here, as a
// crash or a full disk would), none of the certificates stays revoked.
TEST_P(CertListing, RevokeDeviceIsAllOrNothing) {
  auto* s = store();
  ASSERT_TRUE(s->CreateDevice(Dev("devA", "C02A")));
  ASSERT_TRUE(s->InsertCertificate(Cert("0a", "C02A", "devA")));
  ASSERT_TRUE(s->InsertCertificate(Cert("0b", "C02A", "devA")));
  const auto revision = s->RevocationRevision();
  ASSERT_TRUE(revision);
  ASSERT_TRUE(db().BreakDeviceUpdates());

  auto done = s->RevokeDevice("devA", 1, kNow);
  ASSERT_FALSE(done);
  EXPECT_FALSE(s->GetCertificate("id-0a")->revoked_at);
  EXPECT_FALSE(s->GetCertificate("id-0b")->revoked_at);
  EXPECT_EQ(s->GetDevice("devA")->state, core::DeviceState::kActive);
  EXPECT_EQ(*s->RevocationRevision(), *revision);  // the trigger's bump rolled back too
  // The store is still usable after the rollback.
  ASSERT_TRUE(s->RevokeCertificate("id-0a", 1, kNow));
}

TEST(CertStatusNames, RoundTrip) {
  for (auto st : {CertStatus::kValid, CertStatus::kRevoked, CertStatus::kExpired}) {
    EXPECT_EQ(CertStatusFrom(ToString(st)), st);
  }
  EXPECT_FALSE(CertStatusFrom("Valid"));
}

INSTANTIATE_TEST_SUITE_P(Backends, CertListing, ::testing::ValuesIn(conformance::AllBackends()),
                         conformance::BackendName);

}  // namespace
}  // namespace ca::storage
