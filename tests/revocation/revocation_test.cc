// Reason parsing, serial normalization and the Revoker (store effects, refusals).
#include <gtest/gtest.h>

#include <span>
#include <stdexcept>
#include <string>
#include <vector>

#include "revocation/reason.h"
#include "revocation/revoker.h"
#include "revocation/summary.h"
#include "support/fakes.h"

namespace ca::revocation {
namespace {

using testing::FakeClock;

TEST(Reason, NamesAndNumbers) {
  EXPECT_EQ(*ParseReason("keyCompromise", Authority::kOperator), 1);
  EXPECT_EQ(*ParseReason("KEYCOMPROMISE", Authority::kOperator), 1);
  EXPECT_EQ(*ParseReason("1", Authority::kOperator), 1);
  EXPECT_EQ(*ParseReason("unspecified", Authority::kSubscriber), 0);
  EXPECT_EQ(*ParseReason("0", Authority::kSubscriber), 0);
  EXPECT_EQ(*ParseReason("affiliationChanged", Authority::kSubscriber), 3);
  EXPECT_EQ(*ParseReason("superseded", Authority::kSubscriber), 4);
  EXPECT_EQ(*ParseReason("cessationOfOperation", Authority::kSubscriber), 5);
  EXPECT_EQ(*ParseReason("privilegeWithdrawn", Authority::kOperator), 9);
  EXPECT_EQ(*ParseReason("9", Authority::kOperator), 9);
}

TEST(Reason, RefusesWhatThisCaNeverRecords) {
  for (const char* r : {"cACompromise", "2", "certificateHold", "6", "removeFromCRL", "8", "aACompromise", "10",
                        "7", "11", "99", "-1", "", "key Compromise", "01x", "123"}) {
    auto got = ParseReason(r, Authority::kOperator);
    ASSERT_FALSE(got) << r;
    EXPECT_EQ(got.error().code, Errc::kBadRevocationReason) << r;
  }
  // privilegeWithdrawn is the operator's, not the subscriber's.
  auto sub = ParseReason("privilegeWithdrawn", Authority::kSubscriber);
  ASSERT_FALSE(sub);
  EXPECT_NE(sub.error().detail.find("keyCompromise (1)"), std::string::npos) << sub.error().detail;
  EXPECT_EQ(sub.error().detail.find("privilegeWithdrawn (9)"), std::string::npos) << sub.error().detail;
  EXPECT_EQ(ReasonName(9), "privilegeWithdrawn");
  EXPECT_EQ(ReasonName(7), "");
  EXPECT_EQ(ReasonName(42), "");
}

TEST(Serial, Normalizes) {
  EXPECT_EQ(*NormalizeSerial("0A:BC"), "0abc");
  EXPECT_EQ(*NormalizeSerial("abc"), "0abc");
  EXPECT_EQ(*NormalizeSerial("00ABCD"), "abcd");
  EXPECT_EQ(*NormalizeSerial("0x7f"), "7f");
  for (const char* bad : {"", "0", "00:00", "xyz", "12 34", std::string(65, 'a').c_str()}) {
    EXPECT_FALSE(NormalizeSerial(bad)) << bad;
  }
}

class RevokerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto s = storage::OpenSqliteStore(":memory:");
    ASSERT_TRUE(s);
    store_ = std::move(*s);
    core::Device d;
    d.id = "devA";
    d.identifier = "C02A";
    ASSERT_TRUE(store_->CreateDevice(d));
    for (const char* serial : {"0a", "0b"}) {
      core::CertRecord c;
      c.id = std::string("id-") + serial;
      c.serial_hex = serial;
      c.der = {0x30, 0x00};
      c.not_after = 2000;
      c.identifiers = {{"permanent-identifier", "C02A"}};
      c.attestation = R"({"device_id":"devA"})";
      ASSERT_TRUE(store_->InsertCertificate(c));
    }
  }
  std::unique_ptr<storage::Store> store_;
  FakeClock clock_{1000};
  Actor cli_{"cli", "alice", Authority::kOperator};
};

