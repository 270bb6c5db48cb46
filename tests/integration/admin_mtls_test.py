#!/usr/bin/env python3
"""Admin API authentication by TLS client certificate, against the real `attestca serve`.

Device-attest-01 certificates (clientAuth) are issued for one inventory device, the server restarts
with two of their serials in [admin] client_certs and no token, then, with `curl --cert/--key`:
  the listed certificate lists certificates (200) and the log names admin-cert:<id>;
  an unlisted certificate of ours, a certificate of another CA (even with a listed serial), no
  certificate -> 401 problem document, each with a log line;
  the second listed certificate works until `attestca cert revoke` revokes it, then 401;
  ACME (the directory) is served to a client without a certificate as before.
Output: one `ok <name>` / `FAIL <name>: ...` line per case; exit 1 on any failure.
Environment: ATTESTCA_BIN, ATTESTCA_SRC (unused).
"""
import os
import sys

sys.dont_write_bytecode = True

try:
    import cbor2  # noqa: F401
    import cryptography  # noqa: F401
except ImportError:
    if os.path.realpath(sys.executable) != os.path.realpath("/usr/bin/python3") and os.access("/usr/bin/python3", os.X_OK):
        os.execv("/usr/bin/python3", ["/usr/bin/python3", os.path.abspath(__file__), *sys.argv[1:]])
    raise

import datetime  # noqa: E402
import json  # noqa: E402
import re  # noqa: E402
import subprocess  # noqa: E402
import traceback  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import Harness, TestFailure  # noqa: E402
from acme_http import SetupError, must  # noqa: E402
from device_acme import Account, Client, DeviceOrder, Runner, cli, wait_valid  # noqa: E402
from device_attest_apple_test import Pki, att_obj  # noqa: E402

from cryptography import x509  # noqa: E402
from cryptography.hazmat.primitives import hashes, serialization  # noqa: E402
from cryptography.hazmat.primitives.asymmetric import ec  # noqa: E402
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID  # noqa: E402

DEV = "/acme/devices"
A = "C02MTLS00001"


def write_pair(tmp, name, key, cert):
    key_path = os.path.join(tmp, f"{name}.key.pem")
    cert_path = os.path.join(tmp, f"{name}.pem")
    with open(key_path, "wb") as fh:
        fh.write(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                   serialization.NoEncryption()))
    with open(cert_path, "wb") as fh:
        fh.write(cert.public_bytes(serialization.Encoding.PEM))
    return cert_path, key_path


def issue(acct, pki, tmp, name):
    """A device certificate for A; returns (serial hex, cert path, key path)."""
    dev = ec.generate_private_key(ec.SECP256R1())
    o = DeviceOrder(acct, A)
    leaf = pki.leaf(dev.public_key(), serial=A, udid=None, token=o.token)
    ch = must(o.answer_att(att_obj("apple", [leaf, pki.inter_der()])), 200).json()
    if ch.get("status") != "valid":
        raise SetupError(f"challenge answer: {ch}")
    o.refresh()
    must(o.finalize(dev, cn=A), 200)
    o.refresh()
    cert = x509.load_pem_x509_certificate(wait_valid(o))
    eku = cert.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    if ExtendedKeyUsageOID.CLIENT_AUTH not in eku:
        raise SetupError(f"the device certificate has no clientAuth EKU: {list(eku)}")
    serial = format(cert.serial_number, "x")
    return (serial if len(serial) % 2 == 0 else "0" + serial, *write_pair(tmp, name, dev, cert))


def foreign(tmp, serial_hex):
    """A self-made CA's clientAuth certificate carrying one of our listed serials."""
    now = datetime.datetime.now(datetime.timezone.utc)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "attestca Intermediate CA")])
    key = ec.generate_private_key(ec.SECP256R1())
    cert = (x509.CertificateBuilder().subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, A)]))
            .issuer_name(ca_name).public_key(key.public_key()).serial_number(int(serial_hex, 16))
            .not_valid_before(now - datetime.timedelta(hours=1)).not_valid_after(now + datetime.timedelta(days=1))
            .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.CLIENT_AUTH]), critical=False)
            .sign(ca_key, hashes.SHA256()))
    return write_pair(tmp, "foreign", key, cert)


def curl(h, path, cert=None):
    """GET https://localhost:<port><path> with an optional (cert, key); returns (status, body)."""
    cmd = ["curl", "-sS", "--max-time", "20", "--cacert", h.tls_root, "-o", "-", "-w", "\n%{http_code}"]
    if cert:
        cmd += ["--cert", cert[0], "--key", cert[1]]
    r = subprocess.run(cmd + [f"https://localhost:{h.port}{path}"], capture_output=True, text=True)
    if r.returncode != 0:
        raise SetupError(f"curl exited {r.returncode}: {r.stderr.strip()}")
    body, _, status = r.stdout.rpartition("\n")
    return int(status), body


