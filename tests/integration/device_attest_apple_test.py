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

try:
    import cbor2  # noqa: F401
    import cryptography  # noqa: F401
except ImportError:
    # python3-cbor2 / python3-cryptography are Debian packages: use Debian's interpreter.
    if os.path.realpath(sys.executable) != os.path.realpath("/usr/bin/python3") and os.access("/usr/bin/python3", os.X_OK):
        os.execv("/usr/bin/python3", ["/usr/bin/python3", os.path.abspath(__file__), *sys.argv[1:]])
    raise

import datetime  # noqa: E402
import hashlib  # noqa: E402
import re  # noqa: E402
import subprocess  # noqa: E402
import time  # noqa: E402
import traceback  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import Harness, TestFailure  # noqa: E402
from acme_jws import Key, b64u, compact_json, flattened  # noqa: E402
from acme_http import JOSE, HttpsClient, SetupError, must  # noqa: E402

from cryptography import x509  # noqa: E402
from cryptography.hazmat.primitives import hashes, serialization  # noqa: E402
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa  # noqa: E402
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID, ObjectIdentifier  # noqa: E402

ERR = "urn:ietf:params:acme:error:"
DEV = "/acme/devices"
NOAPPLE = "/acme/devnoapple"
POSTURE = "/acme/devposture"  # inventory = "off"; apple.min_os_version = "15.0"
ACME = "/acme/acme"

OID_SERIAL = ObjectIdentifier("1.2.840.113635.100.8.9.1")
OID_UDID = ObjectIdentifier("1.2.840.113635.100.8.9.2")
OID_OS_VERSION = ObjectIdentifier("1.2.840.113635.100.8.10.1")
OID_NONCE = ObjectIdentifier("1.2.840.113635.100.8.11.1")
OID_PERMANENT_ID = ObjectIdentifier("1.3.6.1.5.5.7.8.3")

SERIAL = "C02ATTEST0001"
UDID = "00008103-001A2B3C4D5E801E"
SERIAL2 = "C02ATTEST0002"     # in the inventory, but the leaf attests SERIAL
SERIAL_UNKNOWN = "C02ATTEST0003"  # never added to the inventory
SERIAL_SUSP = "C02ATTEST0004"  # added, then suspended
SERIAL_NOAPPLE = "C02ATTEST0005"  # in the inventory, ordered on devnoapple


# ---------------------------------------------------------------------------------------------
# A small ACME client over http.client (JWS from acme_jws).
# ---------------------------------------------------------------------------------------------
class Client(HttpsClient):
    def nonce(self, prov):
        r = self.request("HEAD", prov + "/new-nonce")
        n = r.headers.get("replay-nonce")
        if r.status != 200 or not n:
            raise SetupError(f"HEAD {prov}/new-nonce: {r!r}")
        return n

    def path(self, url):
        if not url.startswith(self.origin):
            raise SetupError(f"URL {url} is not under {self.origin}")
        return url[len(self.origin):]

    def post(self, key, path, payload=None, kid=None):
        """payload: dict (JSON), bytes/str (raw) or None (POST-as-GET)."""
        prov = "/".join(path.split("/")[:3])
        h = {"alg": key.alg, "nonce": self.nonce(prov), "url": self.origin + path}
        if kid:
            h["kid"] = kid
        else:
            h["jwk"] = key.jwk()
        if isinstance(payload, dict):
            payload = compact_json(payload)
        return self.request("POST", path, flattened(key, h, payload))


class Account:
    def __init__(self, c, prov):
        self.c = c
        self.prov = prov
        self.key = Key.ec()
        r = must(c.post(self.key, prov + "/new-account", {"termsOfServiceAgreed": True}), 201)
        if r.json().get("status") != "valid" or "location" not in r.headers:
            raise SetupError(f"newAccount on {prov}: {r!r}")
        self.url = r.headers["location"]

    def post(self, url_or_path, payload=None):
        path = self.c.path(url_or_path) if url_or_path.startswith("https://") else url_or_path
        return self.c.post(self.key, path, payload, kid=self.url)

    def new_order(self, identifiers):
        return self.post(self.prov + "/new-order", {"identifiers": identifiers})


