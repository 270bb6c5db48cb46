// Fuzz target: untrusted ACME request bodies through ParseJws, and (when the header carries a
// jwk) ParseJwk + VerifyJws; also the EAB path (ParseJwsAllowHmac + VerifyHs256).
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "acme/jwk.h"
#include "acme/jws.h"
#include "ossl/types.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view body(reinterpret_cast<const char*>(data), size);
  auto jws = ca::acme::ParseJws(body);
  if (jws && jws->jwk) {
    auto jwk = ca::acme::ParseJwk(*jws->jwk);
    if (jwk) (void)ca::acme::VerifyJws(*jws, jwk->key.get());
  }
  auto json = ca::acme::ParseJsonBounded(body);
  if (json) {
    auto eab = ca::acme::ParseJwsAllowHmac(*json);
    static constexpr uint8_t kKey[32] = {'k', 'k', 'k', 'k', 'k', 'k', 'k', 'k', 'k', 'k', 'k',
                                         'k', 'k', 'k', 'k', 'k', 'k', 'k', 'k', 'k', 'k', 'k',
                                         'k', 'k', 'k', 'k', 'k', 'k', 'k', 'k', 'k', 'k'};
    if (eab) (void)ca::acme::VerifyHs256(*eab, ca::ByteView(kKey, sizeof kKey));
  }
  return 0;
}
