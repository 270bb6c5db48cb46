#pragma once
// Where the Android attestation status list (attestation/android_status.h) comes from, and keeping
// it current. StatusBytesSource is the "where" (a file the operator refreshes, or Google's URL
// fetched through http::Fetch); StatusListCache is the "keep current":
// it re-reads when the source's version changes and fails closed.
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>

#include "attestation/android_status.h"
#include "common/result.h"
#include "http/client.h"

namespace ca::validation {

class StatusBytesSource {
 public:
  virtual ~StatusBytesSource() = default;
  // Version returns a token that changes whenever the bytes may have changed (file: mtime and
  // size). An error means the source is unreachable.
  virtual Result<std::string> Version() = 0;
  // Read returns the current bytes.
  virtual Result<std::string> Read() = 0;
  // Name says where the bytes come from, for details and logs.
  virtual std::string Name() const = 0;
};

// FileStatusSource reads a local file (the operator downloads Google's list, e.g. from cron).
std::unique_ptr<StatusBytesSource> MakeFileStatusSource(std::string path);

// UrlStatusSource fetches an http(s) URL (Google's https://android.googleapis.com/attestation/status)
// with http::Fetch: verified TLS, one deadline, at most 4 MiB. Its version changes every `refresh`
// (the list is cached that long), so a revocation Google publishes is honoured within `refresh`. A
// fetch that fails or answers non-200 makes the source unavailable (fail closed) and is retried on
// the next attestation. `now` gives the current Unix time.
std::unique_ptr<StatusBytesSource> MakeUrlStatusSource(std::string url, http::AddressLookup lookup,
                                                       std::chrono::seconds refresh,
                                                       std::function<int64_t()> now);

// IsStatusUrl says whether a revocation_list value is a URL (else it is a file path).
bool IsStatusUrl(const std::string& value);

// StatusListCache: Current() re-reads and re-parses the list when the source's Version changes.
// Fail closed: if the source cannot be read or the bytes do not parse, Current() returns a status
// with no list and the reason, so every android-key attestation is refused until it is fixed (a
// previously good list is NOT kept: a broken or vanished list must be noticed, not silently aged).
// Thread-safe.
class StatusListCache final {
 public:
  explicit StatusListCache(std::unique_ptr<StatusBytesSource> source);
  attestation::RevocationStatus Current();

 private:
  std::unique_ptr<StatusBytesSource> source_;
  std::mutex mu_;
  std::string version_;  // of the bytes behind status_ (empty: never loaded)
  attestation::RevocationStatus status_;
};

}  // namespace ca::validation