def pid(value):
    return [{"type": "permanent-identifier", "value": value}]


# ---------------------------------------------------------------------------------------------
# The test PKI: an "Apple-like" root and intermediate (EC P-384), per-attempt leaves.
# ---------------------------------------------------------------------------------------------
def now_utc():
    return datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0)


def name(cn):
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn),
                      x509.NameAttribute(NameOID.ORGANIZATION_NAME, "attestca test")])


class Pki:
    def __init__(self, label):
        n = now_utc()
        self.root_key = ec.generate_private_key(ec.SECP384R1())
        self.root = (x509.CertificateBuilder()
                     .subject_name(name(f"{label} Enterprise Attestation Root CA"))
                     .issuer_name(name(f"{label} Enterprise Attestation Root CA"))
                     .public_key(self.root_key.public_key())
                     .serial_number(x509.random_serial_number())
                     .not_valid_before(n - datetime.timedelta(days=1))
                     .not_valid_after(n + datetime.timedelta(days=3650))
                     .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
                     .add_extension(x509.KeyUsage(False, False, False, False, False, True, True, False, False),
                                    critical=True)
                     .add_extension(x509.SubjectKeyIdentifier.from_public_key(self.root_key.public_key()),
                                    critical=False)
                     .sign(self.root_key, hashes.SHA384()))
        self.inter_key = ec.generate_private_key(ec.SECP384R1())
        self.inter = (x509.CertificateBuilder()
                      .subject_name(name(f"{label} Enterprise Attestation Sub CA 1"))
                      .issuer_name(self.root.subject)
                      .public_key(self.inter_key.public_key())
                      .serial_number(x509.random_serial_number())
                      .not_valid_before(n - datetime.timedelta(days=1))
                      .not_valid_after(n + datetime.timedelta(days=3000))
                      .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
                      .add_extension(x509.KeyUsage(False, False, False, False, False, True, True, False, False),
                                     critical=True)
                      .add_extension(x509.SubjectKeyIdentifier.from_public_key(self.inter_key.public_key()),
                                     critical=False)
                      .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(self.root_key.public_key()),
                                     critical=False)
                      .sign(self.root_key, hashes.SHA384()))

    def root_pem(self):
        return self.root.public_bytes(serialization.Encoding.PEM)

    def inter_der(self):
        return self.inter.public_bytes(serialization.Encoding.DER)

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


def csr_der(priv, cn=None, permanent_ids=()):
    b = x509.CertificateSigningRequestBuilder().subject_name(
        x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)] if cn else []))
    if permanent_ids:
        b = b.add_extension(x509.SubjectAlternativeName(
            [x509.OtherName(x509.ObjectIdentifier("1.3.6.1.5.5.7.8.3"), permanent_identifier_der(v))
             for v in permanent_ids]), critical=False)
    return b.sign(priv, hashes.SHA256()).public_bytes(serialization.Encoding.DER)


def der_len(n):
    if n < 0x80:
        return bytes([n])
    raw = n.to_bytes((n.bit_length() + 7) // 8, "big")
    return bytes([0x80 | len(raw)]) + raw


def permanent_identifier_der(value):
    utf8 = value.encode()
    inner = b"\x0c" + der_len(len(utf8)) + utf8
    return b"\x30" + der_len(len(inner)) + inner


def spki(pub):
    return pub.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)


# ---------------------------------------------------------------------------------------------
# Case runner
# ---------------------------------------------------------------------------------------------
class Runner:
    def __init__(self):
        self.passed = 0
        self.failed = []

    def ok(self, name):
        self.passed += 1
        print(f"ok   {name}", flush=True)

    def fail(self, name, msg):
        self.failed.append(name)
        print(f"FAIL {name}: {msg}", flush=True)

    def step(self, name, fn):
        """fn() raises on failure; returns fn's value or None."""
        try:
            v = fn()
        except Exception as e:  # noqa: BLE001
            self.fail(name, f"{type(e).__name__}: {e}")
            return None
        self.ok(name)
        return v if v is not None else True


