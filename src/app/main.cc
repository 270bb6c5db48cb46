// attestca: an ACME certificate authority for device fleets. Subcommands: init, serve, migrate, eab, device, cert, profile, crl.
// Exit codes: 0 success, 1 failure, 2 usage or configuration error.
#include <CLI/CLI.hpp>

#include "app/commands.h"

namespace {
constexpr const char* kReasonHelp =
    "RFC 5280 reason, as a name or code: unspecified (0), keyCompromise (1), affiliationChanged (3), "
    "superseded (4), cessationOfOperation (5), privilegeWithdrawn (9)";
}  // namespace

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

  init_cmd->add_option("--storage", init.storage, "Storage backend")
      ->check(CLI::IsMember({"sqlite", "postgres"}))
      ->capture_default_str();
  init_cmd->add_option("--db-url", init.db_url,
                       "PostgreSQL URL for --storage postgres (postgresql://USER@HOST:PORT/DB; password from "
                       "~/.pgpass or PGPASSWORD preferred)");

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

  ca::app::DeviceArgs dev;
  auto* dev_cmd = app.add_subcommand("device", "The device inventory that device-attest-01 checks");
  dev_cmd->require_subcommand(1);
  const auto add_config = [&dev](CLI::App* c) {
    c->add_option("--config", dev.config, "Path to attestca.toml")->capture_default_str();
  };
  auto* dev_add = dev_cmd->add_subcommand("add", "Add an active device: prints its id");
  add_config(dev_add);
  dev_add->add_option("--id", dev.value,
                      "Identifier value: ID[/assigner-OID] (permanent-identifier, e.g. an Apple serial or UDID) or "
                      "SERIAL/hwType-OID (hardware-module)")
      ->required();
  dev_add->add_option("--type", dev.type, "Identifier type")
      ->check(CLI::IsMember({"permanent-identifier", "hardware-module"}))
      ->capture_default_str();
  dev_add->add_option("--owner", dev.owner, "Owner, usually an e-mail address");
  dev_add->add_option("--note", dev.note, "Free text");
  auto* dev_import = dev_cmd->add_subcommand(
      "import", "Add devices from a CSV file (header: identifier,type,owner,note); all or nothing");
  add_config(dev_import);
  dev_import->add_option("file", dev.file, "CSV file (RFC 4180)")->required();
  auto* dev_list = dev_cmd->add_subcommand("list", "List devices");
  add_config(dev_list);
  dev_list->add_option("--state", dev.state, "Only devices in this state")
      ->check(CLI::IsMember({"active", "suspended", "revoked"}));
  auto* dev_show = dev_cmd->add_subcommand("show", "Show every field of a device");
  auto* dev_suspend = dev_cmd->add_subcommand("suspend", "Suspend a device: it cannot enroll until resumed");
  auto* dev_resume = dev_cmd->add_subcommand("resume", "Make a suspended device active again");
  auto* dev_revoke = dev_cmd->add_subcommand(
      "revoke", "Revoke a device for good and every certificate issued to it (one transaction)");
  for (auto* c : {dev_show, dev_suspend, dev_resume, dev_revoke}) {
    add_config(c);
    c->add_option("id", dev.id, "Device id (or its identifier value)")->required();
  }
  dev_revoke->add_option("--reason", dev.reason, kReasonHelp)->capture_default_str();

  ca::app::CertArgs cert;
  auto* cert_cmd = app.add_subcommand("cert", "Issued certificates: list and revoke");
  cert_cmd->require_subcommand(1);
  auto* cert_revoke = cert_cmd->add_subcommand(
      "revoke", "Revoke a certificate: OCSP answers revoked at once (the running server reads the database)");
  cert_revoke->add_option("--config", cert.config, "Path to attestca.toml")->capture_default_str();
  cert_revoke->add_option("serial", cert.serial, "Serial number in hex (any case, colons allowed)")->required();
  cert_revoke->add_option("--reason", cert.reason, kReasonHelp)->required();
  auto* cert_list = cert_cmd->add_subcommand("list", "List issued certificates, newest first");
  cert_list->add_option("--config", cert.config, "Path to attestca.toml")->capture_default_str();
  cert_list->add_option("--device", cert.device, "Only the certificates of this device (id or identifier value)");
  cert_list->add_option("--status", cert.status, "Only certificates in this status")
      ->check(CLI::IsMember({"valid", "revoked", "expired"}));
  cert_list->add_flag("--json", cert.json, "Print a JSON array (the admin API's objects) instead of a table");
  cert_list->add_option("--limit", cert.limit, "At most this many certificates")
      ->check(CLI::Range(1, 1000000))
      ->capture_default_str();

  ca::app::ProfileArgs prof;
  auto* prof_cmd = app.add_subcommand("profile", "Enrollment profiles that point devices at a provisioner");
  prof_cmd->require_subcommand(1);
  auto* prof_apple = prof_cmd->add_subcommand(
      "apple", "Apple configuration profile (.mobileconfig) with the root CA and an ACME certificate payload");
  prof_apple->add_option("--config", prof.config, "Path to attestca.toml")->capture_default_str();
  prof_apple->add_option("--provisioner", prof.provisioner, "Provisioner offering device-attest-01")->required();
  prof_apple->add_option("--client-id", prof.client_id,
                         "ClientIdentifier: the permanent-identifier value (e.g. the serial number or UDID)")
      ->required();
  prof_apple->add_option("--key-size", prof.key_size, "EC key size of the Secure Enclave key")
      ->check(CLI::IsMember({256, 384}))
      ->capture_default_str();
  prof_apple->add_option("--subject", prof.subject, "Subject, e.g. \"CN=device,O=Example\" (default: CN=<client-id>)");
  prof_apple->add_option("--out", prof.out, "File to write (must not exist)")->required();
  prof_apple->add_flag("--declarative", prof.declarative,
                       "Write the com.apple.credential.acme JSON (declarative device management) instead");

  ca::app::MigrateArgs migrate;
  auto* migrate_cmd =
      app.add_subcommand("migrate", "Apply pending database schema migrations (SQLite or PostgreSQL; once per cluster)");
  migrate_cmd->add_option("--config", migrate.config, "Path to attestca.toml")->capture_default_str();

  ca::app::CrlArgs crl;
  auto* crl_cmd = app.add_subcommand("crl", "Sign a fresh CRL of the intermediate CA (or, with --root, of the root) and write it");
  crl_cmd->add_option("--config", crl.config, "Path to attestca.toml")->capture_default_str();
  crl_cmd->add_option("--out", crl.out, "File to write (replaced atomically)")->required();
  crl_cmd->add_flag("--pem", crl.pem, "Write PEM instead of DER");
  crl_cmd->add_flag("--root", crl.root,
                    "Sign the root CRL instead (with the root key; also replaces the data folder's copy)");

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : 2;  // --help and --version exit 0; usage errors exit 2
  }
  if (init_cmd->parsed()) return ca::app::RunInit(init);
  if (serve_cmd->parsed()) return ca::app::RunServe(serve);
  if (eab_new->parsed()) return ca::app::RunEabNew(eab);
  if (dev_add->parsed()) return ca::app::RunDeviceAdd(dev);
  if (dev_import->parsed()) return ca::app::RunDeviceImport(dev);
  if (dev_list->parsed()) return ca::app::RunDeviceList(dev);
  if (dev_show->parsed()) return ca::app::RunDeviceShow(dev);
  if (dev_suspend->parsed()) return ca::app::RunDeviceSuspend(dev);
  if (dev_resume->parsed()) return ca::app::RunDeviceResume(dev);
  if (dev_revoke->parsed()) return ca::app::RunDeviceRevoke(dev);
  if (cert_revoke->parsed()) return ca::app::RunCertRevoke(cert);
  if (cert_list->parsed()) return ca::app::RunCertList(cert);
  if (prof_apple->parsed()) return ca::app::RunProfileApple(prof);
  if (crl_cmd->parsed()) return ca::app::RunCrl(crl);
  if (migrate_cmd->parsed()) return ca::app::RunMigrate(migrate);
  return 2;
}
