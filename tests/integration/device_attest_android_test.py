#!/usr/bin/env python3
"""device-attest-01 with Android Key Attestation ("android-key" format, step-ca's wire contract)
end to end against the real `attestca serve`, with chains minted by this test.

Setup: `attestca init`, then a provisioner "droid" (inventory = "off") whose
[formats.android-key] trusts only a test root (roots = ["test-android-root.pem"], builtin_roots =
false), reads revocation_list = "android-status.json" and sets the posture rules
require_verified_boot, require_locked_bootloader and min_patch_level = "2025-01". Per attempt the
test mints a leaf (key = a fresh EC P-256 device key, Keystore's placeholder dates 1970..2106) under
the test intermediate, carrying a DER KeyDescription (1.3.6.1.4.1.11129.2.1.17) whose
attestationChallenge is the key authorization (token "." account key thumbprint), and signs the key
authorization with the device key: attObj = CBOR {"fmt": "android-key", "attStmt": {"alg": -7,
"sig": ECDSA-SHA256 DER, "x5c": [leaf, intermediate]}}.

Cases:
  honest flow: challenge valid, order ready, finalize with a CSR of the device key, certificate with
    the attested serial as PermanentIdentifier and the device key;
  refused (challenge invalid, badAttestationStatement, detail names the cause): wrong challenge,
    software security level, missing serial (no ID attestation), bad signature, posture
    (min_patch_level, require_locked_bootloader, require_verified_boot), serial of the intermediate
    REVOKED in the status list file (re-read on change), status list file broken (fail closed);
  after each status list case the file is restored and the honest flow works again.
Output: one `ok   <name>` / `FAIL <name>: ...` line per case, then `N passed, M failed`; exit 1 on
any failure. Environment: ATTESTCA_BIN, ATTESTCA_SRC (unused).
"""
import os
import sys

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import debian_python  # noqa: E402

debian_python.require("cbor2", "cryptography")
import cbor2  # noqa: E402

import datetime  # noqa: E402
import json  # noqa: E402
import time  # noqa: E402

from harness import Harness  # noqa: E402
from acme_http import SetupError, must  # noqa: E402
from device_acme import (Account, DeviceOrder, Runner, TestCa, check_cert,  # noqa: E402
                         expect_refusal, wait_valid, run_cases)

from cryptography import x509  # noqa: E402
from cryptography.hazmat.primitives import hashes  # noqa: E402
from cryptography.hazmat.primitives.asymmetric import ec  # noqa: E402
from cryptography.hazmat.primitives import serialization  # noqa: E402
from cryptography.x509.oid import NameOID, ObjectIdentifier  # noqa: E402

DROID = "/acme/droid"
OID_KEY_DESCRIPTION = ObjectIdentifier("1.3.6.1.4.1.11129.2.1.17")
SERIAL = "ANDROID0001"
STATUS_FILE = "android-status.json"