def problem(r, status, typ, detail_re):
    """Raises unless r is an application/problem+json answer with HTTP status, type ERR+typ and a
    detail matching detail_re (case-insensitive)."""
    ct = r.headers.get("content-type", "")
    try:
        doc = r.json()
    except ValueError:
        raise SetupError(f"expected {status} {typ}, got non-JSON {r!r}")
    if r.status != status or doc.get("type") != ERR + typ:
        raise SetupError(f"expected {status} {typ}, got {r.status} {doc.get('type')} (detail: {doc.get('detail')!r})")
    if not ct.startswith("application/problem+json"):
        raise SetupError(f"Content-Type {ct!r}, want application/problem+json")
    if detail_re and not re.search(detail_re, doc.get("detail") or "", re.I):
        raise SetupError(f"detail {doc.get('detail')!r} does not match /{detail_re}/")
    return doc


class DeviceOrder:
    """A pending device order with its single authorization and device-attest-01 challenge."""

    def __init__(self, acct, value):
        self.acct = acct
        self.value = value
        r = must(acct.new_order(pid(value)), 201)
        self.url = r.headers["location"]
        self.order = r.json()
        if self.order.get("status") != "pending" or len(self.order.get("authorizations", [])) != 1:
            raise SetupError(f"new order: {self.order}")
        self.authz_url = self.order["authorizations"][0]
        self.authz = must(acct.post(self.authz_url), 200).json()
        chals = self.authz.get("challenges", [])
        if len(chals) != 1 or chals[0].get("type") != "device-attest-01":
            raise SetupError(f"authz should offer exactly one device-attest-01 challenge: {chals}")
        self.chall = chals[0]
        self.token = self.chall.get("token", "")
        if not re.fullmatch(r"[A-Za-z0-9_-]{22,}", self.token):
            raise SetupError(f"challenge token {self.token!r} is not >= 22 base64url characters")

    def answer(self, payload):
        return self.acct.post(self.chall["url"], payload)

    def answer_att(self, cbor_bytes):
        return self.answer({"attObj": b64u(cbor_bytes)})

    def refresh(self):
        self.order = must(self.acct.post(self.url), 200).json()
        return self.order

    def finalize(self, priv, cn=None, permanent_ids=()):
        return self.acct.post(self.order["finalize"], {"csr": b64u(csr_der(priv, cn, permanent_ids))})


def expect_refusal(o, r, detail_re, subproblem):
    """The challenge POST answered 200 with the challenge, now invalid with badAttestationStatement."""
    ch = must(r, 200).json()
    if ch.get("status") != "invalid":
        raise SetupError(f"challenge status {ch.get('status')!r}, want invalid: {ch}")
    err = ch.get("error")
    if not isinstance(err, dict) or err.get("type") != ERR + "badAttestationStatement":
        raise SetupError(f"challenge error {err!r}, want type badAttestationStatement")
    if not re.search(detail_re, err.get("detail") or "", re.I):
        raise SetupError(f"error detail {err.get('detail')!r} does not match /{detail_re}/")
    subs = err.get("subproblems") or []
    for s in subs:
        if s.get("type") != ERR + "rejectedIdentifier":
            raise SetupError(f"subproblem type {s.get('type')!r}, want rejectedIdentifier: {subs}")
        if s.get("identifier") != {"type": "permanent-identifier", "value": o.value}:
            raise SetupError(f"subproblem identifier {s.get('identifier')!r}, want {o.value!r}")
    if subproblem and not subs:
        raise SetupError(f"no rejectedIdentifier subproblem in {err}")
    authz = must(o.acct.post(o.authz_url), 200).json()
    if authz.get("status") != "invalid":
        raise SetupError(f"authz status {authz.get('status')!r} after a refused attestation, want invalid")
    if o.refresh().get("status") != "invalid":
        raise SetupError(f"order status {o.order.get('status')!r} after a refused attestation, want invalid")
    return err.get("detail")


