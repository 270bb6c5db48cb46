#!/usr/bin/env python3
"""device-attest-01 with the "tpm" attestation format end to end against the real `attestca serve`, the
device side played by a real TPM 2.0 emulator (swtpm) driven with tpm2-tools and OpenSSL's tpm2 provider.

Setup: `attestca init`; [provisioners.devices.formats.tpm] roots = ["test-tpm-ca.pem"] and
builtin_roots = false, so only this test's "organization attestation CA" (TestCa, EC P-384) is trusted;
a second provisioner "devnotpm" has the tpm format disabled. swtpm gets an EK, ECC and RSA AKs
(restricted signing keys under the EK) and ECC P-256 / RSA 2048 signing keys (fixedTPM, fixedParent,
sensitiveDataOrigin, not restricted) under an SRK. The CA mints each AK certificate: v3, empty subject,
not CA, EKU tcg-kp-AIKCertificate 2.23.133.8.3, critical SAN = directoryName (TPM manufacturer /
model / version from tpm2_getcap properties-fixed; one RDN each, or one multi-valued RDN for the RSA
AK) + otherName PermanentIdentifier naming the device.

Per attempt: key authorization = token "." thumbprint(account key); TPM2_Certify(key, AK,
qualifyingData = SHA-256(key authorization)) is sent raw with tpm2_send; the answer is
{"attObj": base64url(CBOR {"fmt":"tpm","attStmt":{"ver":"2.0","alg":-7|-257,"x5c":[AK cert, CA inter],
"sig","certInfo","pubArea"}})}; finalize with a CSR signed inside the TPM (openssl req -provider tpm2
-key handle:...); the certificate chains to DIR/intermediate.crt, carries the otherName
PermanentIdentifier SAN and the key `tpm2_readpublic -f pem` reports.

Cases: honest ECC (ES256 AK, P-256 key) and RSA (RS256 AK, RSA 2048 key) flows; refused attestations
(challenge invalid, badAttestationStatement, the verifier's detail): qualifyingData over another key
authorization (other token, other account), certInfo with one flipped byte (ECC and RSA AK), alg not
the AK's, pubArea of another key, the restricted AK certified as the key, a software key imported into
the TPM, AK cert from an untrusted CA, without the TPM EKU, with a subject, without a PermanentIdentifier,
naming another device (rejectedIdentifier), device not in the inventory, suspended device, tpm disabled on a provisioner;
finalize with a CSR of a software key -> 403 unauthorized, then the TPM key's CSR succeeds.
Output: one `ok   <name>` / `FAIL <name>: ...` line per case, then `N passed, M failed`; exit 1 on any
failure or when swtpm / tpm2-tools / tpm2-openssl are missing (CI installs them). ATTESTCA_BIN.
"""
import os
import signal
import sys

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import debian_python  # noqa: E402

debian_python.require("cbor2", "cryptography")
import cbor2  # noqa: E402

import datetime  # noqa: E402
import hashlib  # noqa: E402

from harness import Harness, TestFailure  # noqa: E402
from acme_jws import b64u  # noqa: E402
from acme_http import SetupError, must  # noqa: E402
from device_acme import (OID_PERMANENT_ID, Account, DeviceOrder, Runner, TestCa, check_cert, cli,  # noqa: E402
                         expect_refusal, now_utc, permanent_identifier_der, problem, wait_valid, run_cases)
from swtpm import Swtpm, certify_fields  # noqa: E402

from cryptography import x509  # noqa: E402
from cryptography.hazmat.primitives import hashes, serialization  # noqa: E402
from cryptography.hazmat.primitives.asymmetric import ec  # noqa: E402
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID, ObjectIdentifier  # noqa: E402

DEV = "/acme/devices"
NOTPM = "/acme/devnotpm"

OID_TPM_MANUFACTURER = ObjectIdentifier("2.23.133.2.1")
OID_TPM_MODEL = ObjectIdentifier("2.23.133.2.2")
OID_TPM_VERSION = ObjectIdentifier("2.23.133.2.3")
OID_AK_CERTIFICATE = ObjectIdentifier("2.23.133.8.3")  # tcg-kp-AIKCertificate

