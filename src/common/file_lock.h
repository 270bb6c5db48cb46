#pragma once
// FileLock holds flock(LOCK_EX) on a lock file (created if missing) for its lifetime. Closing the
// descriptor releases it, so a process that dies, even by kill -9, never leaves it held.
#include <string>

#include "common/result.h"

namespace ca {

class FileLock final {
 public:
  FileLock() = default;  // holds nothing
  // Take waits for the lock; TryTake fails at once with kConflict while another holder has it.
  static Result<FileLock> Take(const std::string& path);
  static Result<FileLock> TryTake(const std::string& path);

  FileLock(FileLock&& o) noexcept : fd_(o.fd_) { o.fd_ = -1; }
  FileLock& operator=(FileLock&& o) noexcept;
  FileLock(const FileLock&) = delete;
  FileLock& operator=(const FileLock&) = delete;
  ~FileLock();

 private:
  explicit FileLock(int fd) : fd_(fd) {}
  static Result<FileLock> Lock(const std::string& path, bool wait);
  int fd_ = -1;
};

}  // namespace ca
