#pragma once
// The root CRL file in the data folder ([ca] root_crl, DER): made by `attestca init` (number 1),
// re-signed by `attestca crl --root` and by serve while the root key is here. The file itself keeps
// the numbering: the next CRL's number is the file's plus one, so it never goes backwards.
#include <memory>
#include <string>

#include "common/clock.h"
#include "common/result.h"
#include "crl/publisher.h"

namespace ca::app {

struct RootCrlFiles {
  std::string crl;        // the root CRL (DER), replaced atomically
  std::string root_cert;  // PEM
  std::string root_key;   // PEM, optionally encrypted with the CA passphrase
};

// ReadRootCrl reads and checks (signed by the root) the root CRL file; null when there is none.
Result<std::shared_ptr<const crl::SignedCrl>> ReadRootCrl(const RootCrlFiles& f);

// RenewRootCrl signs the next root CRL (number = the file's + 1, or 1 without a file; thisUpdate =
// max(now, the file's thisUpdate); nextUpdate = thisUpdate + validity - 1s; no entries: this CA
// never revokes its intermediate) and replaces the file, under an exclusive lock on "<crl>.lock"
// so a CLI run and the server never hand out one number twice.
Result<crl::SignedCrl> RenewRootCrl(const RootCrlFiles& f, const std::string& passphrase, UnixTime now,
                                    uint32_t validity_s);

}  // namespace ca::app
