#include "crl/publisher.h"

#include "common/log.h"

namespace ca::crl {

Result<SignedCrl> Generate(const issuance::Issuer& issuer, storage::CrlStore& store, const Clock& clock,
                           const Options& opts) {
  const UnixTime now = clock.Now();
  CA_TRY(int64_t revision, store.RevocationRevision());
  CA_TRY(auto revoked, store.ListRevokedUnexpired(now));
  CA_TRY(auto reserved, store.NextCrlNumber(now));
  issuance::CrlContents c;
  c.number = reserved.number;
  c.this_update = reserved.this_update;
  c.next_update = reserved.this_update + opts.validity_s;
  c.entries.reserve(revoked.size());
  for (const auto& r : revoked) c.entries.push_back({r.serial_hex, r.revoked_at, r.reason});
  SignedCrl out;
  CA_TRY(out.der, issuer.SignCrl(c));
  out.number = c.number;
  out.this_update = c.this_update;
  out.next_update = c.next_update;
  out.revision = revision;
  out.entries = c.entries.size();
  return out;
}

Result<std::shared_ptr<const SignedCrl>> Publisher::Current() {
  std::lock_guard lock(mu_);
  const UnixTime now = clock_.Now();
  auto refreshed = RefreshLocked(now);
  if (refreshed) return *refreshed;
  // The database or the key failed: the last CRL is still a valid statement until its nextUpdate,
  // and better for relying parties than no CRL at all (they fail soft or hard on a 503).
  if (current_ && now < current_->next_update) {
    log::Error("crl: cannot refresh, serving number {} until its nextUpdate: {}", current_->number,
               refreshed.error().detail);
    return current_;
  }
  return tl::unexpected(refreshed.error());
}

Result<std::shared_ptr<const SignedCrl>> Publisher::RefreshLocked(UnixTime now) {
  CA_TRY(int64_t revision, store_.RevocationRevision());
  bool fresh = current_ && current_->revision == revision && now >= made_at_ &&
               now - made_at_ < static_cast<UnixTime>(opts_.validity_s / 2);
  if (fresh) return current_;
  CA_TRY(auto made, Generate(issuer_, store_, clock_, opts_));
  log::Info("crl: signed number {} with {} entries (revision {})", made.number, made.entries, made.revision);
  current_ = std::make_shared<const SignedCrl>(std::move(made));
  made_at_ = now;
  return current_;
}

}  // namespace ca::crl