def wait_valid(o):
    for _ in range(100):
        if o.order.get("status") in ("valid", "invalid"):
            break
        time.sleep(0.2)
        o.refresh()
    if o.order.get("status") != "valid" or "certificate" not in o.order:
        raise SetupError(f"order did not become valid: {o.order}")
    return must(o.acct.post(o.order["certificate"]), 200).body


def check_cert(pem_chain, inter_path, value, device_pub):
    certs = x509.load_pem_x509_certificates(pem_chain) if hasattr(x509, "load_pem_x509_certificates") else None
    if certs is None:
        blocks = re.findall(rb"-----BEGIN CERTIFICATE-----.+?-----END CERTIFICATE-----", pem_chain, re.S)
        certs = [x509.load_pem_x509_certificate(b) for b in blocks]
    if not certs:
        raise SetupError("no certificate in the download")
    leaf = certs[0]
    with open(inter_path, "rb") as fh:
        inter = x509.load_pem_x509_certificate(fh.read())
    ipub = inter.public_key()
    if leaf.issuer != inter.subject:
        raise SetupError(f"leaf issuer {leaf.issuer.rfc4514_string()} != intermediate {inter.subject.rfc4514_string()}")
    try:
        if isinstance(ipub, ec.EllipticCurvePublicKey):
            ipub.verify(leaf.signature, leaf.tbs_certificate_bytes, ec.ECDSA(leaf.signature_hash_algorithm))
        elif isinstance(ipub, rsa.RSAPublicKey):
            ipub.verify(leaf.signature, leaf.tbs_certificate_bytes, padding.PKCS1v15(), leaf.signature_hash_algorithm)
        else:
            ipub.verify(leaf.signature, leaf.tbs_certificate_bytes)
    except Exception as e:  # noqa: BLE001
        raise SetupError(f"leaf signature does not verify with intermediate.crt: {type(e).__name__} {e}")
    san = leaf.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    names = list(san)
    if len(names) != 1 or not isinstance(names[0], x509.OtherName):
        raise SetupError(f"SAN {names!r}, want exactly one otherName")
    on = names[0]
    if on.type_id != OID_PERMANENT_ID:
        raise SetupError(f"otherName type {on.type_id.dotted_string}, want 1.3.6.1.5.5.7.8.3")
    if on.value != permanent_identifier_der(value):
        raise SetupError(f"otherName value {on.value.hex()}, want SEQUENCE{{UTF8String {value!r}}} "
                         f"{permanent_identifier_der(value).hex()}")
    eku = list(leaf.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value)
    if eku != [ExtendedKeyUsageOID.CLIENT_AUTH]:
        raise SetupError(f"EKU {[o.dotted_string for o in eku]}, want clientAuth only")
    if spki(leaf.public_key()) != spki(device_pub):
        raise SetupError("certificate public key is not the attested device key")
    return leaf


# ---------------------------------------------------------------------------------------------
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
            check_cert(wait_valid(o), inter_path, value, dev.public_key())
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
        must(o.finalize(dev), 200)
        o.refresh()
        check_cert(wait_valid(o), inter_path, "C02NOTININVENTORY", dev.public_key())
    t.step("posture: OS 15.1 passes; inventory = \"off\" issues to a device not in the inventory", posture_ok)

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


def cli(h, *args):
    r = subprocess.run([h.bin, "device", args[0], "--config", h.config, *args[1:]], capture_output=True, text=True)
    if r.returncode != 0:
        raise TestFailure(f"attestca device {' '.join(args)}: rc={r.returncode} {r.stdout}{r.stderr}")
    return r.stdout.strip()


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
        for v in (SERIAL, UDID, SERIAL2, SERIAL_SUSP, SERIAL_NOAPPLE):
            cli(h, "add", "--id", v)
        cli(h, "suspend", SERIAL_SUSP)
        h.start()
        c = Client(h.port, h.tls_root)
        try:
            t = run(h, c, pki, other_pki)
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