TEST_F(RevokerTest, RevokeSerialRecordsReasonAndTime) {
  Revoker r(*store_, clock_);
  auto rec = r.RevokeSerial("0A", 1, cli_);
  ASSERT_TRUE(rec) << rec.error().detail;
  auto stored = store_->GetCertificateBySerial("0a");
  EXPECT_EQ(stored->revoked_at, 1000);
  EXPECT_EQ(stored->revocation_reason, 1);
  EXPECT_EQ(r.RevokeSerial("0a", 1, cli_).error().code, Errc::kAlreadyRevoked);
  EXPECT_EQ(r.RevokeSerial("0c", 1, cli_).error().code, Errc::kNotFound);
  EXPECT_EQ(r.RevokeSerial("0b", 2, cli_).error().code, Errc::kBadRevocationReason);
  EXPECT_FALSE(store_->GetCertificateBySerial("0b")->revoked_at);  // a refused reason changes nothing
  Actor subscriber{"acme-account", "acct", Authority::kSubscriber};
  EXPECT_EQ(r.RevokeSerial("0b", 9, subscriber).error().code, Errc::kBadRevocationReason);
}

TEST_F(RevokerTest, RevokeDevice) {
  Revoker r(*store_, clock_);
  EXPECT_EQ(r.RevokeDevice("devA", 6, cli_).error().code, Errc::kBadRevocationReason);
  EXPECT_EQ(store_->GetDevice("devA")->state, core::DeviceState::kActive);
  auto done = r.RevokeDevice("devA", 9, cli_);
  ASSERT_TRUE(done) << done.error().detail;
  EXPECT_EQ(done->revoked.size(), 2u);
  EXPECT_EQ(store_->GetDevice("devA")->state, core::DeviceState::kRevoked);
  auto j = CertSummary(*store_->GetCertificateBySerial("0a"), 1500);
  EXPECT_EQ(j["status"], "revoked");
  EXPECT_EQ(j["revocation_reason"], "privilegeWithdrawn");
  EXPECT_EQ(j["device_id"], "devA");
  EXPECT_EQ(r.RevokeDevice("nope", 0, cli_).error().code, Errc::kNotFound);
}

// The after-commit hook: runs once per Revoke* that changed something, after the store says revoked.
TEST_F(RevokerTest, HookRunsAfterTheCommitBeforeReturning) {
  std::vector<std::vector<std::string>> calls;  // serials per call
  bool store_said_revoked = true;
  auto hook = [&](std::span<const core::CertRecord> revoked) {
    std::vector<std::string> serials;
    for (const auto& c : revoked) {
      serials.push_back(c.serial_hex);
      EXPECT_EQ(c.revoked_at, 1000);
      EXPECT_EQ(c.revocation_reason, 4);
      auto st = store_->GetCertificateStatusBySerial(c.serial_hex);
      store_said_revoked = store_said_revoked && st && st->revoked_at.has_value();
    }
    calls.push_back(serials);
  };
  Revoker r(*store_, clock_, hook);
  ASSERT_TRUE(r.RevokeSerial("0a", 4, cli_));
  ASSERT_EQ(calls.size(), 1u);
  EXPECT_EQ(calls[0], std::vector<std::string>{"0a"});
  // Refusals commit nothing and call nothing.
  EXPECT_FALSE(r.RevokeSerial("0a", 4, cli_));
  EXPECT_FALSE(r.RevokeSerial("0b", 2, cli_));
  EXPECT_FALSE(r.RevokeDevice("devA", 6, cli_));
  EXPECT_EQ(calls.size(), 1u);
  // A device: one call with every certificate it revoked now (0a was already).
  ASSERT_TRUE(r.RevokeDevice("devA", 4, cli_));
  ASSERT_EQ(calls.size(), 2u);
  EXPECT_EQ(calls[1], std::vector<std::string>{"0b"});
  EXPECT_TRUE(store_said_revoked);
}

TEST_F(RevokerTest, AThrowingHookDoesNotUndoTheRevocation) {
  Revoker r(*store_, clock_, [](std::span<const core::CertRecord>) { throw std::runtime_error("hook broke"); });
  auto rec = r.RevokeSerial("0a", 1, cli_);
  ASSERT_TRUE(rec) << rec.error().detail;
  EXPECT_TRUE(store_->GetCertificateBySerial("0a")->revoked_at);
}

TEST(Summary, Status) {
  core::CertRecord c;
  c.not_after = 100;
  EXPECT_STREQ(StatusAt(c, 99), "valid");
  EXPECT_STREQ(StatusAt(c, 100), "expired");
  c.revoked_at = 50;
  EXPECT_STREQ(StatusAt(c, 10), "revoked");
  c.attestation = "not json";
  EXPECT_FALSE(DeviceIdOf(c));
  c.attestation = R"({"device_id": 7})";
  EXPECT_FALSE(DeviceIdOf(c));
}

}  // namespace
}  // namespace ca::revocation
