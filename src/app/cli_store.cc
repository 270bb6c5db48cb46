#include "app/cli_store.h"

#include <pwd.h>
#include <unistd.h>

#include <cstdio>

#include "config/config.h"

namespace ca::app {

std::unique_ptr<storage::Store> OpenStore(const std::string& config_path, const std::string& cmd, int* rc) {
  auto cfg = config::LoadConfig(config_path);
  if (!cfg) {
    std::fprintf(stderr, "attestca: config errors:\n%s\n", cfg.error().detail.c_str());
    *rc = 2;
    return nullptr;
  }
  auto store = storage::OpenSqliteStore(cfg->Path(cfg->database.path));
  if (!store) {
    std::fprintf(stderr, "attestca %s: %s\n", cmd.c_str(), store.error().detail.c_str());
    *rc = 1;
    return nullptr;
  }
  return std::move(*store);
}

revocation::Actor CliActor() {
  revocation::Actor who;
  who.kind = "cli";
  who.authority = revocation::Authority::kOperator;
  // The real uid, not $USER: an audit line should not be whatever the environment says.
  const passwd* pw = getpwuid(getuid());
  who.id = pw != nullptr && pw->pw_name != nullptr ? pw->pw_name : "uid " + std::to_string(getuid());
  return who;
}

}  // namespace ca::app
