// DeviceStore conformance tests on every backend (two store instances on one database stand for the
// CLI and a running server), plus the draft -09 identifier syntax of core/device.h.
#include <gtest/gtest.h>

#include <string>

#include "core/device.h"
#include "storage/store.h"
#include "storage/test_backends.h"

namespace ca::storage {
namespace {

using core::DeviceState;

constexpr const char* kPermanent = "permanent-identifier";
constexpr const char* kHardware = "hardware-module";

using DeviceStore = conformance::StoreTest;

core::Device MakeDevice(const std::string& id, const std::string& identifier,
                        const std::string& type = kPermanent, UnixTime t = 1000) {
  core::Device d;
  d.id = id;
  d.identifier = identifier;
  d.type = type;
  d.owner = "alice@example.test";
  d.note = "3rd floor, \"quoted\"";
  d.created_at = t;
  d.updated_at = t;
  return d;
}

TEST_P(DeviceStore, CreateGetAndFind) {
  auto* s = store();
  ASSERT_TRUE(s->CreateDevice(MakeDevice("d1", "C02XXXXXXXXX")));
  auto got = s->GetDevice("d1");
  ASSERT_TRUE(got) << got.error().detail;
  EXPECT_EQ(got->identifier, "C02XXXXXXXXX");
  EXPECT_EQ(got->type, kPermanent);
  EXPECT_EQ(got->owner, "alice@example.test");
  EXPECT_EQ(got->note, "3rd floor, \"quoted\"");
  EXPECT_EQ(got->state, DeviceState::kActive);
  EXPECT_EQ(got->created_at, 1000);
  EXPECT_EQ(got->updated_at, 1000);
  EXPECT_EQ(s->GetDevice("nope").error().code, Errc::kNotFound);

  auto found = s->FindDeviceByIdentifier(kPermanent, "C02XXXXXXXXX");
  ASSERT_TRUE(found && *found);
  EXPECT_EQ((*found)->id, "d1");
  // Octet for octet: no case folding, and the type is part of the key.
  EXPECT_FALSE(*s->FindDeviceByIdentifier(kPermanent, "c02xxxxxxxxx"));
  EXPECT_FALSE(*s->FindDeviceByIdentifier(kHardware, "C02XXXXXXXXX"));
}

TEST_P(DeviceStore, TypeAndIdentifierAreUnique) {
  auto* s = store();
  ASSERT_TRUE(s->CreateDevice(MakeDevice("d1", "SERIAL1")));
  auto dup = s->CreateDevice(MakeDevice("d2", "SERIAL1"));
  ASSERT_FALSE(dup);
  EXPECT_EQ(dup.error().code, Errc::kConflict);
  EXPECT_NE(dup.error().detail.find("SERIAL1"), std::string::npos) << dup.error().detail;
  EXPECT_EQ(s->GetDevice("d2").error().code, Errc::kNotFound);
  // The same value under the other type is another device.
  EXPECT_TRUE(s->CreateDevice(MakeDevice("d3", "SERIAL1/1.2.3.4", kHardware)));
  EXPECT_TRUE(s->CreateDevice(MakeDevice("d4", "SERIAL1/1.2.3.4")));
  EXPECT_EQ(s->CreateDevice(MakeDevice("d1", "OTHER")).error().code, Errc::kConflict);  // id taken
}

TEST_P(DeviceStore, ListFiltersByState) {
  auto* s = store();
  ASSERT_TRUE(s->CreateDevice(MakeDevice("d2", "B", kPermanent, 2000)));
  ASSERT_TRUE(s->CreateDevice(MakeDevice("d1", "A", kPermanent, 1000)));
  ASSERT_TRUE(s->CreateDevice(MakeDevice("d3", "C", kPermanent, 3000)));
  ASSERT_TRUE(s->SetDeviceState("d2", DeviceState::kSuspended, 4000));
  ASSERT_TRUE(s->SetDeviceState("d3", DeviceState::kRevoked, 4000));

  auto all = s->ListDevices(std::nullopt);
  ASSERT_TRUE(all);
  ASSERT_EQ(all->size(), 3u);
  EXPECT_EQ((*all)[0].id, "d1");  // oldest first
  EXPECT_EQ((*all)[1].id, "d2");
  EXPECT_EQ((*all)[2].id, "d3");
  auto active = *s->ListDevices(DeviceState::kActive);
  ASSERT_EQ(active.size(), 1u);
  EXPECT_EQ(active[0].id, "d1");
  auto suspended = *s->ListDevices(DeviceState::kSuspended);
  ASSERT_EQ(suspended.size(), 1u);
  EXPECT_EQ(suspended[0].id, "d2");
  EXPECT_EQ(s->ListDevices(DeviceState::kRevoked)->size(), 1u);
}

TEST_P(DeviceStore, StateChanges) {
  auto* s = store();
  ASSERT_TRUE(s->CreateDevice(MakeDevice("d1", "A")));
  ASSERT_TRUE(s->SetDeviceState("d1", DeviceState::kSuspended, 2000));
  auto d = *s->GetDevice("d1");
  EXPECT_EQ(d.state, DeviceState::kSuspended);
  EXPECT_EQ(d.updated_at, 2000);
  EXPECT_EQ(d.created_at, 1000);
  ASSERT_TRUE(s->SetDeviceState("d1", DeviceState::kActive, 3000));
  EXPECT_EQ(s->GetDevice("d1")->state, DeviceState::kActive);
  EXPECT_EQ(s->SetDeviceState("nope", DeviceState::kSuspended, 1).error().code, Errc::kNotFound);

  // Revoked is final.
  ASSERT_TRUE(s->SetDeviceState("d1", DeviceState::kRevoked, 4000));
  auto resume = s->SetDeviceState("d1", DeviceState::kActive, 5000);
  ASSERT_FALSE(resume);
  EXPECT_EQ(resume.error().code, Errc::kConflict);
  EXPECT_NE(resume.error().detail.find("revoked"), std::string::npos);
  EXPECT_EQ(s->SetDeviceState("d1", DeviceState::kSuspended, 5000).error().code, Errc::kConflict);
  EXPECT_TRUE(s->SetDeviceState("d1", DeviceState::kRevoked, 5000));
  EXPECT_EQ(s->GetDevice("d1")->state, DeviceState::kRevoked);
}

TEST_P(DeviceStore, CreateDevicesIsAllOrNothing) {
  auto* s = store();
  ASSERT_TRUE(s->CreateDevice(MakeDevice("d0", "EXISTING")));
  // The third device clashes with the stored one: none of the batch may remain.
  auto r = s->CreateDevices({MakeDevice("d1", "NEW1"), MakeDevice("d2", "NEW2"), MakeDevice("d3", "EXISTING")});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Errc::kConflict);
  EXPECT_EQ(s->GetDevice("d1").error().code, Errc::kNotFound);
  EXPECT_EQ(s->GetDevice("d2").error().code, Errc::kNotFound);
  EXPECT_EQ(s->ListDevices(std::nullopt)->size(), 1u);
  // A clash inside the batch rolls back too.
  EXPECT_FALSE(s->CreateDevices({MakeDevice("d1", "X"), MakeDevice("d2", "X")}));
  EXPECT_EQ(s->ListDevices(std::nullopt)->size(), 1u);
  // The store is usable afterwards (no transaction left open), and a good batch lands whole.
  ASSERT_TRUE(s->CreateDevices({MakeDevice("d1", "NEW1"), MakeDevice("d2", "NEW2")}));
  EXPECT_EQ(s->ListDevices(std::nullopt)->size(), 3u);
  EXPECT_TRUE(s->CreateDevices({}));
  EXPECT_TRUE(s->CreateDevice(MakeDevice("d9", "AFTER")));
}

// Two stores on one file stand for the CLI and a running server: each must see the other's
// committed writes at its next call, with no reopen.
TEST_P(DeviceStore, TwoInstancesSeeEachOthersWrites) {
  auto* server = store();
  auto* cli = OpenAnother();
  ASSERT_NE(cli, nullptr);
  EXPECT_FALSE(*server->FindDeviceByIdentifier(kPermanent, "C02SHARED"));
  ASSERT_TRUE(cli->CreateDevice(MakeDevice("d1", "C02SHARED")));
  auto seen = server->FindDeviceByIdentifier(kPermanent, "C02SHARED");
  ASSERT_TRUE(seen && *seen);
  EXPECT_EQ((*seen)->state, DeviceState::kActive);

  ASSERT_TRUE(cli->SetDeviceState("d1", DeviceState::kSuspended, 2000));
  EXPECT_EQ(server->GetDevice("d1")->state, DeviceState::kSuspended);
  ASSERT_TRUE(server->SetDeviceState("d1", DeviceState::kActive, 3000));
  EXPECT_EQ(cli->GetDevice("d1")->state, DeviceState::kActive);

  ASSERT_TRUE(cli->CreateDevices({MakeDevice("d2", "B"), MakeDevice("d3", "C")}));
  EXPECT_EQ(server->ListDevices(DeviceState::kActive)->size(), 3u);
  // A batch refused by one instance leaves nothing for the other to see.
  EXPECT_FALSE(server->CreateDevices({MakeDevice("d4", "D"), MakeDevice("d5", "B")}));
  EXPECT_EQ(cli->GetDevice("d4").error().code, Errc::kNotFound);
}

TEST_P(DeviceStore, MigrationKeepsExistingData) {
  ASSERT_TRUE(store()->CreateDevice(MakeDevice("d1", "A")));
  auto* s = OpenAnother();  // every migration already applied
  ASSERT_NE(s, nullptr);
  EXPECT_TRUE(s->GetDevice("d1"));
}

INSTANTIATE_TEST_SUITE_P(Backends, DeviceStore, ::testing::ValuesIn(conformance::AllBackends()),
                         conformance::BackendName);

TEST(DeviceState, Names) {
  for (auto st : {DeviceState::kActive, DeviceState::kSuspended, DeviceState::kRevoked}) {
    EXPECT_EQ(core::DeviceStateFrom(core::ToString(st)), st);
  }
  EXPECT_STREQ(core::ToString(DeviceState::kSuspended), "suspended");
  EXPECT_FALSE(core::DeviceStateFrom("Active"));
  EXPECT_FALSE(core::DeviceStateFrom(""));
}

TEST(DeviceIdentifier, PermanentIdentifierAbnf) {
  const auto ok = [](const std::string& v) {
    return bool(core::ValidateDeviceIdentifier(kPermanent, v));
  };
  EXPECT_TRUE(ok("C02XXXXXXXXX"));
  EXPECT_TRUE(ok("00008030-001A2B3C4D5E802E"));
  EXPECT_TRUE(ok("ABCDEF123456/1.2.3.4"));
  EXPECT_TRUE(ok("serial with spaces"));
  EXPECT_TRUE(ok("g\xC3\xA9r\xC3\xA2t/2.999.1"));  // UTF-8; arc 2 allows a second arc > 39
  EXPECT_TRUE(ok("x/0.39"));
  EXPECT_FALSE(ok(""));
  EXPECT_FALSE(ok("/1.2.3"));        // empty device identifier
  EXPECT_FALSE(ok("abc/"));          // empty assigner
  EXPECT_FALSE(ok("abc/1"));         // one arc
  EXPECT_FALSE(ok("abc/3.1"));       // first arc > 2
  EXPECT_FALSE(ok("abc/1.40"));      // second arc > 39 under 1
  EXPECT_FALSE(ok("abc/1.02"));      // leading zero
  EXPECT_FALSE(ok("abc/1.2."));      // empty arc
  EXPECT_FALSE(ok("abc/1..2"));
  EXPECT_FALSE(ok("abc/1.2.x"));
  EXPECT_FALSE(ok("a/b/1.2.3"));     // "/" is not allowed in the identifier part
  EXPECT_FALSE(ok("\xC3(bad utf8"));
  EXPECT_FALSE(ok("\xE0\x80\xAF"));  // overlong
  EXPECT_FALSE(ok("\xED\xA0\x80"));  // surrogate
  EXPECT_FALSE(ok("trunc\xE2\x82"));
}

TEST(DeviceIdentifier, HardwareModuleNeedsOid) {
  const auto ok = [](const std::string& v) {
    return bool(core::ValidateDeviceIdentifier(kHardware, v));
  };
  EXPECT_TRUE(ok("ABCD/1.2.3.4"));
  EXPECT_TRUE(ok("7654321/1.3.6.1.4.1.41482.3.7"));
  EXPECT_FALSE(ok("ABCD"));  // the /OID part is mandatory since -09
  EXPECT_FALSE(ok("/1.2.3"));
  EXPECT_FALSE(ok("ABCD/not-an-oid"));
  auto other = core::ValidateDeviceIdentifier("dns", "a.test");
  ASSERT_FALSE(other);
  EXPECT_EQ(other.error().code, Errc::kUnsupportedIdentifier);
}

}  // namespace
}  // namespace ca::storage
