// `attestca cert ...`: list and revoke issued certificates from the command line. Revocation goes
// through revocation::Revoker (as ACME revokeCert and the admin API do) and is in the database when
// the command returns, so the running server's OCSP answers say revoked at once.
#include <algorithm>
#include <cstdio>
#include <string>
#include <vector>

#include "app/cli_store.h"
#include "app/commands.h"
#include "common/clock.h"
#include "revocation/reason.h"
#include "revocation/revoker.h"
#include "revocation/summary.h"

namespace ca::app {
namespace {

void PrintTable(const std::vector<std::vector<std::string>>& rows) {
  std::vector<size_t> width(rows[0].size(), 0);
  for (const auto& r : rows) {
    for (size_t i = 0; i < r.size(); ++i) width[i] = std::max(width[i], r[i].size());
  }
  for (const auto& r : rows) {
    std::string line;
    for (size_t i = 0; i < r.size(); ++i) {
      line += r[i];
      if (i + 1 < r.size()) line += std::string(width[i] - r[i].size() + 2, ' ');
    }
    std::printf("%s\n", line.c_str());
  }
}

std::string Names(const core::CertRecord& c) {
  std::string out;
  for (const auto& id : c.identifiers) out += (out.empty() ? "" : ",") + id.value;
  return out;
}

}  // namespace

int RunCertRevoke(const CertArgs& a) {
  auto reason = revocation::ParseReason(a.reason, revocation::Authority::kOperator);
  if (!reason) {
    std::fprintf(stderr, "attestca cert revoke: %s\n", reason.error().detail.c_str());
    return 2;
  }
  auto serial = revocation::NormalizeSerial(a.serial);
  if (!serial) {
    std::fprintf(stderr, "attestca cert revoke: \"%s\": %s\n", a.serial.c_str(), serial.error().detail.c_str());
    return 2;
  }
  int rc = 0;
  auto store = OpenStore(a.config, "cert revoke", &rc);
  if (!store) return rc;
  SystemClock clock;
  auto rec = revocation::Revoker(*store, clock).RevokeSerial(*serial, *reason, CliActor());
  if (!rec) {
    std::fprintf(stderr, "attestca cert revoke: %s\n", rec.error().detail.c_str());
    return 1;
  }
  std::printf("certificate %s (%s) revoked: %s\n", rec->serial_hex.c_str(), Names(*rec).c_str(),
              std::string(revocation::ReasonName(*reason)).c_str());
  return 0;
}

int RunCertList(const CertArgs& a) {
  storage::CertFilter f;
  SystemClock clock;
  f.now = clock.Now();
  f.limit = a.limit;
  if (!a.status.empty()) f.status = storage::CertStatusFrom(a.status);  // CLI11 checked the value
  int rc = 0;
  auto store = OpenStore(a.config, "cert list", &rc);
  if (!store) return rc;
  if (!a.device.empty()) {
    // --device takes the device id or its identifier value, as `attestca device show` does.
    auto by_id = store->GetDevice(a.device);
    if (by_id) {
      f.device_id = by_id->id;
    } else {
      std::vector<std::string> ids;
      for (const char* type : {"permanent-identifier", "hardware-module"}) {
        auto d = store->FindDeviceByIdentifier(type, a.device);
        if (d && *d) ids.push_back((*d)->id);
      }
      if (ids.size() != 1) {
        std::fprintf(stderr, "attestca cert list: %s\n",
                     ids.empty() ? ("no device with id or identifier \"" + a.device + "\"").c_str()
                                 : ("\"" + a.device + "\" names two devices: use the device id").c_str());
        return 1;
      }
      f.device_id = ids[0];
    }
  }
  auto certs = store->ListCertificates(f);
  if (!certs) {
    std::fprintf(stderr, "attestca cert list: %s\n", certs.error().detail.c_str());
    return 1;
  }
  if (a.json) {
    nlohmann::json list = nlohmann::json::array();
    for (const auto& c : *certs) list.push_back(revocation::CertSummary(c, f.now));
    std::printf("%s\n", list.dump(2).c_str());
    return 0;
  }
  std::vector<std::vector<std::string>> rows = {{"SERIAL", "STATUS", "NOT_AFTER", "DEVICE", "NAMES"}};
  for (const auto& c : *certs) {
    std::string status = revocation::StatusAt(c, f.now);
    if (c.revoked_at) status += " (" + std::string(revocation::ReasonName(c.revocation_reason)) + ")";
    rows.push_back({c.serial_hex, status, Rfc3339(c.not_after), revocation::DeviceIdOf(c).value_or("-"), Names(c)});
  }
  PrintTable(rows);
  return 0;
}

}  // namespace ca::app
