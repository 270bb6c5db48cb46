#include "acme/account_keys.h"

#include "acme/jwk.h"
#include "common/json.h"

namespace ca::acme {

Result<AccountKeys::Key> AccountKeys::Get(const core::Account& acct) {
  {
    std::lock_guard lock(mu_);
    auto* slot = map_.Find(acct.id);
    if (slot != nullptr && slot->jwk_json == acct.jwk_json) return slot->key;
  }
  // Parse outside the lock: a miss must not stall other requests.
  auto json = ParseJsonBounded(acct.jwk_json);
  if (!json) return Fail(Errc::kInternal, "stored account key is corrupt");
  auto jwk = ParseJwk(*json);
  if (!jwk) return Fail(Errc::kInternal, "stored account key does not parse: " + jwk.error().detail);
  auto key = std::make_shared<const ossl::UniquePtr<EVP_PKEY>>(std::move(jwk->key));

  std::lock_guard lock(mu_);
  map_.Put(acct.id, Slot{acct.jwk_json, key});
  return key;
}

size_t AccountKeys::size() const {
  std::lock_guard lock(mu_);
  return map_.size();
}

}  // namespace ca::acme