def expect_401(h, cert, why):
    """why: a regex the refusal's log line must match."""
    status, body = curl(h, "/admin/v1/certificates", cert)
    if status != 401:
        raise SetupError(f"expected 401, got {status}: {body[:300]}")
    problem = json.loads(body)
    if problem.get("status") != 401 or "unauthorized" not in problem.get("type", ""):
        raise SetupError(f"not a 401 problem document: {problem}")
    with open(h.log_path) as fh:
        log = fh.read()
    if not re.search(r"admin api: refused GET /admin/v1/certificates from \S+: .*" + why, log, re.M):
        raise SetupError(f"no log line saying {why!r}")


def main():
    if os.environ.get("ACME_TEST_SERVER", "attestca") != "attestca":
        print("skipped: the admin API is attestca's own (ACME_TEST_SERVER is set)")
        return 0
    with Harness("admin_mtls_test") as h:
        h.init()
        pki = Pki("Test Apple")
        with open(os.path.join(h.ca_dir, "test-apple-root.pem"), "wb") as fh:
            fh.write(pki.root_pem())
        h.set("provisioners.devices.formats.apple", "roots", '["test-apple-root.pem"]')
        h.set("provisioners.devices.formats.apple", "builtin_roots", "false")
        h.set("provisioners.devices.formats.apple", "require_nonce", "true")
        cli(h, "add", "--id", A)
        h.start()
        t = Runner()
        certs = {}
        try:
            acct = Account(Client(h.port, h.tls_root), DEV)

            def issue_three():
                for name in ("ops", "spare", "unlisted"):
                    certs[name] = issue(acct, pki, h.tmp, name)
            t.step("issue three clientAuth device certificates", issue_three)
            if len(certs) != 3:
                raise TestFailure("could not issue the certificates")
            h.stop()
            h.set("admin", "client_certs", f'[{{id = "ops-laptop", serial = "{certs["ops"][0]}"}}, '
                                           f'{{id = "spare", serial = "{certs["spare"][0].upper()}"}}]')
            h.start()

            def listed():
                status, body = curl(h, "/admin/v1/certificates", certs["ops"][1:])
                if status != 200:
                    raise SetupError(f"expected 200, got {status}: {body[:300]}")
                serials = {c["serial"].lstrip("0") for c in json.loads(body)["certificates"]}
                if not {certs[n][0].lstrip("0") for n in certs} <= serials:
                    raise SetupError(f"listing misses our certificates: {serials}")
                with open(h.log_path) as fh:
                    if "by=admin-cert:ops-laptop status=200" not in fh.read():
                        raise SetupError("no access line naming admin-cert:ops-laptop")
            t.step("listed certificate lists certificates (200, logged as admin-cert:ops-laptop)", listed)
            t.step("unlisted certificate of ours -> 401 + log line",
                   lambda: expect_401(h, certs["unlisted"][1:], rf"serial {certs['unlisted'][0]} is not in \[admin\] client_certs"))
            t.step("another CA's certificate with a listed serial -> 401 + log line",
                   lambda: expect_401(h, foreign(h.tmp, certs["ops"][0]), "does not verify to our CA"))
            t.step("no certificate and no token -> 401 + log line",
                   lambda: expect_401(h, None, "no Authorization header$"))

            def revoked():
                if curl(h, "/admin/v1/certificates", certs["spare"][1:])[0] != 200:
                    raise SetupError("the spare certificate was refused before revocation")
                r = subprocess.run([h.bin, "cert", "revoke", certs["spare"][0], "--reason", "keyCompromise",
                                    "--config", h.config], capture_output=True, text=True)
                if r.returncode != 0:
                    raise SetupError(f"cert revoke: {r.stderr}")
                expect_401(h, certs["spare"][1:], "is revoked")
            t.step("listed certificate works until revoked, then 401", revoked)

            def acme_unaffected():
                status, body = curl(h, "/acme/acme/directory")
                if status != 200 or "newOrder" not in body:
                    raise SetupError(f"directory without a client certificate: {status} {body[:200]}")
            t.step("ACME directory still served to a client without a certificate", acme_unaffected)
        except TestFailure:
            raise
        except Exception:  # noqa: BLE001
            traceback.print_exc()
            raise TestFailure("the test itself crashed")
        t.step("health: clean exit on SIGTERM", h.stop)
        print(f"{t.passed} passed, {len(t.failed)} failed", flush=True)
        if t.failed:
            raise TestFailure(f"{len(t.failed)} case(s) failed: {', '.join(t.failed)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
