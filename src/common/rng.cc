#include "common/rng.h"

#include <openssl/rand.h>

#include <cstdlib>

#include "common/base64.h"
#include "common/check.h"

namespace ca {

Bytes SystemRng::Generate(size_t n) {
  Bytes out(n);
  CA_CHECK(n == 0 || RAND_bytes(out.data(), static_cast<int>(n)) == 1);
  return out;
}

std::string RandomId(Rng& rng, size_t bytes) { return Base64UrlEncode(rng.Generate(bytes)); }

}  // namespace ca
