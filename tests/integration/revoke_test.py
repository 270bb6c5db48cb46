#!/usr/bin/env python3
"""Every way to revoke ends in the same place: the store, which the OCSP responder reads live.

Against the real `attestca serve`, device-attest-01 certificates are issued (Apple-format chains
minted by the test, as in device_attest_apple_test.py) for three inventory devices A, B, C, then:
  `attestca cert list` (table and --json, --device, --status) shows them, with the device id;
  `attestca cert revoke SERIAL --reason keyCompromise` -> `openssl ocsp` says revoked, keyCompromise;
  `attestca cert revoke` again -> exit 1 (already revoked); a bad reason -> exit 2;
  `attestca device revoke A --reason privilegeWithdrawn` -> both of A's certificates answer revoked
    (privilegeWithdrawn), A is revoked, and a new device-attest-01 order for A is refused;
  admin API with the bearer token: list certificates (all, ?status=revoked, ?device=), GET a device,
    revoke C's certificate (superseded, shown by OCSP; the server re-signed the OCSP answers and the
    CRL before answering), suspend and resume B, bad reason -> 400;
    without a token, with a wrong token or another scheme -> 401 problem document (and a log line);
  ACME still works afterwards (health).
Output: one `ok <name>` / `FAIL <name>: ...` line per case; exit 1 on any failure.
Environment: ATTESTCA_BIN, ATTESTCA_SRC (unused).
"""
import os
import sys

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import debian_python  # noqa: E402

debian_python.require("cbor2", "cryptography")

import hashlib  # noqa: E402
import json  # noqa: E402
import re  # noqa: E402
import secrets  # noqa: E402
import subprocess  # noqa: E402
import time  # noqa: E402

from harness import Harness  # noqa: E402
from acme_http import SetupError, must  # noqa: E402
from device_acme import Account, DeviceOrder, Runner, cli, expect_refusal, run_cases, wait_valid  # noqa: E402
from device_attest_apple_test import Pki, att_obj  # noqa: E402

from cryptography import x509  # noqa: E402
from cryptography.hazmat.primitives import serialization  # noqa: E402
from cryptography.x509 import ocsp as x509_ocsp  # noqa: E402
from cryptography.hazmat.primitives.asymmetric import ec  # noqa: E402

DEV = "/acme/devices"
A, B, C = "C02REVOKE0001", "C02REVOKE0002", "C02REVOKE0003"
TOKEN = secrets.token_hex(32)


def attestca(h, *args):
    r = subprocess.run([h.bin, *args, "--config", h.config], capture_output=True, text=True)
    return r.returncode, r.stdout, r.stderr


def issue(acct, pki, value, tmp):
    """Issues a certificate for value; returns (serial hex, path of the leaf PEM)."""
    dev = ec.generate_private_key(ec.SECP256R1())
    o = DeviceOrder(acct, value)
    leaf = pki.leaf(dev.public_key(), serial=value, udid=None, token=o.token)
    ch = must(o.answer_att(att_obj("apple", [leaf, pki.inter_der()])), 200).json()
    if ch.get("status") != "valid":
        raise SetupError(f"challenge answer: {ch}")
    o.refresh()
    must(o.finalize(dev, cn=value), 200)
    o.refresh()
    pem = wait_valid(o)
    cert = x509.load_pem_x509_certificate(pem)
    serial = format(cert.serial_number, "x")
    serial = serial if len(serial) % 2 == 0 else "0" + serial
    path = os.path.join(tmp, f"leaf-{serial}.pem")
    with open(path, "wb") as fh:
        fh.write(cert.public_bytes(serialization.Encoding.PEM))
    return serial, path


def ocsp(h, leaf):
    """`openssl ocsp` POST against http_listen/ocsp, verified against the root; returns its output and
    the DER answer."""
    with open(h.config) as fh:
        port = re.search(r'http_listen\s*=\s*"127\.0\.0\.1:(\d+)"', fh.read()).group(1)
    r = subprocess.run(["openssl", "ocsp", "-issuer", os.path.join(h.ca_dir, "intermediate.crt"), "-cert", leaf,
                        "-url", f"http://127.0.0.1:{port}/ocsp", "-CAfile", os.path.join(h.ca_dir, "root.crt"),
                        "-no_nonce", "-respout", leaf + ".ocsp"], capture_output=True, text=True)
    out = r.stdout + r.stderr
    if r.returncode != 0 or "Response verify OK" not in out:
        raise SetupError(f"openssl ocsp failed (rc={r.returncode}): {out}")
    with open(leaf + ".ocsp", "rb") as fh:
        return out, fh.read()


