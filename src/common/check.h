#pragma once
// CA_CHECK aborts (in every build) when an invariant that cannot fail on untrusted input fails.
// Never use it on bytes that came from the network.
#include <cstdio>
#include <cstdlib>

#define CA_CHECK(cond)                                                              \
  do {                                                                              \
    if (!(cond)) {                                                                  \
      std::fprintf(stderr, "CA_CHECK failed: %s at %s:%d\n", #cond, __FILE__, __LINE__); \
      std::abort();                                                                 \
    }                                                                               \
  } while (false)
