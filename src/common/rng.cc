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

std::string RandomId(Rng& rng, size_t bytes) {
  Bytes b = rng.Generate(bytes);
  // The first character is then A..Z or a..f: an ID never starts with '-', which a command line
  // would read as an option (`attestca device resume -Ohw...`), nor with '_'. One bit less of 8*bytes.
  if (!b.empty()) b[0] = static_cast<uint8_t>(b[0] & 0x7f);
  return Base64UrlEncode(b);
}

}  // namespace ca
