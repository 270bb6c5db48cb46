// attestca: an ACME certificate authority for device fleets. Subcommands: init, serve, eab.
#include <CLI/CLI.hpp>

#include "app/commands.h"

int main(int argc, char** argv) {
  CLI::App app{"attestca: an ACME (RFC 8555) certificate authority for device fleets"};
  app.require_subcommand(1);
  app.set_version_flag("--version", "attestca 0.1.0");

  ca::app::InitArgs init;
  auto* init_cmd = app.add_subcommand("init", "Create a new CA (root, intermediate, TLS certificate), database and config");
  init_cmd->add_option("--dir", init.dir, "Folder for the CA's files (created; must not hold a CA already)")->required();
  init_cmd->add_option("--name", init.name, "Organisation name used in the CA certificates' subjects")
      ->capture_default_str();
  init_cmd->add_option("--key-type", init.key_type, "CA key type")
      ->check(CLI::IsMember({"ec-p256", "ec-p384", "rsa-3072", "ed25519"}))
      ->capture_default_str();
  init_cmd->add_option("--listen", init.listen, "HTTPS listener for ACME (host:port)")->capture_default_str();
  init_cmd->add_option("--http-listen", init.http_listen, "Plain HTTP listener for OCSP/CRL (host:port)")
      ->capture_default_str();
  init_cmd->add_option("--dns-name", init.dns_names,
                       "Name (DNS or IP) of this server for its TLS certificate; repeatable (default: localhost "
                       "and 127.0.0.1)");
  auto* pf = init_cmd->add_option("--passphrase-file", init.passphrase_file,
                                  "Encrypt the CA keys with the passphrase in this file (first line)");
  init_cmd->add_option("--passphrase-env", init.passphrase_env,
                       "Encrypt the CA keys with the passphrase in this environment variable")
      ->excludes(pf);

  ca::app::ServeArgs serve;
  auto* serve_cmd = app.add_subcommand("serve", "Run the CA server");
  serve_cmd->add_option("--config", serve.config, "Path to attestca.toml")->required();
  serve_cmd->add_flag("--check-config", serve.check_config, "Validate the configuration and exit");

  ca::app::EabArgs eab;
  auto* eab_cmd = app.add_subcommand("eab", "External account binding keys (RFC 8555 §7.3.4)");
  eab_cmd->require_subcommand(1);
  auto* eab_new = eab_cmd->add_subcommand("new", "Create a key: prints kid and base64url HMAC key");
  eab_new->add_option("--config", eab.config, "Path to attestca.toml")->capture_default_str();
  eab.config = "data/attestca.toml";
  eab_new->add_option("--provisioner", eab.provisioner, "Provisioner the key is for")->required();

  CLI11_PARSE(app, argc, argv);
  if (init_cmd->parsed()) return ca::app::RunInit(init);
  if (serve_cmd->parsed()) return ca::app::RunServe(serve);
  if (eab_new->parsed()) return ca::app::RunEabNew(eab);
  return 2;
}