def expect_ocsp(h, leaf, status, reason=None):
    """A revocation by the CLI (another process) shows within [ocsp] revocation_poll_ms (100 ms by
    default); the server's own (admin API) at once. Asked again for up to 1 s."""
    deadline = time.monotonic() + 1.0
    out, der = ocsp(h, leaf)
    while not re.search(rf"^{re.escape(leaf)}: {status}$", out, re.M) and time.monotonic() < deadline:
        time.sleep(0.05)
        out, der = ocsp(h, leaf)
    if not re.search(rf"^{re.escape(leaf)}: {status}$", out, re.M):
        raise SetupError(f"OCSP status is not {status}: {out}")
    # openssl prints "(UNKNOWN)" for privilegeWithdrawn, so the reason is read from the DER answer.
    if reason:
        got = x509_ocsp.load_der_ocsp_response(der).revocation_reason
        if got is None or got.value != reason:
            raise SetupError(f"OCSP revocationReason is {got}, want {reason}: {out}")


def run(h, c, pki):
    t = Runner()
    acct = Account(c, DEV)
    certs = {}  # device value -> [(serial, leaf path)]

    def issue_all():
        for v, n in ((A, 2), (B, 1), (C, 1)):
            certs[v] = [issue(acct, pki, v, h.tmp) for _ in range(n)]
        for v in certs:
            for _, leaf in certs[v]:
                expect_ocsp(h, leaf, "good")
    t.step("issue 2 certificates for A, 1 for B, 1 for C; OCSP says good", issue_all)
    if len(certs) != 3:
        return t
    dev_a = cli(h, "show", A).split()[1]

    def cli_list():
        rc, out, err = attestca(h, "cert", "list")
        if rc != 0 or any(s not in out for v in certs for s, _ in certs[v]):
            raise SetupError(f"cert list rc={rc}: {out}{err}")
        rc, out, err = attestca(h, "cert", "list", "--json", "--device", A)
        got = json.loads(out)
        if rc != 0 or sorted(x["serial"] for x in got) != sorted(s for s, _ in certs[A]):
            raise SetupError(f"cert list --device {A}: {out}{err}")
        if any(x["device_id"] != dev_a or x["status"] != "valid" for x in got):
            raise SetupError(f"cert list --json: device_id/status wrong: {got}")
        rc, out, _ = attestca(h, "cert", "list", "--json", "--status", "revoked")
        if rc != 0 or json.loads(out) != []:
            raise SetupError(f"cert list --status revoked before any revocation: {out}")
    t.step("attestca cert list: table, --json --device (by identifier), --status", cli_list)

    def cli_revoke():
        serial, leaf = certs[B][0]
        rc, out, err = attestca(h, "cert", "revoke", serial.upper(), "--reason", "keyCompromise")
        if rc != 0 or "revoked" not in out:
            raise SetupError(f"cert revoke rc={rc}: {out}{err}")
        expect_ocsp(h, leaf, "revoked", "keyCompromise")
        rc, out, err = attestca(h, "cert", "revoke", serial, "--reason", "1")
        if rc != 1 or "already revoked" not in err:
            raise SetupError(f"second revoke: rc={rc} {out}{err}")
        rc, out, err = attestca(h, "cert", "revoke", certs[C][0][0], "--reason", "cACompromise")
        if rc != 2 or "not allowed" not in err:
            raise SetupError(f"revoke with cACompromise: rc={rc} {out}{err}")
        rc, out, err = attestca(h, "cert", "revoke", "abcdef01", "--reason", "superseded")
        if rc != 1 or "no certificate" not in err:
            raise SetupError(f"revoke of an unknown serial: rc={rc} {out}{err}")
        expect_ocsp(h, certs[C][0][1], "good")
    t.step("attestca cert revoke --reason keyCompromise -> OCSP revoked (keyCompromise); again -> 1; "
           "bad reason -> 2; unknown serial -> 1", cli_revoke)

    def device_revoke():
        rc, out, err = attestca(h, "device", "revoke", A, "--reason", "privilegeWithdrawn")
        if rc != 0 or "2 certificate(s) revoked" not in out:
            raise SetupError(f"device revoke rc={rc}: {out}{err}")
        for _, leaf in certs[A]:
            expect_ocsp(h, leaf, "revoked", "privilegeWithdrawn")
        if "revoked" not in cli(h, "show", A):
            raise SetupError("device A is not revoked")
        o = DeviceOrder(acct, A)
        dev = ec.generate_private_key(ec.SECP256R1())
        leaf = pki.leaf(dev.public_key(), serial=A, udid=None, token=o.token)
        from acme_jws import b64u
        expect_refusal(o, o.answer({"attObj": b64u(att_obj("apple", [leaf, pki.inter_der()]))}), r"revoked", False)
        expect_ocsp(h, certs[C][0][1], "good")
    t.step("attestca device revoke A: every certificate of A revoked (privilegeWithdrawn), "
           "a new device-attest-01 order for A refused, C untouched", device_revoke)

    auth = {"Authorization": f"Bearer {TOKEN}"}

    def admin(method, path, body=None, headers=auth):
        return c.request(method, path, body, ctype="application/json", headers=headers)

    def unauthorized():
        for hdrs in ({}, {"Authorization": "Bearer " + secrets.token_hex(32)}, {"Authorization": f"Basic {TOKEN}"},
                     {"Authorization": "Bearer " + TOKEN[:-1]}):
            for m, p in (("GET", "/admin/v1/certificates"), ("POST", f"/admin/v1/devices/{dev_a}/resume")):
                r = admin(m, p, headers=hdrs)
                doc = r.json() if r.body else {}
                if r.status != 401 or not r.headers.get("content-type", "").startswith("application/problem+json") \
                        or doc.get("status") != 401 or "www-authenticate" not in r.headers:
                    raise SetupError(f"{m} {p} with {hdrs}: {r!r}")
        with open(h.log_path, errors="replace") as fh:
            if "admin api: refused" not in fh.read():
                raise SetupError("no log line for a refused admin request")
    t.step("admin API without a token, with a wrong one, with Basic: 401 problem + log line", unauthorized)

    def admin_list():
        got = must(admin("GET", "/admin/v1/certificates"), 200).json()["certificates"]
        if len(got) != 4:
            raise SetupError(f"{len(got)} certificates listed, want 4: {got}")
        got = must(admin("GET", "/admin/v1/certificates?status=revoked"), 200).json()["certificates"]
        want = sorted([certs[B][0][0]] + [s for s, _ in certs[A]])
        if sorted(x["serial"] for x in got) != want:
            raise SetupError(f"?status=revoked: {got}")
        dev_c = cli(h, "show", C).split()[1]
        got = must(admin("GET", f"/admin/v1/certificates?device={dev_c}&status=valid"), 200).json()["certificates"]
        if [x["serial"] for x in got] != [certs[C][0][0]]:
            raise SetupError(f"?device=C&status=valid: {got}")
        d = must(admin("GET", f"/admin/v1/devices/{dev_a}"), 200).json()
        if d["state"] != "revoked" or len(d["certificates"]) != 2 or \
                any(x["revocation_reason"] != "privilegeWithdrawn" for x in d["certificates"]):
            raise SetupError(f"GET device A: {d}")
        ds = must(admin("GET", "/admin/v1/devices?state=revoked"), 200).json()["devices"]
        if [x["identifier"] for x in ds] != [A]:
            raise SetupError(f"GET devices?state=revoked: {ds}")
        r = admin("GET", "/admin/v1/certificates?status=bogus")
        if r.status != 400 or r.json().get("status") != 400:
            raise SetupError(f"?status=bogus: {r!r}")
        if admin("GET", "/admin/v1/devices/nosuchdevice").status != 404:
            raise SetupError("unknown device is not 404")
    t.step("admin API lists certificates (all, ?status=, ?device=) and devices; errors are problems", admin_list)

    def admin_revoke():
        serial, leaf = certs[C][0]
        r = admin("POST", f"/admin/v1/certificates/{serial}/revoke", {"reason": "cACompromise"})
        if r.status != 400 or "badRevocationReason" not in r.json().get("type", ""):
            raise SetupError(f"cACompromise: {r!r}")
        expect_ocsp(h, leaf, "good")
        got = must(admin("POST", f"/admin/v1/certificates/{serial}/revoke", {"reason": "superseded"}), 200).json()
        if got.get("status") != "revoked" or got.get("revocation_reason") != "superseded":
            raise SetupError(f"revoke answer: {got}")
        # Before answering, the server re-signed the OCSP answers and the CRL (no fetch happened yet).
        with open(h.log_path, errors="replace") as fh:
            text = fh.read()
        audit = text.find(f"certificate revoked serial={serial} ")
        if audit < 0:
            raise SetupError("no audit line for the admin revocation")
        after = text[audit:]
        if f"ocsp: answers for revoked serial {serial} re-signed before the revocation answered" not in after:
            raise SetupError("the admin API answered before re-signing the OCSP answers")
        if not re.search(r"crl: signed number \d+ with \d+ entries", after):
            raise SetupError("the admin API answered before signing a new CRL")
        expect_ocsp(h, leaf, "revoked", "superseded")
        r = admin("POST", f"/admin/v1/certificates/{serial}/revoke", {"reason": 4})
        if r.status != 409:
            raise SetupError(f"second revoke: {r!r}")
        with open(h.log_path, errors="replace") as fh:
            if not re.search(rf"certificate revoked serial={serial} reason=4 \(superseded\) by=admin-token:ops", fh.read()):
                raise SetupError("no audit line naming the admin token")
    t.step("admin API revokes C's certificate (superseded) -> OCSP revoked; bad reason 400; again 409", admin_revoke)

    def admin_suspend():
        dev_b = cli(h, "show", B).split()[1]
        if must(admin("POST", f"/admin/v1/devices/{dev_b}/suspend"), 200).json()["state"] != "suspended":
            raise SetupError("suspend did not suspend")
        if must(admin("POST", f"/admin/v1/devices/{dev_b}/resume"), 200).json()["state"] != "active":
            raise SetupError("resume did not resume")
        r = admin("POST", f"/admin/v1/devices/{dev_a}/resume")
        if r.status != 409:
            raise SetupError(f"resuming a revoked device: {r!r}")
        if admin("GET", f"/admin/v1/devices/{dev_b}/suspend").status != 405:
            raise SetupError("GET on suspend is not 405")
    t.step("admin API suspends and resumes B; a revoked device cannot be resumed (409)", admin_suspend)

    def admin_device_revoke():
        dev_b = cli(h, "show", B).split()[1]
        got = must(admin("POST", f"/admin/v1/devices/{dev_b}/revoke", {"reason": "cessationOfOperation"}), 200).json()
        if got["state"] != "revoked" or got["revoked_certificates"] != []:
            raise SetupError(f"device revoke answer (B's only certificate was revoked already): {got}")
        expect_ocsp(h, certs[B][0][1], "revoked", "keyCompromise")
    t.step("admin API revokes device B; its already revoked certificate keeps its first reason", admin_device_revoke)

    def healthy():
        if h.proc.poll() is not None:
            raise SetupError(f"server exited with {h.proc.returncode}")
        issue(acct, pki, C, h.tmp)
    t.step("health: a new certificate for C is still issued", healthy)
    return t


def main():
    if os.environ.get("ACME_TEST_SERVER", "attestca") != "attestca":
        print("skipped: revocation paths are attestca's own (ACME_TEST_SERVER is set)")
        return 0
    with Harness("revoke_test") as h:
        h.init()
        pki = Pki("Test Apple")
        with open(os.path.join(h.ca_dir, "test-apple-root.pem"), "wb") as fh:
            fh.write(pki.root_pem())
        h.set("provisioners.devices.formats.apple", "roots", '["test-apple-root.pem"]')
        h.set("provisioners.devices.formats.apple", "builtin_roots", "false")
        h.set("provisioners.devices.formats.apple", "require_nonce", "true")
        h.set("admin", "tokens", f'[{{id = "ops", sha256 = "{hashlib.sha256(TOKEN.encode()).hexdigest()}"}}]')
        for v in (A, B, C):
            cli(h, "add", "--id", v)
        h.start()
        run_cases(h, run, pki)
    return 0


if __name__ == "__main__":
    sys.exit(main())