# ---------------------------------------------------------------------------------------------
# DER KeyDescription (shared/spec/device-attest.md §4)
# ---------------------------------------------------------------------------------------------
def tlv(tag: bytes, body: bytes) -> bytes:
    n = len(body)
    if n < 0x80:
        ln = bytes([n])
    else:
        raw = n.to_bytes((n.bit_length() + 7) // 8, "big")
        ln = bytes([0x80 | len(raw)]) + raw
    return tag + ln + body


def integer(v: int, tag: bytes = b"\x02") -> bytes:
    body = v.to_bytes(max(1, (v.bit_length() + 8) // 8), "big")
    return tlv(tag, body)


def explicit(n: int, element: bytes) -> bytes:
    if n < 31:
        return tlv(bytes([0xa0 | n]), element)
    digits = []
    while n:
        digits.insert(0, n & 0x7f)
        n >>= 7
    tag = bytes([0xbf] + [d | 0x80 for d in digits[:-1]] + [digits[-1]])
    return tlv(tag, element)


def key_description(challenge: bytes, level=1, serial=SERIAL, locked=True, boot_state=0, patch=202506) -> bytes:
    rot = tlv(b"\x30", tlv(b"\x04", b"\xab" * 32) + tlv(b"\x01", b"\xff" if locked else b"\x00")
              + integer(boot_state, b"\x0a") + tlv(b"\x04", b"\xcd" * 32))
    hw = (explicit(1, tlv(b"\x31", integer(2))) + explicit(2, integer(3)) + explicit(3, integer(256))
          + explicit(702, integer(0)) + explicit(704, rot) + explicit(705, integer(150000))
          + explicit(706, integer(patch)))
    if serial is not None:
        hw += explicit(713, tlv(b"\x04", serial.encode()))
    hw += explicit(718, integer(patch * 100 + 5)) + explicit(719, integer(patch * 100 + 5))
    sw = explicit(701, integer(1700000000000))
    return tlv(b"\x30", integer(300) + integer(level, b"\x0a") + integer(300) + integer(level, b"\x0a")
               + tlv(b"\x04", challenge) + tlv(b"\x04", b"") + tlv(b"\x30", sw) + tlv(b"\x30", hw))


class Pki(TestCa):
    def __init__(self):
        super().__init__("Test Android Attestation Root", "Test Android Attestation Intermediate")

    def leaf(self, pub, kd: bytes) -> bytes:
        utc = datetime.timezone.utc
        b = (x509.CertificateBuilder()
             .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Android Keystore Key")]))
             .issuer_name(self.inter.subject)
             .public_key(pub)
             .serial_number(1)
             .not_valid_before(datetime.datetime(1970, 1, 1, tzinfo=utc))
             .not_valid_after(datetime.datetime(2106, 2, 7, 6, 28, 15, tzinfo=utc))
             .add_extension(x509.KeyUsage(True, False, False, False, False, False, False, False, False), critical=True)
             .add_extension(x509.UnrecognizedExtension(OID_KEY_DESCRIPTION, kd), critical=False))
        return b.sign(self.inter_key, hashes.SHA256()).public_bytes(serialization.Encoding.DER)


def att_obj(x5c, sig):
    return cbor2.dumps({"fmt": "android-key", "attStmt": {"alg": -7, "sig": sig, "x5c": x5c}})


# ---------------------------------------------------------------------------------------------
def run(h, c, pki):
    t = Runner()
    inter_path = os.path.join(h.ca_dir, "intermediate.crt")
    status_path = os.path.join(h.ca_dir, STATUS_FILE)
    try:
        acct = Account(c, DROID)
    except Exception as e:  # noqa: BLE001
        t.fail("setup account", f"{type(e).__name__}: {e}")
        return t

    def key_auth(o):
        return o.token + "." + acct.key.thumbprint()

    def answer(o, dev, kd_args=None, signed=None, challenge=None):
        ka = key_auth(o)
        kd = key_description((challenge or ka).encode(), **(kd_args or {}))
        leaf = pki.leaf(dev.public_key(), kd)
        sig = dev.sign((signed or ka).encode(), ec.ECDSA(hashes.SHA256()))
        return o.answer_att(att_obj([leaf, pki.inter_der()], sig))

    def honest():
        dev = ec.generate_private_key(ec.SECP256R1())
        o = DeviceOrder(acct, SERIAL)
        ch = must(answer(o, dev), 200).json()
        if ch.get("status") != "valid" or "error" in ch:
            raise SetupError(f"challenge answer: {ch}")
        if o.refresh().get("status") != "ready":
            raise SetupError(f"order is not ready after the attestation: {o.order}")
        must(o.finalize(dev, cn=SERIAL), 200)
        o.refresh()
        check_cert(wait_valid(o), inter_path, SERIAL, dev.public_key())

    t.step(f"honest flow ({SERIAL}): valid, ready, certificate checked", honest)

    def refused(detail_re, value=SERIAL, **kw):
        def go():
            o = DeviceOrder(acct, value)
            dev = ec.generate_private_key(ec.SECP256R1())
            return expect_refusal(o, answer(o, dev, **kw), detail_re, False)
        return go

    t.step("wrong challenge (KeyDescription over another key authorization) -> refused",
           refused(r"android-key: attestationChallenge does not match the key authorization",
                   challenge="another-token.thumbprint"))
    t.step("software security level -> refused",
           refused(r"android-key: software attestation refused", kd_args={"level": 0}))
    t.step("no attestationIdSerial -> refused (ID attestation required)",
           refused(r"android-key: the attestation carries no device serial", kd_args={"serial": None}))
    t.step("sig over something else -> refused",
           refused(r"android-key: signature over the key authorization does not verify", signed="not the key auth"))
    t.step("posture: patch level 2024-07 below min_patch_level 2025-01 -> refused naming the rule",
           refused(r"posture rule android-key\.min_patch_level = \"2025-01\" failed: the OS patch level is 2024-07",
                   kd_args={"patch": 202407}))
    t.step("posture: unlocked bootloader -> refused naming require_locked_bootloader",
           refused(r"posture rule android-key\.require_locked_bootloader = true failed: the bootloader is unlocked",
                   kd_args={"locked": False}))
    t.step("posture: verified boot state unverified -> refused naming require_verified_boot",
           refused(r"posture rule android-key\.require_verified_boot = true failed: the verified boot state is "
                   r"\"unverified\"", kd_args={"boot_state": 2}))
    t.step("identifier mismatch (order ANDROID0002, leaf attests ANDROID0001) -> refused",
           refused(r"ANDROID0001", value="ANDROID0002"))

    def write_status(text):
        # A new size or mtime makes the server re-read the file; sleep past coarse mtime clocks.
        time.sleep(0.05)
        with open(status_path, "w") as fh:
            fh.write(text)

    inter_serial = format(pki.inter.serial_number, "x")

    def revoked():
        write_status(json.dumps({"entries": {inter_serial: {"status": "REVOKED", "reason": "KEY_COMPROMISE"}}}))
        return refused(r"android-key: certificate serial " + inter_serial + r" \(.*\) is REVOKED in the attestation "
                       r"status list \(reason KEY_COMPROMISE\)")()
    t.step("intermediate's serial REVOKED in the status list file (re-read on change) -> refused naming it", revoked)
    t.step("status list emptied again -> the honest flow works", lambda: (write_status('{"entries": {}}'), honest()))

    def broken():
        write_status('{"entries": ')
        return refused(r"android-key: certificate status list unavailable: .*android-status\.json: status list: "
                       r"not JSON")()
    t.step("status list file broken -> every android-key attestation refused (fail closed)", broken)
    t.step("status list repaired -> the honest flow works", lambda: (write_status('{"entries": {}}'), honest()))

    def healthy():
        if h.proc.poll() is not None:
            raise SetupError(f"server exited with {h.proc.returncode}")
        DeviceOrder(Account(c, DROID), SERIAL)
    t.step("health: newAccount and newOrder still work", healthy)
    return t


def main():
    if os.environ.get("ACME_TEST_SERVER", "attestca") != "attestca":
        print("skipped: device-attest-01 is attestca's own (ACME_TEST_SERVER is set)")
        return 0
    with Harness("device_attest_android_test") as h:
        h.init()
        pki = Pki()
        with open(os.path.join(h.ca_dir, "test-android-root.pem"), "wb") as fh:
            fh.write(pki.root_pem())
        with open(os.path.join(h.ca_dir, STATUS_FILE), "w") as fh:
            fh.write('{"entries": {}}')
        h.add_provisioner("droid", 'challenges = ["device-attest-01"]',
                          'allowed_identifier_types = ["permanent-identifier"]', 'inventory = "off"')
        fmt = "provisioners.droid.formats.android-key"
        h.set(fmt, "roots", '["test-android-root.pem"]')
        h.set(fmt, "builtin_roots", "false")
        h.set(fmt, "revocation_list", f'"{STATUS_FILE}"')
        h.set(fmt, "require_verified_boot", "true")
        h.set(fmt, "require_locked_bootloader", "true")
        h.set(fmt, "min_patch_level", '"2025-01"')
        h.start()
        run_cases(h, run, pki)
    return 0


if __name__ == "__main__":
    sys.exit(main())
