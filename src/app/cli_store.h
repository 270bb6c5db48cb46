#pragma once
// What the CLI commands that work on the database share: opening the store named by --config, and
// naming the operator in audit lines.
#include <memory>
#include <string>

#include "revocation/revoker.h"
#include "storage/store.h"

namespace ca::app {

// OpenStore loads the config and opens its database; on failure prints why ("attestca CMD: ...")
// and sets *rc (2 config error, 1 database error).
std::unique_ptr<storage::Store> OpenStore(const std::string& config_path, const std::string& cmd, int* rc);

// CliActor is the operator at the terminal: kind "cli", id the OS user name.
revocation::Actor CliActor();

}  // namespace ca::app
