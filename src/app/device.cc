// `attestca device ...`: the device inventory. Every command opens the store named by --config and
// writes through it, so a running server sees the change at its next request (no restart).
//
// CSV import format (RFC 4180, see config/csv.h), one device a record after a header row:
//   identifier,type,owner,note
//   C02XXXXXXXXX,permanent-identifier,alice@example.com,"MacBook Pro, 3rd floor"
//   00008030-001A2B3C4D5E802E,,bob@example.com,
//   7654321/1.3.6.1.4.1.41482.3.7,hardware-module,,YubiKey of the CI runner
// The header names the columns, in any order (names are case-insensitive, spaces around them are
// ignored); `identifier` is required, `type` (default permanent-identifier), `owner` and `note` are
// optional, any other column is an error. Every record must have as many fields as the header.
// Values are taken as written: an identifier with leading or trailing spaces is refused.
// Every bad line is reported (FILE:LINE: reason) and then nothing is imported.
#include <algorithm>
#include <cctype>
#include <cstdio>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "app/commands.h"
#include "app/files.h"
#include "app/cli_store.h"
#include "revocation/reason.h"
#include "revocation/revoker.h"
#include "common/clock.h"
#include "common/rng.h"
#include "config/config.h"
#include "config/csv.h"
#include "core/device.h"
#include "storage/store.h"

