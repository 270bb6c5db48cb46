#include "app/root_crl.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <utility>

#include "app/files.h"
#include "common/bytes.h"
#include "issuance/ca_crl.h"

namespace ca::app {
namespace {

// FileLock holds flock(LOCK_EX) on a lock file for its lifetime.
class FileLock final {
 public:
  static Result<FileLock> Take(const std::string& path) {
    int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0) return Fail(Errc::kInternal, "cannot open " + path + ": " + std::strerror(errno));
    while (::flock(fd, LOCK_EX) != 0) {
      if (errno == EINTR) continue;
      ::close(fd);
      return Fail(Errc::kInternal, "cannot lock " + path + ": " + std::strerror(errno));
    }
    return FileLock(fd);
  }
  FileLock(FileLock&& o) noexcept : fd_(std::exchange(o.fd_, -1)) {}
  FileLock(const FileLock&) = delete;
  FileLock& operator=(const FileLock&) = delete;
  FileLock& operator=(FileLock&&) = delete;
  ~FileLock() {
    if (fd_ >= 0) ::close(fd_);  // releases the lock
  }

 private:
  explicit FileLock(int fd) : fd_(fd) {}
  int fd_;
};

}  // namespace

Result<std::shared_ptr<const crl::SignedCrl>> ReadRootCrl(const RootCrlFiles& f) {
  if (!FileExists(f.crl)) return std::shared_ptr<const crl::SignedCrl>();
  CA_TRY(auto der, ReadFile(f.crl));
  CA_TRY(auto root_pem, ReadFile(f.root_cert));
  auto facts = issuance::ReadCrl(AsBytes(der), root_pem);
  if (!facts) return Fail(facts.error().code, f.crl + ": " + facts.error().detail);
  auto out = std::make_shared<crl::SignedCrl>();
  out->der.assign(der.begin(), der.end());
  out->number = facts->number;
  out->this_update = facts->this_update;
  out->next_update = facts->next_update;
  out->entries = facts->entries;
  return std::shared_ptr<const crl::SignedCrl>(std::move(out));
}

Result<crl::SignedCrl> RenewRootCrl(const RootCrlFiles& f, const std::string& passphrase, UnixTime now,
                                    uint32_t validity_s) {
  CA_TRY(auto lock, FileLock::Take(f.crl + ".lock"));
  CA_TRY(auto previous, ReadRootCrl(f));
  CA_TRY(auto root_pem, ReadFile(f.root_cert));
  CA_TRY(auto key_pem, ReadFile(f.root_key));
  issuance::CrlContents c;
  c.number = previous ? previous->number + 1 : 1;
  c.this_update = previous ? std::max(now, previous->this_update) : now;
  c.next_update = c.this_update + validity_s - 1;  // an inclusive interval of exactly validity_s
  CA_TRY(auto der, issuance::SignCaCrl(root_pem, key_pem, passphrase, c));
  CA_RETURN_IF_ERROR(WriteReplacing(f.crl, std::string(der.begin(), der.end()), 0644));
  crl::SignedCrl out;
  out.der = std::move(der);
  out.number = c.number;
  out.this_update = c.this_update;
  out.next_update = c.next_update;
  return out;
}

}  // namespace ca::app
