#pragma once
// The subcommands of the attestca binary. Each returns a process exit code.
#include <string>
#include <vector>

namespace ca::app {

struct InitArgs {
  std::string dir;
  std::string name = "attestca";
  std::string key_type = "ec-p256";
  std::string listen = "127.0.0.1:8443";
  std::string http_listen = "127.0.0.1:8080";
  std::vector<std::string> dns_names;
  std::string passphrase_file;
  std::string passphrase_env;
};
int RunInit(const InitArgs& a);

struct ServeArgs {
  std::string config;
  bool check_config = false;
};
int RunServe(const ServeArgs& a);

struct EabArgs {
  std::string config;
  std::string provisioner;
};
int RunEabNew(const EabArgs& a);

}  // namespace ca::app
