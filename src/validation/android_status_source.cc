#include "validation/android_status_source.h"

#include <sys/stat.h>

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

}  // namespace

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
