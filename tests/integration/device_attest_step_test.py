#!/usr/bin/env python3
"""device-attest-01 (draft-ietf-acme-device-attest-09) end to end against the real `attestca serve`,
with YubiKey PIV slot attestations (step-ca's "step" format) minted by this test.

Setup: `attestca init`, then [provisioners.devices.formats.step] gets roots = ["test-yubico-root.pem"]
and builtin_roots = false, so only a test "Yubico-like" root (EC P-384) is trusted; a second
provisioner "devnostep" has the step format disabled. The test PKI is root -> intermediate
(device_acme.TestCa, pathlen 1) -> "f9" device CA (EC P-256, CA:TRUE pathlen 0, as a YubiKey's f9
certificate) -> slot attestation leaf per attempt. The leaf certifies the slot key (a fresh EC P-256
or RSA-2048 key) and carries only the Yubico extensions, encoded as real YubiKeys do
(shared/vectors/README.md, yubikey-piv rows): firmware 1.3.6.1.4.1.41482.3.3 (3 raw bytes), serial
41482.3.7 (DER INTEGER), PIN/touch policy 41482.3.8 (2 raw bytes), form factor 41482.3.9 (1 byte).
The answer is {"attObj": base64url(CBOR {"fmt": "step", "attStmt": {"alg": -7 | -257,
"sig": CBOR bstr(signature), "x5c": [leaf, f9, intermediate]}})}, where the signature is the slot
key's over the key authorization (token "." account thumbprint): ECDSA over SHA-256 (DER) or RSA
PKCS#1 v1.5 with SHA-256 (attestation/step.h). The order identifier is a permanent-identifier, the
YubiKey serial in decimal; devices are put into the inventory with `attestca device add`.

Cases:
  honest flow with a P-256 and with an RSA-2048 slot key: challenge valid, order ready, finalize
    with a CSR of the slot key, certificate chains to DIR/intermediate.crt, SAN = exactly one
    otherName PermanentIdentifier = the serial, EKU clientAuth only, public key = the slot key;
  refused attestations (challenge invalid, badAttestationStatement, detail naming the cause;
    rejectedIdentifier subproblem where the server adds one): sig over another key authorization,
    sig missing, sig by another key, serial mismatch, untrusted root, expired leaf, device not in the
    inventory, suspended device, step disabled on a provisioner, malformed sig (not a CBOR bstr);
  finalize with a CSR of another key -> 403 unauthorized, order stays ready, the slot key's CSR
    then succeeds.
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

from harness import Harness  # noqa: E402
from acme_http import SetupError, must  # noqa: E402
from device_acme import (Account, DeviceOrder, Runner, TestCa, check_cert, cli,  # noqa: E402
                         expect_refusal, now_utc, problem, wait_valid, run_cases)

from cryptography import x509  # noqa: E402
from cryptography.hazmat.primitives import hashes, serialization  # noqa: E402
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa  # noqa: E402
from cryptography.x509.oid import NameOID, ObjectIdentifier  # noqa: E402

DEV = "/acme/devices"
NOSTEP = "/acme/devnostep"

OID_FIRMWARE = ObjectIdentifier("1.3.6.1.4.1.41482.3.3")
OID_SERIAL = ObjectIdentifier("1.3.6.1.4.1.41482.3.7")
OID_POLICY = ObjectIdentifier("1.3.6.1.4.1.41482.3.8")
OID_FORM_FACTOR = ObjectIdentifier("1.3.6.1.4.1.41482.3.9")

COSE_ES256 = -7
COSE_RS256 = -257

SERIAL = "31000001"          # in the inventory
SERIAL_RSA = "31000002"      # in the inventory, attested with an RSA-2048 slot key
SERIAL2 = "31000003"         # in the inventory, but the leaf attests SERIAL
SERIAL_UNKNOWN = "31000004"  # never added to the inventory
SERIAL_SUSP = "31000005"     # added, then suspended
SERIAL_NOSTEP = "31000006"   # in the inventory, ordered on devnostep


# ---------------------------------------------------------------------------------------------
# The test PKI: a "Yubico-like" root and intermediate, an f9 device CA, per-attempt slot leaves.
# ---------------------------------------------------------------------------------------------

def der_integer(n):
    """DER INTEGER of a non-negative n (a leading 0x00 when the high bit is set), as 41482.3.7 holds."""
    raw = n.to_bytes(max(1, (n.bit_length() + 8) // 8), "big")
    return bytes([0x02, len(raw)]) + raw


class YubicoPki(TestCa):
    """Root -> intermediate (TestCa, pathlen 1) -> f9 device CA -> slot attestation leaves."""

    def __init__(self, label):
        super().__init__(f"{label} Yubico PIV Root CA", f"{label} Yubico PIV Attestation B 1", inter_path_length=1)
        n = now_utc()
        self.f9_key = ec.generate_private_key(ec.SECP256R1())
        self.f9 = (x509.CertificateBuilder()
                   .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, f"{label} YubiKey PIV Attestation")]))
                   .issuer_name(self.inter.subject)
                   .public_key(self.f9_key.public_key())
                   .serial_number(x509.random_serial_number())
                   .not_valid_before(n - datetime.timedelta(days=1))
                   .not_valid_after(n + datetime.timedelta(days=2000))
                   .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
                   .add_extension(x509.UnrecognizedExtension(OID_FIRMWARE, bytes([5, 7, 4])), critical=False)
                   .sign(self.inter_key, hashes.SHA256()))

    def x5c_tail(self):
        """What follows the leaf in x5c: the f9 certificate, then the intermediate."""
        return [self.f9.public_bytes(serialization.Encoding.DER), self.inter_der()]

    def leaf(self, slot_pub, serial=SERIAL, not_before=None, not_after=None):
        """A slot attestation leaf (DER) for slot_pub, carrying only the Yubico extensions."""
        n = now_utc()
        return (x509.CertificateBuilder()
                .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "YubiKey PIV Attestation 9a")]))
                .issuer_name(self.f9.subject)
                .public_key(slot_pub)
                .serial_number(x509.random_serial_number())
                .not_valid_before(not_before or n - datetime.timedelta(minutes=5))
                .not_valid_after(not_after or n + datetime.timedelta(days=1))
                .add_extension(x509.UnrecognizedExtension(OID_FIRMWARE, bytes([5, 7, 4])), critical=False)
                .add_extension(x509.UnrecognizedExtension(OID_SERIAL, der_integer(int(serial))), critical=False)
                .add_extension(x509.UnrecognizedExtension(OID_POLICY, bytes([2, 1])), critical=False)  # once, never
                .add_extension(x509.UnrecognizedExtension(OID_FORM_FACTOR, bytes([3])), critical=False)  # USB-C keychain
                .sign(self.f9_key, hashes.SHA256())
                .public_bytes(serialization.Encoding.DER))


def slot_sign(priv, message):
    """The raw signature a YubiKey slot returns: ECDSA over SHA-256 (DER) or RSA PKCS#1 v1.5 SHA-256."""
    if isinstance(priv, rsa.RSAPrivateKey):
        return priv.sign(message.encode(), padding.PKCS1v15(), hashes.SHA256())
    return priv.sign(message.encode(), ec.ECDSA(hashes.SHA256()))


