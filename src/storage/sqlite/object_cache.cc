#include "storage/sqlite/object_cache.h"

namespace ca::storage::sqlite {

void ObjectCache::AccountUpdated(const core::Account& a) {
  auto* held = accounts_.Find(a.id);
  if (held == nullptr) return;
  held->status = a.status;
  held->contact = a.contact;
  held->jwk_json = a.jwk_json;
  held->thumbprint = a.thumbprint;
}

void ObjectCache::OrderUpdated(const core::Order& o) {
  auto* held = orders_.Find(o.id);
  if (held == nullptr) return;
  held->status = o.status;
  held->error = o.error;
  held->cert_id = o.cert_id;
}

void ObjectCache::OrderMoved(const std::string& id, core::OrderStatus to) {
  if (auto* held = orders_.Find(id)) held->status = to;
}

void ObjectCache::OrderCompleted(const std::string& id, const std::string& cert_id) {
  auto* held = orders_.Find(id);
  if (held == nullptr) return;
  held->status = core::OrderStatus::kValid;
  held->cert_id = cert_id;
}

void ObjectCache::AuthzUpdated(const core::Authz& a) {
  auto* held = authzs_.Find(a.id);
  if (held == nullptr) return;
  held->status = a.status;
  held->challenges = a.challenges;
}

}  // namespace ca::storage::sqlite
