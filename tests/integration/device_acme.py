"""The device-attest-01 client side shared by the device_attest_*_test.py interop tests: a small ACME
client over http.client (JWS from acme_jws), a pending device order with its single device-attest-01
challenge, refusal checks (badAttestationStatement + rejectedIdentifier subproblems), CSR helpers and
the issued-certificate checks (otherName PermanentIdentifier SAN, EKU clientAuth, attested key).

Each test mints its own vendor-like chains; this module knows nothing of a format.
"""
import datetime
import re
import subprocess
import time
import traceback

from acme_jws import Key, b64u, compact_json, flattened
from acme_http import HttpsClient, SetupError, must
from harness import TestFailure

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID, ObjectIdentifier

ERR = "urn:ietf:params:acme:error:"
OID_PERMANENT_ID = ObjectIdentifier("1.3.6.1.5.5.7.8.3")

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


def hwid(value):
    """A hardware-module identifier: value is serial "/" hwType-OID (draft -09 §3)."""
    return [{"type": "hardware-module", "value": value}]


def now_utc():
    return datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0)



# ---------------------------------------------------------------------------------------------
# Test vendor PKI
# ---------------------------------------------------------------------------------------------
def name(cn):
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn),
                      x509.NameAttribute(NameOID.ORGANIZATION_NAME, "attestca test")])


class TestCa:
    """A test vendor CA: an EC P-384 root and intermediate (pathlen inter_path_length, default 0),
    valid from yesterday for years. Tests mint their format's leaves under inter/inter_key; a format
    with one more CA level (YubiKey's per-device f9 certificate) passes inter_path_length=1."""

    def __init__(self, root_cn, inter_cn, inter_path_length=0):
        n = now_utc()
        self.root_key = ec.generate_private_key(ec.SECP384R1())
        self.root = (x509.CertificateBuilder()
                     .subject_name(name(root_cn))
                     .issuer_name(name(root_cn))
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
                      .subject_name(name(inter_cn))
                      .issuer_name(self.root.subject)
                      .public_key(self.inter_key.public_key())
                      .serial_number(x509.random_serial_number())
                      .not_valid_before(n - datetime.timedelta(days=1))
                      .not_valid_after(n + datetime.timedelta(days=3000))
                      .add_extension(x509.BasicConstraints(ca=True, path_length=inter_path_length), critical=True)
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


def csr_der(priv, cn=None, permanent_ids=(), org=None, extra_sans=()):
    """A CSR signed by priv: subject CN/O when given, SAN = permanent_ids as PermanentIdentifier
    otherNames then extra_sans (x509 GeneralName objects, e.g. what an Apple profile adds)."""
    attrs = [x509.NameAttribute(NameOID.COMMON_NAME, cn)] if cn else []
    if org:
        attrs.append(x509.NameAttribute(NameOID.ORGANIZATION_NAME, org))
    b = x509.CertificateSigningRequestBuilder().subject_name(x509.Name(attrs))
    sans = [x509.OtherName(x509.ObjectIdentifier("1.3.6.1.5.5.7.8.3"), permanent_identifier_der(v))
            for v in permanent_ids] + list(extra_sans)
    if sans:
        b = b.add_extension(x509.SubjectAlternativeName(sans), critical=False)
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

    def __init__(self, acct, value, kind="permanent-identifier"):
        self.acct = acct
        self.value = value
        self.identifier = {"type": kind, "value": value}
        r = must(acct.new_order([self.identifier]), 201)
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

    def finalize(self, priv, cn=None, permanent_ids=(), **csr_args):
        return self.acct.post(self.order["finalize"], {"csr": b64u(csr_der(priv, cn, permanent_ids, **csr_args))})


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
        if s.get("identifier") != o.identifier:
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


def check_cert(pem_chain, inter_path, value, device_pub, extra_sans=(), want_eku=(ExtendedKeyUsageOID.CLIENT_AUTH,)):
    """Checks the issued certificate: signed by intermediate.crt, SAN = the permanent-identifier
    otherName followed by exactly extra_sans (x509 GeneralName objects), EKU exactly eku, public key =
    the device key. Returns the leaf."""
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
    if len(names) != 1 + len(extra_sans) or not isinstance(names[0], x509.OtherName):
        raise SetupError(f"SAN {names!r}, want one otherName then {list(extra_sans)!r}")
    if names[1:] != list(extra_sans):
        raise SetupError(f"SAN {names[1:]!r} after the otherName, want {list(extra_sans)!r}")
    on = names[0]
    if on.type_id != OID_PERMANENT_ID:
        raise SetupError(f"otherName type {on.type_id.dotted_string}, want 1.3.6.1.5.5.7.8.3")
    if on.value != permanent_identifier_der(value):
        raise SetupError(f"otherName value {on.value.hex()}, want SEQUENCE{{UTF8String {value!r}}} "
                         f"{permanent_identifier_der(value).hex()}")
    eku = list(leaf.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value)
    if eku != list(want_eku):
        raise SetupError(f"EKU {[o.dotted_string for o in eku]}, want {[o.dotted_string for o in want_eku]}")
    if spki(leaf.public_key()) != spki(device_pub):
        raise SetupError("certificate public key is not the attested device key")
    return leaf


def cli(h, *args):
    r = subprocess.run([h.bin, "device", args[0], "--config", h.config, *args[1:]], capture_output=True, text=True)
    if r.returncode != 0:
        raise TestFailure(f"attestca device {' '.join(args)}: rc={r.returncode} {r.stdout}{r.stderr}")
    return r.stdout.strip()


def run_cases(h, run, *args):
    """Runs run(h, client, *args) -> Runner against the started server, then stops it as the last
    case (a clean exit 0 on SIGTERM) and prints the totals; TestFailure names the failed cases."""
    c = Client(h.port, h.tls_root)
    try:
        t = run(h, c, *args)
    except Exception:  # noqa: BLE001
        traceback.print_exc()
        raise TestFailure("the test itself crashed")
    t.step("health: clean exit on SIGTERM", h.stop)
    print(f"{t.passed} passed, {len(t.failed)} failed", flush=True)
    if t.failed:
        raise TestFailure(f"{len(t.failed)} case(s) failed: {', '.join(t.failed)}")
