#include "validation/android_status_source.h"

#include <sys/stat.h>

#include <algorithm>
#include <fstream>
#include <sstream>

namespace ca::validation {
namespace {

class FileStatusSource final : public StatusBytesSource {
 public:
  explicit FileStatusSource(std::string path) : path_(std::move(path)) {}

  Result<std::string> Version() override {
    struct stat st {};
    if (::stat(path_.c_str(), &st) != 0) return Fail(Errc::kUnavailable, "cannot stat " + path_);
    return std::to_string(st.st_mtim.tv_sec) + "." + std::to_string(st.st_mtim.tv_nsec) + "/" +
           std::to_string(st.st_size);
  }

  Result<std::string> Read() override {
    std::ifstream f(path_, std::ios::binary);
    if (!f) return Fail(Errc::kUnavailable, "cannot read " + path_);
    std::ostringstream ss;
    ss << f.rdbuf();
    if (f.bad()) return Fail(Errc::kUnavailable, "cannot read " + path_);
    return ss.str();
  }

  std::string Name() const override { return path_; }

 private:
  std::string path_;
};

class UrlStatusSource final : public StatusBytesSource {
 public:
  UrlStatusSource(std::string url, http::AddressLookup lookup, std::chrono::seconds refresh,
                  std::function<int64_t()> now)
      : url_(std::move(url)), lookup_(std::move(lookup)), refresh_(std::max<int64_t>(1, refresh.count())),
        now_(std::move(now)) {}

  Result<std::string> Version() override { return "t" + std::to_string(now_() / refresh_); }

  Result<std::string> Read() override {
    http::ClientRequest req;
    req.url = url_;
    req.headers = {{"Accept", "application/json"}};
    req.timeout = std::chrono::seconds(10);
    req.max_response_bytes = 4 << 20;  // Google's list is a few hundred KiB
    req.lookup = lookup_;
    auto resp = http::Fetch(req);
    if (!resp) return Fail(Errc::kUnavailable, "cannot fetch " + url_ + ": " + resp.error().detail);
    if (resp->status != 200) {
      return Fail(Errc::kUnavailable, "cannot fetch " + url_ + ": HTTP status " + std::to_string(resp->status));
    }
    return std::move(resp->body);
  }

  std::string Name() const override { return url_; }

 private:
  std::string url_;
  http::AddressLookup lookup_;
  int64_t refresh_;
  std::function<int64_t()> now_;
};

}  // namespace

bool IsStatusUrl(const std::string& value) {
  return value.rfind("https://", 0) == 0 || value.rfind("http://", 0) == 0;
}

std::unique_ptr<StatusBytesSource> MakeUrlStatusSource(std::string url, http::AddressLookup lookup,
                                                       std::chrono::seconds refresh,
                                                       std::function<int64_t()> now) {
  return std::make_unique<UrlStatusSource>(std::move(url), std::move(lookup), refresh, std::move(now));
}

std::unique_ptr<StatusBytesSource> MakeFileStatusSource(std::string path) {
  return std::make_unique<FileStatusSource>(std::move(path));
}

StatusListCache::StatusListCache(std::unique_ptr<StatusBytesSource> source) : source_(std::move(source)) {
  status_.configured = true;
  status_.unavailable = "not loaded yet";
}

attestation::RevocationStatus StatusListCache::Current() {
  std::lock_guard<std::mutex> lock(mu_);
  auto version = source_->Version();
  if (!version) {
    version_.clear();
    status_.list.reset();
    status_.unavailable = version.error().detail;
    return status_;
  }
  if (*version == version_) return status_;  // unchanged: the same list, or the same failure
  version_ = *version;
  auto bytes = source_->Read();
  if (!bytes) {
    version_.clear();  // retry on the next attestation
    status_.list.reset();
    status_.unavailable = bytes.error().detail;
    return status_;
  }
  auto list = attestation::ParseStatusList(AsBytes(*bytes));
  if (!list) {
    status_.list.reset();
    status_.unavailable = source_->Name() + ": " + list.error().detail;
    return status_;
  }
  status_.list = std::make_shared<const attestation::StatusList>(std::move(*list));
  status_.unavailable.clear();
  return status_;
}

}  // namespace ca::validation