DEVICE = "SWTPM-0001"            # the emulator's identity in its AK certificates
DEVICE2 = "SWTPM-0002"           # in the inventory, but the AK certificate names DEVICE
DEVICE_UNKNOWN = "SWTPM-0003"    # never added to the inventory
DEVICE_SUSP = "SWTPM-0004"       # added, then suspended
DEVICE_NOTPM = "SWTPM-0005"      # in the inventory, ordered on devnotpm

AK_ECC, AK_RSA = 0x81010002, 0x81010003
KEY_ECC, KEY_RSA, KEY_OTHER, KEY_IMPORTED = 0x81000010, 0x81000011, 0x81000012, 0x81000013


# ---------------------------------------------------------------------------------------------
# The organization attestation CA and its AK certificates.
# ---------------------------------------------------------------------------------------------
class AkCa(TestCa):
    def __init__(self, label, tpm):
        super().__init__(f"{label} TPM Attestation Root CA", f"{label} TPM Attestation Issuing CA")
        # TCG EK credential profile 3.2.9 values, as the emulator reports them.
        vendor = b"".join(tpm.property(f"TPM2_PT_VENDOR_STRING_{i}").to_bytes(4, "big") for i in (1, 2))
        self.tpm_attrs = [
            x509.NameAttribute(OID_TPM_MANUFACTURER, f"id:{tpm.property('TPM2_PT_MANUFACTURER'):08X}"),
            x509.NameAttribute(OID_TPM_MODEL, vendor.rstrip(b"\0").decode()),
            x509.NameAttribute(OID_TPM_VERSION, f"id:{tpm.property('TPM2_PT_FIRMWARE_VERSION_1'):08X}")]

    def ak_cert(self, ak, device=DEVICE, eku=OID_AK_CERTIFICATE, one_rdn=False, subject=None):
        """device: the PermanentIdentifier (None: no otherName); one_rdn: the TPM attributes as one
        multi-valued RDN (as some vendors' AK certificates have them) instead of one RDN each;
        subject: a subject CN (the profile wants none)."""
        n = now_utc()
        dn = x509.Name([x509.RelativeDistinguishedName(self.tpm_attrs)]) if one_rdn else x509.Name(self.tpm_attrs)
        san = [x509.DirectoryName(dn)]
        if device is not None:
            san.append(x509.OtherName(OID_PERMANENT_ID, permanent_identifier_der(device)))
        return (x509.CertificateBuilder()
                .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, subject)] if subject else []))
                .issuer_name(self.inter.subject)
                .public_key(ak.public_key)
                .serial_number(x509.random_serial_number())
                .not_valid_before(n - datetime.timedelta(minutes=5))
                .not_valid_after(n + datetime.timedelta(days=365))
                .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
                .add_extension(x509.KeyUsage(True, False, False, False, False, False, False, False, False),
                               critical=True)
                .add_extension(x509.ExtendedKeyUsage([eku]), critical=False)
                .add_extension(x509.SubjectAlternativeName(san), critical=True)
                .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(self.inter_key.public_key()),
                               critical=False)
                .sign(self.inter_key, hashes.SHA256())
                .public_bytes(serialization.Encoding.DER))


def key_authorization(o):
    return f"{o.token}.{o.acct.key.thumbprint()}"


def att_obj(alg, x5c, sig, cert_info, pub_area):
    return cbor2.dumps({"fmt": "tpm", "attStmt": {"ver": "2.0", "alg": alg, "x5c": x5c, "sig": sig,
                                                  "certInfo": cert_info, "pubArea": pub_area}})


