// Public keys from their parts.
#include <array>

#include <openssl/core_names.h>

#include "ossl/error.h"
#include "ossl/pem.h"
#include "ossl/types.h"

namespace ca::ossl {

Result<UniquePtr<EVP_PKEY>> EcPublicKey(const char* group, ByteView point) {
  UniquePtr<EVP_PKEY_CTX> ctx(EVP_PKEY_CTX_new_from_name(nullptr, "EC", nullptr));
  if (!ctx || EVP_PKEY_fromdata_init(ctx.get()) != 1) return Internal("EVP_PKEY_fromdata_init (EC)");
  // OSSL_PARAM_construct_* only point at the values; nothing is copied or written through them.
  std::array<OSSL_PARAM, 3> params = {
      OSSL_PARAM_construct_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME, const_cast<char*>(group), 0),
      OSSL_PARAM_construct_octet_string(OSSL_PKEY_PARAM_PUB_KEY, const_cast<uint8_t*>(point.data()), point.size()),
      OSSL_PARAM_construct_end(),
  };
  EVP_PKEY* key = nullptr;
  if (EVP_PKEY_fromdata(ctx.get(), &key, EVP_PKEY_PUBLIC_KEY, params.data()) != 1) {
    ERR_clear_error();
    return Fail(Errc::kBadPublicKey, std::string("EC point is not on the ") + group + " curve");
  }
  return UniquePtr<EVP_PKEY>(key);
}

}  // namespace ca::ossl
