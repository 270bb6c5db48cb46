#!/usr/bin/env python3
"""device-attest-01 (draft-ietf-acme-device-attest-09) end to end against the real `attestca serve`,
with Apple Managed Device Attestation ("apple" format) chains minted by this test.

Setup: `attestca init`, then [provisioners.devices.formats.apple] gets roots = ["test-apple-root.pem"]
and builtin_roots = false, so only a test "Apple-like" root (EC P-384) is trusted; formats.tpm is
disabled, and a second provisioner "devnoapple" has the apple format disabled. Per attempt the
test mints a leaf (key = a fresh EC P-256 device key) under a test intermediate, carrying the Apple
extensions as raw extnValue bytes: serial 1.2.840.113635.100.8.9.1, UDID 8.9.2, OS version 8.10.1
("14.2") and the nonce 8.11.1 = SHA-256(challenge token). Devices are put into the inventory with
`attestca device add`.

Cases:
  honest flow by serial and by UDID: one device-attest-01 challenge (token >= 22 base64url chars),
    {"attObj": base64url(CBOR {"fmt":"apple","attStmt":{"x5c":[leaf, intermediate]}})} -> valid,
    order ready, finalize with a CSR of the device key, certificate chains to DIR/intermediate.crt,
    SAN = exactly one otherName 1.3.6.1.5.5.7.8.3 = SEQUENCE{UTF8String value}, EKU clientAuth only,
    public key = the device key;
  refused attestations (challenge invalid, error type badAttestationStatement, detail names the
    cause; rejectedIdentifier subproblem where the server adds one): wrong nonce, missing nonce,
    identifier mismatch, untrusted root, expired leaf, device not in the inventory, suspended device,
    disabled formats (tpm, apple on devnoapple), step format refusing an Apple leaf, unknown fmt, malformed
    CBOR, trailing bytes, duplicate map keys, Apple {"error": ...} payload;
  attObj not base64url -> 400 malformed (challenge stays pending and can still be answered);
  finalize with a CSR of another key -> 403 unauthorized, order stays ready, the right CSR succeeds;
  newOrder refusals: dns + permanent-identifier mixed, bad assigner OID, permanent-identifier on the
    "acme" provisioner.
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
import hashlib  # noqa: E402
import json  # noqa: E402

from harness import Harness  # noqa: E402
from acme_jws import b64u  # noqa: E402
from acme_http import SetupError, must  # noqa: E402
from device_acme import (Account, DeviceOrder, Runner, check_cert, cli,  # noqa: E402
                         TestCa, expect_refusal, now_utc, pid, problem, wait_valid, run_cases)

from cryptography import x509  # noqa: E402
from cryptography.hazmat.primitives import hashes, serialization  # noqa: E402
from cryptography.hazmat.primitives.asymmetric import ec  # noqa: E402
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID, ObjectIdentifier  # noqa: E402

DEV = "/acme/devices"
NOAPPLE = "/acme/devnoapple"
POSTURE = "/acme/devposture"  # inventory = "off"; apple.min_os_version = "15.0"
ACME = "/acme/acme"

OID_SERIAL = ObjectIdentifier("1.2.840.113635.100.8.9.1")
OID_UDID = ObjectIdentifier("1.2.840.113635.100.8.9.2")
OID_OS_VERSION = ObjectIdentifier("1.2.840.113635.100.8.10.1")
OID_NONCE = ObjectIdentifier("1.2.840.113635.100.8.11.1")

SERIAL = "C02ATTEST0001"
UDID = "00008103-001A2B3C4D5E801E"
SERIAL2 = "C02ATTEST0002"     # in the inventory, but the leaf attests SERIAL
SERIAL_UNKNOWN = "C02ATTEST0003"  # never added to the inventory
SERIAL_SUSP = "C02ATTEST0004"  # added, then suspended
SERIAL_NOAPPLE = "C02ATTEST0005"  # in the inventory, ordered on devnoapple



# ---------------------------------------------------------------------------------------------
# The test PKI: an "Apple-like" root and intermediate (EC P-384), per-attempt leaves.
# ---------------------------------------------------------------------------------------------

class Pki(TestCa):
    """An "Apple-like" root and intermediate with Apple MDA leaves."""

    def __init__(self, label):
        super().__init__(f"{label} Enterprise Attestation Root CA", f"{label} Enterprise Attestation Sub CA 1")

    def leaf(self, device_pub, serial=SERIAL, udid=UDID, token=None, nonce=None, os_version="14.2",
             not_before=None, not_after=None):
        """Leaf DER. nonce: raw bytes; default SHA-256(token) when token is given, else no nonce ext."""
        n = now_utc()
        b = (x509.CertificateBuilder()
             .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, hashlib.sha256(os.urandom(8)).hexdigest()),
                                      x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, "AAA Certification")]))
             .issuer_name(self.inter.subject)
             .public_key(device_pub)
             .serial_number(x509.random_serial_number())
             .not_valid_before(not_before or n - datetime.timedelta(minutes=5))
             .not_valid_after(not_after or n + datetime.timedelta(days=1))
             .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
             .add_extension(x509.KeyUsage(True, False, False, False, False, False, False, False, False), critical=True)
             .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(self.inter_key.public_key()),
                            critical=False))
        # Apple puts the raw value in extnValue (no inner DER), which UnrecognizedExtension writes as is.
        if serial is not None:
            b = b.add_extension(x509.UnrecognizedExtension(OID_SERIAL, serial.encode()), critical=False)
        if udid is not None:
            b = b.add_extension(x509.UnrecognizedExtension(OID_UDID, udid.encode()), critical=False)
        if os_version is not None:
            b = b.add_extension(x509.UnrecognizedExtension(OID_OS_VERSION, os_version.encode()), critical=False)
        if nonce is None and token is not None:
            nonce = hashlib.sha256(token.encode()).digest()
        if nonce is not None:
            b = b.add_extension(x509.UnrecognizedExtension(OID_NONCE, nonce), critical=False)
        return b.sign(self.inter_key, hashes.SHA256()).public_bytes(serialization.Encoding.DER)


def att_obj(fmt, x5c):
    return cbor2.dumps({"fmt": fmt, "attStmt": {"x5c": x5c}})




# ---------------------------------------------------------------------------------------------
def check_stored_evidence(h, leaf, value):
    """The certificate's row keeps the attestation it was issued on: format, the facts, and the id of
    the inventory device (as `attestca device show` prints it)."""
    serial = format(leaf.serial_number, "x")
    serial = "0" * (len(serial) % 2) + serial  # the store keeps whole bytes (ossl::SerialHex)
    stored = h.db_value("SELECT attestation FROM certificates WHERE serial = ?", serial)
    if not stored:
        raise SetupError(f"no attestation stored with certificate {serial}")
    ev = json.loads(stored)
    if ev.get("format") != "apple" or ev.get("facts", {}).get("os_version") != "14.2":
        raise SetupError(f"stored evidence {ev}")
    shown = cli(h, "show", value)
    if not ev.get("device_id") or ev["device_id"] not in shown:
        raise SetupError(f"stored device_id {ev.get('device_id')!r} is not the inventory device: {shown}")


def run(h, c, pki, other_pki):
    t = Runner()
    inter_path = os.path.join(h.ca_dir, "intermediate.crt")
    try:
        acct = Account(c, DEV)
        noapple_acct = Account(c, NOAPPLE)
        posture_acct = Account(c, POSTURE)
        acme_acct = Account(c, ACME)
    except Exception as e:  # noqa: BLE001
        t.fail("setup accounts", f"{type(e).__name__}: {e}")
        return t

    # ---- honest flows -----------------------------------------------------------------------------
    def honest(value):
        def go():
            dev = ec.generate_private_key(ec.SECP256R1())
            o = DeviceOrder(acct, value)
            leaf = pki.leaf(dev.public_key(), token=o.token)
            ch = must(o.answer_att(att_obj("apple", [leaf, pki.inter_der()])), 200).json()
            if ch.get("status") != "valid" or "error" in ch:
                raise SetupError(f"challenge answer: {ch}")
            if o.refresh().get("status") != "ready":
                raise SetupError(f"order is not ready after the attestation: {o.order}")
            must(o.finalize(dev, cn=value), 200)
            o.refresh()
            leaf = check_cert(wait_valid(o), inter_path, value, dev.public_key())
            if leaf.subject.rfc4514_string() != f"CN={value}":  # the default template keeps the CN
                raise SetupError(f"subject {leaf.subject.rfc4514_string()!r}, want CN={value}")
            check_stored_evidence(h, leaf, value)
        return go
    t.step(f"honest flow by serial ({SERIAL}): valid, ready, certificate checked", honest(SERIAL))
    t.step(f"honest flow by UDID ({UDID}): valid, ready, certificate checked", honest(UDID))

    # ---- refused attestations ------------------------------------------------------------------------
    def refused(value, build, detail_re, subproblem=False, account=None):
        """build(order, device_pub) -> the challenge POST payload (dict)."""
        def go():
            o = DeviceOrder(account or acct, value)
            dev = ec.generate_private_key(ec.SECP256R1())
            return expect_refusal(o, o.answer(build(o, dev.public_key())), detail_re, subproblem)
        return go

    def apple(leaf_fn, fmt="apple", chain=None):
        return lambda o, pub: {"attObj": b64u(att_obj(fmt, [leaf_fn(o, pub)] + (chain or [pki.inter_der()])))}

    t.step("wrong nonce (leaf nonce over another token) -> badAttestationStatement",
           refused(SERIAL, apple(lambda o, pub: pki.leaf(pub, token=o.token + "x")), r"nonce does not match"))
    t.step("missing nonce with require_nonce = true -> badAttestationStatement",
           refused(SERIAL, apple(lambda o, pub: pki.leaf(pub)), r"no nonce"))
    t.step(f"identifier mismatch (order {SERIAL2}, leaf attests {SERIAL}) -> rejectedIdentifier subproblem",
           refused(SERIAL2, apple(lambda o, pub: pki.leaf(pub, token=o.token)),
                   r"does not name \"" + SERIAL2 + r"\".*" + SERIAL, subproblem=True))
    t.step("untrusted root (chain minted by another root) -> badAttestationStatement",
           refused(SERIAL, apple(lambda o, pub: other_pki.leaf(pub, token=o.token), chain=[other_pki.inter_der()]),
                   r"chain does not verify"))
    t.step("expired leaf -> badAttestationStatement",
           refused(SERIAL, apple(lambda o, pub: pki.leaf(pub, token=o.token,
                                                         not_before=now_utc() - datetime.timedelta(days=10),
                                                         not_after=now_utc() - datetime.timedelta(days=1))),
                   r"chain does not verify.*expired"))
    t.step("device unknown to the inventory -> rejectedIdentifier subproblem",
           refused(SERIAL_UNKNOWN, apple(lambda o, pub: pki.leaf(pub, serial=SERIAL_UNKNOWN, udid=None, token=o.token)),
                   r"not in the inventory", subproblem=True))
    t.step("suspended device -> rejectedIdentifier subproblem",
           refused(SERIAL_SUSP, apple(lambda o, pub: pki.leaf(pub, serial=SERIAL_SUSP, udid=None, token=o.token)),
                   r"is suspended in the inventory", subproblem=True))
    t.step("posture: OS 14.2 below apple.min_os_version 15.0 -> refused naming the rule",
           refused("C02NOTININVENTORY", apple(lambda o, pub: pki.leaf(pub, serial="C02NOTININVENTORY", udid=None,
                                                                   token=o.token, os_version="14.2")),
                   r"posture rule apple\.min_os_version = \"15\.0\" failed: the device runs 14\.2",
                   account=posture_acct))

    def posture_ok():
        dev = ec.generate_private_key(ec.SECP256R1())
        o = DeviceOrder(posture_acct, "C02NOTININVENTORY")
        leaf = pki.leaf(dev.public_key(), serial="C02NOTININVENTORY", udid=None, token=o.token, os_version="15.1")
        ch = must(o.answer_att(att_obj("apple", [leaf, pki.inter_der()])), 200).json()
        if ch.get("status") != "valid":
            raise SetupError(f"challenge answer: {ch}")
        # devposture's certificate template keeps CN and O, email SANs, and both EKUs; the rest of
        # what the profile asked for (OU, the DNS name, the URI) is dropped.
        email = x509.RFC822Name("jane@example.com")
        must(o.finalize(dev, cn="Jane's Mac", org="Example Corp",
                        extra_sans=[x509.DNSName("jane-mac.example.com"), email,
                                    x509.UniformResourceIdentifier("urn:x:1")]), 200)
        o.refresh()
        leaf = check_cert(wait_valid(o), inter_path, "C02NOTININVENTORY", dev.public_key(), extra_sans=[email],
                          want_eku=[ExtendedKeyUsageOID.SERVER_AUTH, ExtendedKeyUsageOID.CLIENT_AUTH])
        if leaf.subject.rfc4514_string() != "O=Example Corp,CN=Jane's Mac":
            raise SetupError(f"subject {leaf.subject.rfc4514_string()!r}, want CN and O from the CSR")
    t.step("posture: OS 15.1 passes; inventory = \"off\" issues to a device not in the inventory; "
           "the certificate template keeps CN, O and the email SAN only", posture_ok)

    t.step("format tpm disabled on the provisioner -> not enabled",
           refused(SERIAL, apple(lambda o, pub: pki.leaf(pub, token=o.token), fmt="tpm"),
                   r"\"tpm\" is not enabled"))
    t.step("format apple disabled on provisioner devnoapple -> not enabled",
           refused(SERIAL_NOAPPLE, apple(lambda o, pub: pki.leaf(pub, serial=SERIAL_NOAPPLE, udid=None, token=o.token)),
                   r"\"apple\" is not enabled", account=noapple_acct))
    t.step("format step with an Apple leaf (no sig, not under a Yubico root) -> refused by the step verifier",
           refused(SERIAL, apple(lambda o, pub: pki.leaf(pub, token=o.token), fmt="step"),
                   r"step: (attestation chain does not verify|sig is missing)"))
    t.step("unknown fmt packed2 -> unsupported",
           refused(SERIAL, apple(lambda o, pub: pki.leaf(pub, token=o.token), fmt="packed2"),
                   r"unsupported attestation format \"packed2\""))
    t.step("malformed CBOR (truncated map) -> badAttestationStatement",
           refused(SERIAL, lambda o, pub: {"attObj": b64u(att_obj("apple", [pki.leaf(pub, token=o.token)])[:-40])},
                   r"not a valid CBOR item"))
    t.step("CBOR with trailing bytes -> badAttestationStatement",
           refused(SERIAL, lambda o, pub: {"attObj": b64u(att_obj("apple", [pki.leaf(pub, token=o.token),
                                                                           pki.inter_der()]) + b"\x00")},
                   r"trailing bytes"))

    def duplicate_keys(o, pub):
        x5c = [pki.leaf(pub, token=o.token), pki.inter_der()]
        raw = (b"\xa3" + cbor2.dumps("fmt") + cbor2.dumps("apple") + cbor2.dumps("attStmt")
               + cbor2.dumps({"x5c": x5c}) + cbor2.dumps("fmt") + cbor2.dumps("apple"))
        return {"attObj": b64u(raw)}
    t.step("CBOR map with duplicate keys -> badAttestationStatement",
           refused(SERIAL, duplicate_keys, r"duplicate map key"))
    t.step("Apple {\"error\": ...} payload -> badAttestationStatement naming the device error",
           refused(SERIAL, lambda o, pub: {"error": "SEP attestation unavailable (test)"},
                   r"could not produce an attestation.*SEP attestation unavailable"))

    # ---- malformed attObj, then the honest answer; CSR of another key at finalize ---------------------
    state = {}

    def bad_b64():
        o = DeviceOrder(acct, SERIAL)
        state["o"] = o
        problem(o.answer({"attObj": "not*base64url$$"}), 400, "malformed", r"attObj.*base64url")
        ch = must(o.acct.post(o.authz_url), 200).json()["challenges"][0]
        if ch.get("status") != "pending":
            raise SetupError(f"challenge is {ch.get('status')!r} after a malformed POST, want pending")
    t.step("attObj not base64url -> 400 malformed, challenge stays pending", bad_b64)

    def then_valid():
        o = state["o"]
        dev = ec.generate_private_key(ec.SECP256R1())
        state["dev"] = dev
        ch = must(o.answer_att(att_obj("apple", [pki.leaf(dev.public_key(), token=o.token), pki.inter_der()])),
                  200).json()
        if ch.get("status") != "valid":
            raise SetupError(f"challenge answer: {ch}")
        if o.refresh().get("status") != "ready":
            raise SetupError(f"order: {o.order}")
    have_ready = "o" in state and t.step("the same challenge answered correctly afterwards -> valid, order ready",
                                         then_valid)

    def wrong_key():
        o = state["o"]
        problem(o.finalize(ec.generate_private_key(ec.SECP256R1()), cn=SERIAL), 403, "unauthorized",
                r"not the attested key")
        if o.refresh().get("status") != "ready":
            raise SetupError(f"order is {o.order.get('status')!r} after the refused CSR, want ready")
        problem(o.finalize(acct.key.priv, cn=SERIAL), 403, "unauthorized", r"not the attested key")
        # A CSR that carries a device identifier must carry the order's, octet for octet.
        problem(o.finalize(state["dev"], permanent_ids=[SERIAL.lower()]), 400, "badCSR",
                r"device identifier \"" + SERIAL.lower() + r"\".*not in the order")
        if o.refresh().get("status") != "ready":
            raise SetupError(f"order is {o.order.get('status')!r} after the refused CSR, want ready")

    def right_key():
        o = state["o"]
        must(o.finalize(state["dev"], cn="any subject at all", permanent_ids=[SERIAL]), 200)
        o.refresh()
        check_cert(wait_valid(o), inter_path, SERIAL, state["dev"].public_key())
    if have_ready:
        t.step("finalize with a CSR of another key (and of the account key) -> 403 unauthorized; a CSR naming "
               "another device identifier -> 400 badCSR; order stays ready",
               wrong_key)
        t.step("finalize with the attested key (CSR carrying the order's PermanentIdentifier) -> certificate",
               right_key)
    else:
        t.fail("finalize with a CSR of another key", "not run: no ready order")
        t.fail("finalize with the attested key afterwards", "not run: no ready order")

    # ---- newOrder refusals ------------------------------------------------------------------------------
    t.step("dns + permanent-identifier in one order -> 400 malformed",
           lambda: problem(acct.new_order([{"type": "dns", "value": "host.test"}] + pid(SERIAL)), 400, "malformed",
                           r"cannot be combined"))
    t.step("permanent-identifier with a bad assigner OID X/1.2.x -> 400 malformed",
           lambda: problem(acct.new_order(pid("X/1.2.x")), 400, "malformed", r"1\.2\.x.*OID"))
    t.step("permanent-identifier on the acme provisioner -> 400 unsupportedIdentifier",
           lambda: problem(acme_acct.new_order(pid(SERIAL)), 400, "unsupportedIdentifier",
                           r"permanent-identifier.*not allowed"))

    # ---- still healthy -------------------------------------------------------------------------------
    def healthy():
        r = c.request("GET", DEV + "/directory")
        if r.status != 200 or "newOrder" not in r.json():
            raise SetupError(f"directory: {r!r}")
        if h.proc.poll() is not None:
            raise SetupError(f"server exited with {h.proc.returncode}")
        DeviceOrder(Account(c, DEV), SERIAL)
    t.step("health: directory, newAccount and newOrder still work", healthy)
    return t



def main():
    if os.environ.get("ACME_TEST_SERVER", "attestca") != "attestca":
        print("skipped: device-attest-01 is attestca's own (ACME_TEST_SERVER is set)")
        return 0
    with Harness("device_attest_apple_test") as h:
        h.init()
        pki = Pki("Test Apple")
        other_pki = Pki("Other")
        with open(os.path.join(h.ca_dir, "test-apple-root.pem"), "wb") as fh:
            fh.write(pki.root_pem())
        apple = "provisioners.devices.formats.apple"
        h.set(apple, "roots", '["test-apple-root.pem"]')
        h.set(apple, "builtin_roots", "false")
        h.set("provisioners.devices.formats.tpm", "enabled", "false")
        h.add_provisioner("devnoapple", 'challenges = ["device-attest-01"]',
                          'allowed_identifier_types = ["permanent-identifier"]', 'inventory = "required"')
        h.set("provisioners.devnoapple.formats.apple", "enabled", "false")
        h.add_provisioner("devposture", 'challenges = ["device-attest-01"]',
                          'allowed_identifier_types = ["permanent-identifier"]', 'inventory = "off"')
        h.set("provisioners.devposture.formats.apple", "roots", '["test-apple-root.pem"]')
        h.set("provisioners.devposture.formats.apple", "builtin_roots", "false")
        h.set("provisioners.devposture.formats.apple", "min_os_version", '"15.0"')
        h.set("provisioners.devposture.certificate", "keep_subject", '["CN", "O"]')
        h.set("provisioners.devposture.certificate", "keep_sans", '["email"]')
        h.set("provisioners.devposture.certificate", "extended_key_usage", '["serverAuth", "clientAuth"]')
        for v in (SERIAL, UDID, SERIAL2, SERIAL_SUSP, SERIAL_NOAPPLE):
            cli(h, "add", "--id", v)
        cli(h, "suspend", SERIAL_SUSP)
        h.start()
        run_cases(h, run, pki, other_pki)
    return 0


if __name__ == "__main__":
    sys.exit(main())
