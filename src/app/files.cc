#include "app/files.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <string>

namespace ca::app {

Result<void> WriteNewFile(const std::string& path, const std::string& data, unsigned mode) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, static_cast<mode_t>(mode));
  if (fd < 0) return Fail(Errc::kInternal, "cannot create " + path + ": " + std::strerror(errno));
  size_t off = 0;
  while (off < data.size()) {
    ssize_t n = ::write(fd, data.data() + off, data.size() - off);
    if (n < 0) {
      if (errno == EINTR) continue;
      ::close(fd);
      return Fail(Errc::kInternal, "cannot write " + path + ": " + std::strerror(errno));
    }
    off += static_cast<size_t>(n);
  }
  ::fchmod(fd, static_cast<mode_t>(mode));  // umask must not widen or narrow what we asked for
  bool ok = ::fsync(fd) == 0;
  ::close(fd);
  if (!ok) return Fail(Errc::kInternal, "cannot sync " + path);
  return Ok();
}

Result<void> WriteReplacing(const std::string& path, const std::string& data, unsigned mode) {
  const std::string tmp = path + ".tmp-" + std::to_string(::getpid());
  CA_RETURN_IF_ERROR(WriteNewFile(tmp, data, mode));
  if (std::rename(tmp.c_str(), path.c_str()) != 0) {
    std::remove(tmp.c_str());
    return Fail(Errc::kInternal, "cannot rename " + tmp + " to " + path);
  }
  return Ok();
}

Result<std::string> ReadFile(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  if (!f) return Fail(Errc::kInternal, "cannot read " + path + ": " + std::strerror(errno));
  std::ostringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

bool FileExists(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0;
}

Result<std::string> ReadPassphrase(const std::string& file, const std::string& env) {
  if (!file.empty()) {
    CA_TRY(auto text, ReadFile(file));
    auto nl = text.find_first_of("\r\n");
    if (nl != std::string::npos) text.resize(nl);
    if (text.empty()) return Fail(Errc::kInternal, "passphrase file " + file + " is empty");
    return text;
  }
  if (!env.empty()) {
    const char* v = std::getenv(env.c_str());
    if (v == nullptr || *v == '\0') return Fail(Errc::kInternal, "environment variable " + env + " is not set");
    return std::string(v);
  }
  return std::string();
}

}  // namespace ca::app
