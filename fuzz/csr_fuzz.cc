// Fuzz target: DER CSRs through ca::policy::ParseCsr (parse, self-signature, key policy).
#include <cstddef>
#include <cstdint>

#include "ossl/types.h"
#include "policy/csr_check.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto csr = ca::policy::ParseCsr(ca::ByteView(data, size));
  (void)csr;
  return 0;
}
