#include "app/root_crl.h"

#include <algorithm>
#include <utility>

#include "app/files.h"
#include "common/bytes.h"
#include "common/file_lock.h"
#include "issuance/ca_crl.h"

namespace ca::app {

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
