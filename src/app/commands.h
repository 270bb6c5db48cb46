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
  std::string storage = "sqlite";  // --storage sqlite|postgres
  std::string db_url;              // --db-url (postgres)
};
int RunInit(const InitArgs& a);

// `attestca migrate`: the configured database's pending migrations (app/migrate.cc). Exit codes:
// 0 up to date, 1 failed (database error, schema newer than this binary), 2 config error.
struct MigrateArgs {
  std::string config = "data/attestca.toml";
};
int RunMigrate(const MigrateArgs& a);

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

// `attestca device ...`: the device inventory (app/device.cc). Exit codes: 0 done, 1 failed (unknown
// device, duplicate, bad CSV lines, database error), 2 usage or config error (bad --id value).
struct DeviceArgs {
  std::string config = "data/attestca.toml";
  std::string value;                          // add --id: the identifier value
  std::string type = "permanent-identifier";  // add --type
  std::string owner;                          // add --owner
  std::string note;                           // add --note
  std::string file;                           // import FILE.csv
  std::string state;                          // list --state
  std::string id;                             // show|suspend|resume|revoke ID (device id, or its identifier)
  std::string reason = "unspecified";         // revoke --reason
};
int RunDeviceAdd(const DeviceArgs& a);
int RunDeviceImport(const DeviceArgs& a);
int RunDeviceList(const DeviceArgs& a);
int RunDeviceShow(const DeviceArgs& a);
int RunDeviceSuspend(const DeviceArgs& a);
int RunDeviceResume(const DeviceArgs& a);
// RunDeviceRevoke revokes every certificate of the device and the device itself (final), in one
// transaction: its next device-attest-01 order is refused.
int RunDeviceRevoke(const DeviceArgs& a);

// `attestca cert ...`: issued certificates (app/cert.cc). Exit codes: 0 done, 1 failed (no such
// certificate or device, already revoked, database error), 2 usage or config error (bad reason or
// serial).
struct CertArgs {
  std::string config = "data/attestca.toml";
  std::string serial;                  // revoke SERIAL (hex, any case, colons allowed)
  std::string reason = "unspecified";  // revoke --reason: RFC 5280 name or code
  std::string device;                  // list --device (device id or identifier value)
  std::string status;                  // list --status valid|revoked|expired
  bool json = false;                   // list --json
  size_t limit = 1000;                 // list --limit
};
int RunCertRevoke(const CertArgs& a);
int RunCertList(const CertArgs& a);

// `attestca profile apple`: an Apple enrollment profile for a device-attest-01 provisioner
// (app/profile.cc). Exit codes: 0 written, 1 failed (root certificate unreadable, write error),
// 2 usage or config error (unknown provisioner or one without device-attest-01, bad --client-id or
// --subject, --out exists).
struct ProfileArgs {
  std::string config = "data/attestca.toml";
  std::string provisioner;
  std::string client_id;  // ClientIdentifier: the permanent-identifier value the device will send
  int key_size = 384;     // 256 | 384 (Secure Enclave keys)
  std::string subject;    // "CN=a,O=b"; empty: "CN=<client_id>"
  std::string out;
  bool declarative = false;  // com.apple.credential.acme JSON instead of a .mobileconfig
};
int RunProfileApple(const ProfileArgs& a);

// `attestca crl`: a freshly signed CRL of the intermediate (app/crl.cc); with --root, the root's
// CRL instead (signed with the root key, next number, the data folder's copy replaced too). Exit
// codes: 0 written, 1 failed, 2 usage or config error.
struct CrlArgs {
  std::string config = "data/attestca.toml";
  std::string out;
  bool pem = false;   // PEM ("X509 CRL") instead of DER
  bool root = false;  // the root CRL
};
int RunCrl(const CrlArgs& a);

}  // namespace ca::app