class Device:
    """The emulator as a device agent: an AK with its certificate chain and the key to attest."""

    def __init__(self, tpm, ak, key, chain):
        self.tpm, self.ak, self.key, self.chain = tpm, ak, key, chain

    def answer(self, o, ka=None, cert_info_fn=None, pub_area=None, certified=None, alg=None):
        """The challenge payload. ka: the key authorization the nonce is computed over (default: the
        order's); cert_info_fn: tampers with certInfo; pub_area: sent instead of the key's;
        certified: the object TPM2_Certify certifies (default: the key); alg: instead of the AK's."""
        qd = hashlib.sha256((ka or key_authorization(o)).encode()).digest()
        cert_info, sig = self.tpm.certify(certified or self.key, self.ak, qd)
        if cert_info_fn:
            cert_info = cert_info_fn(cert_info)
        return {"attObj": b64u(att_obj(alg or self.ak.cose_alg, self.chain, sig, cert_info,
                                       pub_area if pub_area is not None else (certified or self.key).pub_area))}

    def csr(self, cn):
        return self.tpm.csr_der(self.key, cn)


STALE = r"^tpm: certInfo\.extraData does not match the key authorization$"


def flip_clock_byte(cert_info):
    i = certify_fields(cert_info)["clock_at"] + 3  # inside clockInfo.clock: structure stays valid
    return cert_info[:i] + bytes([cert_info[i] ^ 0x01]) + cert_info[i + 1:]


