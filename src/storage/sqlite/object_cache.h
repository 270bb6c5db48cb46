#pragma once
// ObjectCache: the accounts, orders and authorizations a serving SqliteStore has written or read.
// An ACME issuance reads them about twenty times (the account on every request, the order and its
// authorizations on most); from here, none of those reads opens a SQLite read transaction (two
// fcntl locks on the WAL index each) or decodes a row and its challenges' JSON again.
//
// It is an exact mirror of the rows, which holds because
//   - only the serving process writes these three tables (the CLI writes devices, certificates and
//     EAB keys), and OpenSqliteStore's server role locks a second server out of the database file;
//   - every change goes through the store under its mutex, and is applied here after its COMMIT,
//     column for column as its SQL writes them (the ...Updated/...Moved methods).
// Not thread-safe: the store calls it under its mutex. Bounded per kind, least recently used first
// out; a miss reads the database.
#include <cstddef>
#include <string>

#include "common/lru_map.h"
#include "core/account.h"
#include "core/order.h"

namespace ca::storage::sqlite {

class ObjectCache final {
 public:
  explicit ObjectCache(size_t capacity_per_kind)
      : accounts_(capacity_per_kind), orders_(capacity_per_kind), authzs_(capacity_per_kind) {}

  // The cached row, or null; valid until the next call.
  const core::Account* Account(const std::string& id) { return accounts_.Find(id); }
  const core::Order* Order(const std::string& id) { return orders_.Find(id); }
  const core::Authz* Authz(const std::string& id) { return authzs_.Find(id); }

  // Put: a row as inserted or as read.
  void Put(const core::Account& a) { accounts_.Put(a.id, a); }
  void Put(const core::Order& o) { orders_.Put(o.id, o); }
  void Put(const core::Authz& a) { authzs_.Put(a.id, a); }

  // After a committed UPDATE: exactly the columns each statement sets, on a cached row.
  void AccountUpdated(const core::Account& a);                             // status, contact, jwk, thumbprint
  void OrderUpdated(const core::Order& o);                                 // status, error, cert_id
  void OrderMoved(const std::string& id, core::OrderStatus to);            // status
  void OrderCompleted(const std::string& id, const std::string& cert_id);  // status valid, cert_id
  void AuthzUpdated(const core::Authz& a);                                 // status, challenges
  // ForgetOrders: after an UPDATE whose rows are not known here (the recovery pass's).
  void ForgetOrders() { orders_.Clear(); }

 private:
  LruMap<std::string, core::Account> accounts_;
  LruMap<std::string, core::Order> orders_;
  LruMap<std::string, core::Authz> authzs_;
};

}  // namespace ca::storage::sqlite
