#pragma once
// Rng: the only source of randomness (OpenSSL's CSPRNG in production, deterministic in tests).
#include <string>

#include "common/bytes.h"

namespace ca {

class Rng {
 public:
  virtual ~Rng() = default;
  virtual Bytes Generate(size_t n) = 0;
};

class SystemRng final : public Rng {
 public:
  Bytes Generate(size_t n) override;  // RAND_bytes; aborts if the CSPRNG fails
};

// RandomId returns a base64url identifier carrying `bytes` random bytes less one bit (object IDs,
// tokens); it starts with a letter, never with '-' or '_'.
std::string RandomId(Rng& rng, size_t bytes = 16);

}  // namespace ca
