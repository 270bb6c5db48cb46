// Fuzz target: ParseJsonBounded (depth and duplicate-key limits) on arbitrary bytes; whatever it
// accepts must serialize and re-parse to the same value.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "acme/jws.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto j = ca::acme::ParseJsonBounded(std::string_view(reinterpret_cast<const char*>(data), size));
  if (!j) return 0;
  const std::string text = j->dump();
  auto again = ca::acme::ParseJsonBounded(text);
  if (!again || *again != *j) std::abort();
  return 0;
}