# ---------------------------------------------------------------------------------------------
def run(h, c, tpm, ca, other_ca):
    t = Runner()
    inter_path = os.path.join(h.ca_dir, "intermediate.crt")
    try:
        acct = Account(c, DEV)
        notpm_acct = Account(c, NOTPM)
        ak_ecc = tpm.create_ak(AK_ECC, "ecc")
        ak_rsa = tpm.create_ak(AK_RSA, "rsa")
        key_ecc = tpm.create_key(KEY_ECC, "ecc")
        key_rsa = tpm.create_key(KEY_RSA, "rsa")
        key_other = tpm.create_key(KEY_OTHER, "ecc")
        software_key = ec.generate_private_key(ec.SECP256R1())
        key_imported = tpm.import_key(KEY_IMPORTED, software_key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))
        chain_ecc = [ca.ak_cert(ak_ecc), ca.inter_der()]
        ecc = Device(tpm, ak_ecc, key_ecc, chain_ecc)
        rsa = Device(tpm, ak_rsa, key_rsa, [ca.ak_cert(ak_rsa, one_rdn=True), ca.inter_der()])
    except Exception as e:  # noqa: BLE001
        t.fail("setup accounts and TPM keys", f"{type(e).__name__}: {e}")
        return t

    # ---- honest flows -----------------------------------------------------------------------------
    def honest(dev, value=DEVICE):
        def go():
            o = DeviceOrder(acct, value)
            ch = must(o.answer(dev.answer(o)), 200).json()
            if ch.get("status") != "valid" or "error" in ch:
                raise SetupError(f"challenge answer: {ch}")
            if o.refresh().get("status") != "ready":
                raise SetupError(f"order is not ready after the attestation: {o.order}")
            must(acct.post(o.order["finalize"], {"csr": b64u(dev.csr(value))}), 200)
            o.refresh()
            check_cert(wait_valid(o), inter_path, value, dev.key.public_key)
        return go
    t.step(f"honest flow, ECC AK (ES256) certifying a TPM P-256 key ({DEVICE}): valid, ready, certificate "
           "chains to intermediate.crt with the PermanentIdentifier SAN and the TPM key", honest(ecc))
    t.step(f"honest flow, RSA AK (RS256, TPM attributes in one multi-valued RDN) certifying a TPM RSA 2048 key "
           f"({DEVICE}): valid, ready, certificate checked",
           honest(rsa))

    # ---- refused attestations ------------------------------------------------------------------------
    def refused(value, build, detail_re, subproblem=False, account=None):
        """build(order) -> the challenge POST payload (dict)."""
        def go():
            o = DeviceOrder(account or acct, value)
            return expect_refusal(o, o.answer(build(o)), detail_re, subproblem)
        return go

    # Stale: the key authorization of another (earlier) challenge of the same account.
    t.step("qualifyingData over another challenge's key authorization (stale nonce) -> badAttestationStatement",
           refused(DEVICE, lambda o: ecc.answer(o, ka=key_authorization(DeviceOrder(acct, DEVICE))),
                   STALE))
    t.step("qualifyingData over another account's key authorization -> badAttestationStatement",
           refused(DEVICE, lambda o: ecc.answer(o, ka=f"{o.token}.{notpm_acct.key.thumbprint()}"),
                   STALE))
    t.step("certInfo with one flipped byte (clockInfo), ECC AK -> signature does not verify",
           refused(DEVICE, lambda o: ecc.answer(o, cert_info_fn=flip_clock_byte),
                   r"^tpm: signature over certInfo does not verify \(ES256\)$"))
    t.step("certInfo with one flipped byte (clockInfo), RSA AK -> signature does not verify",
           refused(DEVICE, lambda o: rsa.answer(o, cert_info_fn=flip_clock_byte),
                   r"^tpm: signature over certInfo does not verify \(RS256\)$"))
    t.step("alg RS256 with an ECC AK -> refused naming the mismatch",
           refused(DEVICE, lambda o: ecc.answer(o, alg=-257), r"^tpm: alg RS256 needs an RSA"))
    t.step("pubArea of another TPM key than the certified one -> name mismatch",
           refused(DEVICE, lambda o: ecc.answer(o, pub_area=key_other.pub_area),
                   r"^tpm: certInfo certifies another key than pubArea \(Name differs\)$"))
    t.step("the restricted AK certified as the device key -> refused (restricted)",
           refused(DEVICE, lambda o: ecc.answer(o, certified=ak_rsa), r"^tpm: attested key is restricted$"))
    t.step("a software key imported into the TPM (not fixedTPM, not made in the TPM) certified -> refused",
           refused(DEVICE, lambda o: ecc.answer(o, certified=key_imported), r"^tpm: attested key is not fixedTPM$"))
    untrusted = Device(tpm, ak_ecc, key_ecc, [other_ca.ak_cert(ak_ecc), other_ca.inter_der()])
    t.step("AK certificate from an untrusted CA -> chain does not verify",
           refused(DEVICE, lambda o: untrusted.answer(o),
                   r"^tpm: attestation chain does not verify: unable to get local issuer certificate"))
    no_eku = Device(tpm, ak_ecc, key_ecc, [ca.ak_cert(ak_ecc, eku=ExtendedKeyUsageOID.CLIENT_AUTH), ca.inter_der()])
    t.step("AK certificate without the TPM EKU 2.23.133.8.3 -> refused",
           refused(DEVICE, lambda o: no_eku.answer(o),
                   r"^tpm: AK certificate extended key usage lacks tcg-kp-AIKCertificate 2\.23\.133\.8\.3$"))
    with_subject = Device(tpm, ak_ecc, key_ecc, [ca.ak_cert(ak_ecc, subject=DEVICE), ca.inter_der()])
    t.step("AK certificate with a subject (CN) -> refused",
           refused(DEVICE, lambda o: with_subject.answer(o), r"^tpm: AK certificate subject is not empty$"))
    anonymous = Device(tpm, ak_ecc, key_ecc, [ca.ak_cert(ak_ecc, device=None), ca.inter_der()])
    t.step("AK certificate without a PermanentIdentifier (TPM attributes only) -> refused",
           refused(DEVICE, lambda o: anonymous.answer(o), r"^tpm: the AK certificate names no device identifier$"))
    t.step(f"AK certificate naming {DEVICE}, order for {DEVICE2} -> rejectedIdentifier subproblem",
           refused(DEVICE2, lambda o: ecc.answer(o),
                   f"does not name \"{DEVICE2}\" \\(it attests permanent-identifier {DEVICE}\\)",
                   subproblem=True))

    def named(value):
        return Device(tpm, ak_ecc, key_ecc, [ca.ak_cert(ak_ecc, device=value), ca.inter_der()])
    unknown, suspended, notpm = named(DEVICE_UNKNOWN), named(DEVICE_SUSP), named(DEVICE_NOTPM)
    t.step("device not in the inventory -> rejectedIdentifier subproblem",
           refused(DEVICE_UNKNOWN, lambda o: unknown.answer(o), r"not in the inventory", subproblem=True))
    t.step("suspended device -> rejectedIdentifier subproblem",
           refused(DEVICE_SUSP, lambda o: suspended.answer(o), r"is suspended in the inventory", subproblem=True))
    t.step("format tpm disabled on provisioner devnotpm -> not enabled",
           refused(DEVICE_NOTPM, lambda o: notpm.answer(o), r"\"tpm\" is not enabled", account=notpm_acct))

    # ---- finalize: a CSR of a software key, then the TPM key's ----------------------------------------
    state = {}

    def ready():
        o = DeviceOrder(acct, DEVICE)
        ch = must(o.answer(ecc.answer(o)), 200).json()
        if ch.get("status") != "valid" or o.refresh().get("status") != "ready":
            raise SetupError(f"challenge {ch}, order {o.order}")
        state["o"] = o
    t.step("attested order ready for finalize", ready)

    def wrong_key():
        o = state["o"]
        problem(o.finalize(ec.generate_private_key(ec.SECP256R1()), cn=DEVICE), 403, "unauthorized",
                r"not the attested key")
        if o.refresh().get("status") != "ready":
            raise SetupError(f"order is {o.order.get('status')!r} after the refused CSR, want ready")
        # The TPM holds another key: signed inside the TPM, still not the attested one.
        problem(acct.post(o.order["finalize"], {"csr": b64u(tpm.csr_der(key_other, DEVICE))}), 403,
                "unauthorized", r"not the attested key")

    def right_key():
        o = state["o"]
        must(acct.post(o.order["finalize"], {"csr": b64u(ecc.csr(DEVICE))}), 200)
        o.refresh()
        check_cert(wait_valid(o), inter_path, DEVICE, key_ecc.public_key)
    if "o" in state:
        t.step("finalize with a CSR of a software key (and of another TPM key) -> 403 unauthorized, order stays ready",
               wrong_key)
        t.step("finalize with the attested TPM key afterwards -> certificate", right_key)
    else:
        t.fail("finalize with a CSR of a software key", "not run: no ready order")
        t.fail("finalize with the attested TPM key afterwards", "not run: no ready order")

    def healthy():
        if h.proc.poll() is not None:
            raise SetupError(f"server exited with {h.proc.returncode}")
        DeviceOrder(Account(c, DEV), DEVICE)
    t.step("health: newAccount and newOrder still work", healthy)
    return t


