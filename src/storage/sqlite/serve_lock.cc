#include "storage/sqlite/serve_lock.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace ca::storage::sqlite {

Result<ServeLock> ServeLock::Take(const std::string& database_path) {
  const std::string path = database_path + ".serve-lock";
  int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) return Fail(Errc::kInternal, "cannot open " + path + ": " + std::strerror(errno));
  while (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    if (errno == EINTR) continue;
    int err = errno;
    ::close(fd);
    if (err == EWOULDBLOCK) {
      return Fail(Errc::kConflict, "another attestca server is using the database " + database_path + " (it holds " +
                                       path + "); SQLite serves one node, several nodes share PostgreSQL");
    }
    return Fail(Errc::kInternal, "cannot lock " + path + ": " + std::strerror(err));
  }
  return ServeLock(fd);
}

ServeLock& ServeLock::operator=(ServeLock&& o) noexcept {
  if (this != &o) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = o.fd_;
    o.fd_ = -1;
  }
  return *this;
}

ServeLock::~ServeLock() {
  if (fd_ >= 0) ::close(fd_);
}

}  // namespace ca::storage::sqlite
