#include "ossl/error.h"

#include <openssl/err.h>

namespace ca::ossl {

std::string ErrorString(const std::string& what) {
  std::string out = what;
  unsigned long e;
  bool first = true;
  while ((e = ERR_get_error()) != 0) {
    char buf[256];
    ERR_error_string_n(e, buf, sizeof buf);
    out += first ? ": " : "; ";
    out += buf;
    first = false;
  }
  return out;
}

}  // namespace ca::ossl