def _sigterm(signum, frame):
    raise SystemExit(128 + signum)  # unwinds the with blocks: swtpm and the server are stopped


def main():
    if os.environ.get("ACME_TEST_SERVER", "attestca") != "attestca":
        print("skipped: device-attest-01 is attestca's own (ACME_TEST_SERVER is set)")
        return 0
    signal.signal(signal.SIGTERM, _sigterm)
    with Harness("device_attest_tpm_test") as h:
        try:
            tpm_cm = Swtpm(os.path.join(h.tmp, "swtpm"))
        except SetupError as e:
            raise TestFailure(str(e))
        with tpm_cm as tpm:
            tpm.create_ek()
            ca = AkCa("Test Org", tpm)
            other_ca = AkCa("Other Org", tpm)
            h.init()
            with open(os.path.join(h.ca_dir, "test-tpm-ca.pem"), "wb") as fh:
                fh.write(ca.root_pem())
            tpm_fmt = "provisioners.devices.formats.tpm"
            h.set(tpm_fmt, "roots", '["test-tpm-ca.pem"]')
            h.set(tpm_fmt, "builtin_roots", "false")
            h.add_provisioner("devnotpm", 'challenges = ["device-attest-01"]',
                              'allowed_identifier_types = ["permanent-identifier"]', 'inventory = "required"')
            h.set("provisioners.devnotpm.formats.tpm", "enabled", "false")
            for v in (DEVICE, DEVICE2, DEVICE_SUSP, DEVICE_NOTPM):
                cli(h, "add", "--id", v)
            cli(h, "suspend", DEVICE_SUSP)
            h.start()
            run_cases(h, run, tpm, ca, other_ca)
    return 0


if __name__ == "__main__":
    sys.exit(main())
