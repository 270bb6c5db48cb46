// `attestca eab new`: an external account binding key for a provisioner.
#include <cstdio>

#include "app/cli_store.h"
#include "app/commands.h"
#include "common/base64.h"
#include "common/clock.h"
#include "common/rng.h"
#include "config/config.h"
#include "storage/store.h"

namespace ca::app {

int RunEabNew(const EabArgs& a) {
  auto cfg = config::LoadConfig(a.config);
  if (!cfg) {
    std::fprintf(stderr, "attestca: config errors:\n%s\n", cfg.error().detail.c_str());
    return 2;
  }
  auto prov = cfg->provisioners.find(a.provisioner);
  if (prov == cfg->provisioners.end()) {
    std::fprintf(stderr, "attestca eab new: no provisioner \"%s\" in %s\n", a.provisioner.c_str(), a.config.c_str());
    return 2;
  }
  auto store = OpenConfiguredStore(*cfg, storage::SchemaPolicy::kRequireCurrent);
  if (!store) {
    std::fprintf(stderr, "attestca eab new: %s\n", store.error().detail.c_str());
    return 1;
  }
  SystemRng rng;
  SystemClock clock;
  core::EabKey key;
  key.kid = RandomId(rng, 12);
  key.provisioner = a.provisioner;
  key.hmac_key_b64url = Base64UrlEncode(rng.Generate(32));
  key.created_at = clock.Now();
  auto ok = (*store)->CreateEabKey(key);
  if (!ok) {
    std::fprintf(stderr, "attestca eab new: %s\n", ok.error().detail.c_str());
    return 1;
  }
  std::printf("kid: %s\nhmac_key: %s\n", key.kid.c_str(), key.hmac_key_b64url.c_str());
  if (!prov->second.require_eab) {
    std::fprintf(stderr, "note: provisioner \"%s\" does not set require_eab = true\n", a.provisioner.c_str());
  }
  return 0;
}

}  // namespace ca::app