def alg_of(priv):
    return COSE_RS256 if isinstance(priv, rsa.RSAPrivateKey) else COSE_ES256


def key_authorization(o):
    return f"{o.token}.{o.acct.key.thumbprint()}"


def att_obj(x5c, sig=None, alg=COSE_ES256, raw_sig=None):
    """sig: signature bytes, wrapped as CBOR bstr; raw_sig: the attStmt sig member as given."""
    st = {"alg": alg, "x5c": x5c}
    if sig is not None:
        st["sig"] = cbor2.dumps(sig)
    if raw_sig is not None:
        st["sig"] = raw_sig
    return cbor2.dumps({"fmt": "step", "attStmt": st})


# ---------------------------------------------------------------------------------------------
def run(h, c, pki, other_pki):
    t = Runner()
    inter_path = os.path.join(h.ca_dir, "intermediate.crt")
    try:
        acct = Account(c, DEV)
        nostep_acct = Account(c, NOSTEP)
    except Exception as e:  # noqa: BLE001
        t.fail("setup accounts", f"{type(e).__name__}: {e}")
        return t

    # ---- honest flows -----------------------------------------------------------------------------
    def honest(serial, slot):
        def go():
            o = DeviceOrder(acct, serial)
            leaf = pki.leaf(slot.public_key(), serial=serial)
            sig = slot_sign(slot, key_authorization(o))
            ch = must(o.answer_att(att_obj([leaf] + pki.x5c_tail(), sig=sig, alg=alg_of(slot))), 200).json()
            if ch.get("status") != "valid" or "error" in ch:
                raise SetupError(f"challenge answer: {ch}")
            if o.refresh().get("status") != "ready":
                raise SetupError(f"order is not ready after the attestation: {o.order}")
            must(o.finalize(slot, cn=serial), 200)
            o.refresh()
            check_cert(wait_valid(o), inter_path, serial, slot.public_key())
        return go
    t.step(f"honest flow, P-256 slot key (serial {SERIAL}): valid, ready, certificate checked",
           honest(SERIAL, ec.generate_private_key(ec.SECP256R1())))
    t.step(f"honest flow, RSA-2048 slot key (serial {SERIAL_RSA}): valid, ready, certificate checked",
           honest(SERIAL_RSA, rsa.generate_private_key(public_exponent=65537, key_size=2048)))

    # ---- refused attestations ------------------------------------------------------------------------
    def refused(value, build, detail_re, subproblem=False, account=None):
        """build(order, slot_key) -> the attObj bytes."""
        def go():
            o = DeviceOrder(account or acct, value)
            slot = ec.generate_private_key(ec.SECP256R1())
            return expect_refusal(o, o.answer_att(build(o, slot)), detail_re, subproblem)
        return go

    def signed(serial=SERIAL, ca=None, message=None, signer=None, **leaf_args):
        """An answer for serial under ca (default pki), its sig by signer (default the slot key) over
        message (default the order's key authorization)."""
        ca = ca or pki

        def build(o, slot):
            leaf = ca.leaf(slot.public_key(), serial=serial, **leaf_args)
            sig = slot_sign(signer or slot, message if message is not None else key_authorization(o))
            return att_obj([leaf] + ca.x5c_tail(), sig=sig)
        return build

    t.step("sig over another key authorization (another account's thumbprint) -> badAttestationStatement",
           refused(SERIAL, lambda o, slot: signed(message=f"{o.token}.{Account(c, DEV).key.thumbprint()}")(o, slot),
                   r"step: signature over the key authorization does not verify"))
    t.step("sig missing -> badAttestationStatement",
           refused(SERIAL, lambda o, slot: att_obj([pki.leaf(slot.public_key())] + pki.x5c_tail()),
                   r"step: sig is missing"))
    t.step("sig by another key than the attested slot key -> badAttestationStatement",
           refused(SERIAL, signed(signer=ec.generate_private_key(ec.SECP256R1())),
                   r"step: signature over the key authorization does not verify"))
    t.step(f"serial mismatch (order {SERIAL2}, leaf attests {SERIAL}) -> rejectedIdentifier subproblem",
           refused(SERIAL2, signed(serial=SERIAL),
                   r"does not name \"" + SERIAL2 + r"\".*serial " + SERIAL, subproblem=True))
    t.step("untrusted root (chain minted by another Yubico-like root) -> badAttestationStatement",
           refused(SERIAL, signed(ca=other_pki), r"step: attestation chain does not verify"))
    t.step("expired leaf -> badAttestationStatement",
           refused(SERIAL, signed(not_before=now_utc() - datetime.timedelta(days=10),
                                  not_after=now_utc() - datetime.timedelta(days=1)),
                   r"step: attestation chain does not verify.*expired"))
    t.step("device unknown to the inventory -> rejectedIdentifier subproblem",
           refused(SERIAL_UNKNOWN, signed(serial=SERIAL_UNKNOWN), r"not in the inventory", subproblem=True))
    t.step("suspended device -> rejectedIdentifier subproblem",
           refused(SERIAL_SUSP, signed(serial=SERIAL_SUSP), r"is suspended in the inventory", subproblem=True))
    t.step("format step disabled on provisioner devnostep -> not enabled",
           refused(SERIAL_NOSTEP, signed(serial=SERIAL_NOSTEP), r"\"step\" is not enabled", account=nostep_acct))
    t.step("malformed sig (the DER signature itself, not a CBOR bstr) -> badAttestationStatement",
           refused(SERIAL, lambda o, slot: att_obj([pki.leaf(slot.public_key())] + pki.x5c_tail(),
                                                   raw_sig=slot_sign(slot, key_authorization(o))),
                   r"step: sig is malformed \(not a CBOR byte string\)"))

    # ---- CSR of another key at finalize, then the slot key's ----------------------------------------
    state = {}

    def ready_order():
        o = DeviceOrder(acct, SERIAL)
        slot = ec.generate_private_key(ec.SECP256R1())
        ch = must(o.answer_att(signed()(o, slot)), 200).json()
        if ch.get("status") != "valid":
            raise SetupError(f"challenge answer: {ch}")
        if o.refresh().get("status") != "ready":
            raise SetupError(f"order: {o.order}")
        state["o"], state["slot"] = o, slot
    have_ready = t.step("a further honest attestation -> order ready", ready_order)

    def wrong_key():
        o = state["o"]
        problem(o.finalize(ec.generate_private_key(ec.SECP256R1()), cn=SERIAL), 403, "unauthorized",
                r"not the attested key")
        if o.refresh().get("status") != "ready":
            raise SetupError(f"order is {o.order.get('status')!r} after the refused CSR, want ready")

    def right_key():
        o = state["o"]
        must(o.finalize(state["slot"], cn=SERIAL), 200)
        o.refresh()
        check_cert(wait_valid(o), inter_path, SERIAL, state["slot"].public_key())
    if have_ready:
        t.step("finalize with a CSR of another key -> 403 unauthorized; order stays ready", wrong_key)
        t.step("finalize with the slot key afterwards -> certificate", right_key)
    else:
        t.fail("finalize with a CSR of another key", "not run: no ready order")
        t.fail("finalize with the slot key afterwards", "not run: no ready order")

    # ---- still healthy -------------------------------------------------------------------------------
    def healthy():
        r = c.request("GET", DEV + "/directory")
        if r.status != 200 or "newOrder" not in r.json():
            raise SetupError(f"directory: {r!r}")
        if h.proc.poll() is not None:
            raise SetupError(f"server exited with {h.proc.returncode}")
    t.step("health: directory still served", healthy)
    return t


def main():
    if os.environ.get("ACME_TEST_SERVER", "attestca") != "attestca":
        print("skipped: device-attest-01 is attestca's own (ACME_TEST_SERVER is set)")
        return 0
    with Harness("device_attest_step_test") as h:
        h.init()
        pki = YubicoPki("Test")
        other_pki = YubicoPki("Other")
        with open(os.path.join(h.ca_dir, "test-yubico-root.pem"), "wb") as fh:
            fh.write(pki.root_pem())
        step = "provisioners.devices.formats.step"
        h.set(step, "roots", '["test-yubico-root.pem"]')
        h.set(step, "builtin_roots", "false")
        h.add_provisioner("devnostep", 'challenges = ["device-attest-01"]',
                          'allowed_identifier_types = ["permanent-identifier"]', 'inventory = "required"')
        h.set("provisioners.devnostep.formats.step", "enabled", "false")
        for v in (SERIAL, SERIAL_RSA, SERIAL2, SERIAL_SUSP, SERIAL_NOSTEP):
            cli(h, "add", "--id", v)
        cli(h, "suspend", SERIAL_SUSP)
        h.start()
        run_cases(h, run, pki, other_pki)
    return 0


if __name__ == "__main__":
    sys.exit(main())