namespace ca::app {
namespace {

constexpr const char* kPermanent = "permanent-identifier";
constexpr const char* kHardware = "hardware-module";
constexpr size_t kMaxIdentifier = 1024;
constexpr size_t kMaxText = 4096;

bool HasControl(const std::string& s, bool allow_line_breaks) {
  return std::any_of(s.begin(), s.end(), [&](char c) {
    const auto u = static_cast<unsigned char>(c);
    if (allow_line_breaks && (c == '\n' || c == '\r' || c == '\t')) return false;
    return u < 0x20 || u == 0x7f;
  });
}

// CheckDevice validates one inventory entry: the draft -09 ABNF, plus what an operator's file should
// never hold (surrounding spaces, control characters, absurd lengths). Returns "" when it is fine.
std::string CheckDevice(const core::Device& d) {
  if (d.identifier.size() > kMaxIdentifier) return "the identifier is longer than 1024 bytes";
  if (d.owner.size() > kMaxText || d.note.size() > kMaxText) return "owner or note is longer than 4096 bytes";
  if (!d.identifier.empty() && (std::isspace(static_cast<unsigned char>(d.identifier.front())) != 0 ||
                                std::isspace(static_cast<unsigned char>(d.identifier.back())) != 0)) {
    return "the identifier \"" + d.identifier + "\" has leading or trailing spaces";
  }
  if (HasControl(d.identifier, false)) return "the identifier holds control characters";
  if (HasControl(d.owner, false)) return "the owner holds control characters";
  if (HasControl(d.note, true)) return "the note holds control characters";
  auto ok = core::ValidateDeviceIdentifier(d.type, d.identifier);
  if (!ok) return ok.error().detail;
  return "";
}

core::Device NewDevice(Rng& rng, UnixTime now) {
  core::Device d;
  d.id = RandomId(rng, 12);
  d.state = core::DeviceState::kActive;
  d.created_at = now;
  d.updated_at = now;
  return d;
}

// Resolve finds a device by id, or else by its identifier value (either type).
Result<core::Device> Resolve(storage::Store& store, const std::string& key) {
  auto by_id = store.GetDevice(key);
  if (by_id || by_id.error().code != Errc::kNotFound) return by_id;
  std::vector<core::Device> found;
  for (const char* type : {kPermanent, kHardware}) {
    CA_TRY(auto d, store.FindDeviceByIdentifier(type, key));
    if (d) found.push_back(std::move(*d));
  }
  if (found.empty()) return Fail(Errc::kNotFound, "no device with id or identifier \"" + key + "\"");
  if (found.size() > 1) return Fail(Errc::kConflict, "\"" + key + "\" names two devices: use the device id");
  return std::move(found[0]);
}

// --- import ---------------------------------------------------------------------------------------

struct Columns {
  int identifier = -1, type = -1, owner = -1, note = -1;
  size_t count = 0;
};

std::string Lower(std::string s) {
  const auto b = s.find_first_not_of(' ');
  const auto e = s.find_last_not_of(' ');
  s = b == std::string::npos ? "" : s.substr(b, e - b + 1);
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

// ReadHeader maps column names to positions; returns "" or what is wrong.
std::string ReadHeader(const std::vector<std::string>& names, Columns* cols) {
  cols->count = names.size();
  for (size_t i = 0; i < names.size(); ++i) {
    const std::string n = Lower(names[i]);
    int* slot = n == "identifier" ? &cols->identifier
                : n == "type"     ? &cols->type
                : n == "owner"    ? &cols->owner
                : n == "note"     ? &cols->note
                                  : nullptr;
    if (slot == nullptr) return "unknown column \"" + names[i] + "\" (columns: identifier,type,owner,note)";
    if (*slot >= 0) return "column \"" + n + "\" appears twice";
    *slot = static_cast<int>(i);
  }
  if (cols->identifier < 0) return "the header row has no \"identifier\" column (columns: identifier,type,owner,note)";
  return "";
}

std::string Field(const config::CsvRecord& r, int col) {
  return col < 0 ? std::string() : r.fields[static_cast<size_t>(col)];
}

struct Import {
  std::vector<core::Device> devices;
  std::vector<config::CsvError> errors;
};

// BuildImport turns data records into devices, collecting one error for each bad record.
Import BuildImport(storage::Store& store, const std::vector<config::CsvRecord>& rows, const Columns& cols) {
  Import out;
  SystemRng rng;
  const UnixTime now = SystemClock().Now();
  std::map<std::pair<std::string, std::string>, size_t> seen;  // (type, identifier) -> line
  for (const auto& r : rows) {
    if (r.fields.size() != cols.count) {
      out.errors.push_back({r.line, "expected " + std::to_string(cols.count) + " fields as in the header, found " +
                                        std::to_string(r.fields.size())});
      continue;
    }
    core::Device d = NewDevice(rng, now);
    d.identifier = Field(r, cols.identifier);
    d.type = Field(r, cols.type);
    if (d.type.empty()) d.type = kPermanent;
    d.owner = Field(r, cols.owner);
    d.note = Field(r, cols.note);
    if (std::string why = CheckDevice(d); !why.empty()) {
      out.errors.push_back({r.line, why});
      continue;
    }
    auto [it, fresh] = seen.emplace(std::make_pair(d.type, d.identifier), r.line);
    if (!fresh) {
      out.errors.push_back({r.line, d.type + " \"" + d.identifier + "\" repeats line " + std::to_string(it->second)});
      continue;
    }
    auto existing = store.FindDeviceByIdentifier(d.type, d.identifier);
    if (!existing) {
      out.errors.push_back({r.line, existing.error().detail});
    } else if (*existing) {
      out.errors.push_back({r.line, d.type + " \"" + d.identifier + "\" is already in the inventory (device " +
                                        (*existing)->id + ")"});
    } else {
      out.devices.push_back(std::move(d));
    }
  }
  return out;
}

int ReportBadLines(const std::string& file, std::vector<config::CsvError> errors) {
  std::stable_sort(errors.begin(), errors.end(), [](const auto& a, const auto& b) { return a.line < b.line; });
  for (const auto& e : errors) std::fprintf(stderr, "%s:%zu: %s\n", file.c_str(), e.line, e.message.c_str());
  std::fprintf(stderr, "attestca device import: %zu bad line(s); nothing was imported\n", errors.size());
  return 1;
}

// --- state changes --------------------------------------------------------------------------------

int ChangeState(const DeviceArgs& a, const char* cmd, core::DeviceState to) {
  int rc = 0;
  auto store = OpenStore(a.config, cmd, &rc);
  if (!store) return rc;
  auto d = Resolve(*store, a.id);
  if (!d) {
    std::fprintf(stderr, "attestca device %s: %s\n", cmd, d.error().detail.c_str());
    return 1;
  }
  if (d->state == core::DeviceState::kRevoked) {
    std::fprintf(stderr, "attestca device %s: device %s (%s) is revoked; a revoked device cannot be %s\n", cmd,
                 d->id.c_str(), d->identifier.c_str(), to == core::DeviceState::kActive ? "resumed" : "suspended");
    return 1;
  }
  if (d->state == to) {
    std::printf("device %s (%s) is already %s\n", d->id.c_str(), d->identifier.c_str(), core::ToString(to));
    return 0;
  }
  auto ok = store->SetDeviceState(d->id, to, SystemClock().Now());
  if (!ok) {
    std::fprintf(stderr, "attestca device %s: %s\n", cmd, ok.error().detail.c_str());
    return 1;
  }
  std::printf("device %s (%s) is now %s\n", d->id.c_str(), d->identifier.c_str(), core::ToString(to));
  return 0;
}

}  // namespace

int RunDeviceAdd(const DeviceArgs& a) {
  SystemRng rng;
  core::Device d = NewDevice(rng, SystemClock().Now());
  d.identifier = a.value;
  d.type = a.type;
  d.owner = a.owner;
  d.note = a.note;
  if (std::string why = CheckDevice(d); !why.empty()) {
    std::fprintf(stderr, "attestca device add: invalid %s \"%s\": %s\n", d.type.c_str(), d.identifier.c_str(),
                 why.c_str());
    return 2;
  }
  int rc = 0;
  auto store = OpenStore(a.config, "device add", &rc);
  if (!store) return rc;
  auto ok = store->CreateDevice(d);
  if (!ok) {
    std::fprintf(stderr, "attestca device add: %s\n", ok.error().detail.c_str());
    return 1;
  }
  std::printf("%s\n", d.id.c_str());
  return 0;
}

int RunDeviceImport(const DeviceArgs& a) {
  auto text = ReadFile(a.file);
  if (!text) {
    std::fprintf(stderr, "attestca device import: %s\n", text.error().detail.c_str());
    return 1;
  }
  config::CsvFile csv = config::ParseCsv(*text);
  if (csv.records.empty() || (!csv.errors.empty() && csv.errors.front().line < csv.records.front().line)) {
    csv.errors.push_back({1, "the header row (identifier,type,owner,note) is missing or malformed"});
    return ReportBadLines(a.file, std::move(csv.errors));
  }
  Columns cols;
  if (std::string why = ReadHeader(csv.records.front().fields, &cols); !why.empty()) {
    csv.errors.push_back({csv.records.front().line, why});
    return ReportBadLines(a.file, std::move(csv.errors));
  }
  int rc = 0;
  auto store = OpenStore(a.config, "device import", &rc);
  if (!store) return rc;
  const std::vector<config::CsvRecord> rows(csv.records.begin() + 1, csv.records.end());
  Import im = BuildImport(*store, rows, cols);
  im.errors.insert(im.errors.end(), csv.errors.begin(), csv.errors.end());
  if (!im.errors.empty()) return ReportBadLines(a.file, std::move(im.errors));
  auto ok = store->CreateDevices(im.devices);
  if (!ok) {
    std::fprintf(stderr, "attestca device import: %s; nothing was imported\n", ok.error().detail.c_str());
    return 1;
  }
  for (const auto& d : im.devices) std::printf("%s %s %s\n", d.id.c_str(), d.type.c_str(), d.identifier.c_str());
  std::printf("imported %zu device(s)\n", im.devices.size());
  return 0;
}

int RunDeviceList(const DeviceArgs& a) {
  std::optional<core::DeviceState> filter;
  if (!a.state.empty()) filter = core::DeviceStateFrom(a.state);
  int rc = 0;
  auto store = OpenStore(a.config, "device list", &rc);
  if (!store) return rc;
  auto devices = store->ListDevices(filter);
  if (!devices) {
    std::fprintf(stderr, "attestca device list: %s\n", devices.error().detail.c_str());
    return 1;
  }
  std::vector<std::vector<std::string>> rows = {{"ID", "TYPE", "IDENTIFIER", "STATE", "OWNER"}};
  for (const auto& d : *devices) rows.push_back({d.id, d.type, d.identifier, core::ToString(d.state), d.owner});
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
  return 0;
}

int RunDeviceShow(const DeviceArgs& a) {
  int rc = 0;
  auto store = OpenStore(a.config, "device show", &rc);
  if (!store) return rc;
  auto d = Resolve(*store, a.id);
  if (!d) {
    std::fprintf(stderr, "attestca device show: %s\n", d.error().detail.c_str());
    return 1;
  }
  std::printf("id:         %s\ntype:       %s\nidentifier: %s\nstate:      %s\nowner:      %s\nnote:       %s\n"
              "created:    %s\nupdated:    %s\n",
              d->id.c_str(), d->type.c_str(), d->identifier.c_str(), core::ToString(d->state), d->owner.c_str(),
              d->note.c_str(), Rfc3339(d->created_at).c_str(), Rfc3339(d->updated_at).c_str());
  return 0;
}

int RunDeviceRevoke(const DeviceArgs& a) {
  auto reason = revocation::ParseReason(a.reason, revocation::Authority::kOperator);
  if (!reason) {
    std::fprintf(stderr, "attestca device revoke: %s\n", reason.error().detail.c_str());
    return 2;
  }
  int rc = 0;
  auto store = OpenStore(a.config, "device revoke", &rc);
  if (!store) return rc;
  auto d = Resolve(*store, a.id);
  if (!d) {
    std::fprintf(stderr, "attestca device revoke: %s\n", d.error().detail.c_str());
    return 1;
  }
  SystemClock clock;
  auto done = revocation::Revoker(*store, clock).RevokeDevice(d->id, *reason, CliActor());
  if (!done) {
    std::fprintf(stderr, "attestca device revoke: %s\n", done.error().detail.c_str());
    return 1;
  }
  for (const auto& c : done->revoked) std::printf("revoked certificate %s\n", c.serial_hex.c_str());
  std::printf("device %s (%s) is now revoked; %zu certificate(s) revoked (reason %s)\n", d->id.c_str(),
              d->identifier.c_str(), done->revoked.size(), std::string(revocation::ReasonName(*reason)).c_str());
  return 0;
}

int RunDeviceSuspend(const DeviceArgs& a) { return ChangeState(a, "suspend", core::DeviceState::kSuspended); }
int RunDeviceResume(const DeviceArgs& a) { return ChangeState(a, "resume", core::DeviceState::kActive); }

}  // namespace ca::app
