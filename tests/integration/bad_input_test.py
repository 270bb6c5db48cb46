#!/usr/bin/env python3
"""Hostile and malformed ACME requests against the real `attestca serve` (RFC 8555).

Every case sends one request and asserts the exact HTTP status and problem type
(urn:ietf:params:acme:error:*) of the application/problem+json answer; badNonce answers must also
carry a fresh Replay-Nonce (RFC 8555 §6.5). An http-01 responder inside this test lets the server
validate an order for 127.0.0.1, so the CSR, certificate and revocation checks run on a real ready
order. At the end the server must still serve the directory, create a new account and order, and
stop cleanly on SIGTERM.

Output: one `ok   <name>` or `FAIL <name>: expected ..., got ...` line per case, then
`N passed, M failed`; exit status 1 when any case failed.
Environment: ATTESTCA_BIN (the server binary), ATTESTCA_SRC (source tree; unused here).
"""
import datetime
import http.server
import ipaddress
import json
import os
import socketserver
import sys
import threading
import time
import traceback

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import Harness, TestFailure, free_port  # noqa: E402
from acme_jws import Key, b64u, compact_json, flattened, hs256, thumbprint  # noqa: E402
from acme_http import JOSE, HttpsClient, SetupError, must  # noqa: E402

from cryptography import x509  # noqa: E402
from cryptography.hazmat.primitives import hashes, serialization  # noqa: E402
from cryptography.hazmat.primitives.asymmetric import ec  # noqa: E402
from cryptography.x509.oid import NameOID  # noqa: E402

ERR = "urn:ietf:params:acme:error:"
PROV = "/acme/acme"


# ---------------------------------------------------------------------------------------------
# ACME client pieces: raw requests, nonces, JWS construction with knobs for breaking things.
# ---------------------------------------------------------------------------------------------
class Client(HttpsClient):
    def nonce(self):
        r = self.request("HEAD", PROV + "/new-nonce")
        n = r.headers.get("replay-nonce")
        if r.status != 200 or not n:
            raise SetupError(f"HEAD new-nonce: {r!r} headers={r.headers}")
        return n

    def url(self, path):
        return self.origin + path

    def protected(self, key, path, kid=None, alg=None):
        h = {"alg": alg or key.alg, "nonce": self.nonce(), "url": self.url(path)}
        if kid:
            h["kid"] = kid
        else:
            h["jwk"] = key.jwk()
        return h

    def jws(self, key, path, payload=None, kid=None, alg=None, hdr=None):
        """A signed flattened JWS (dict). payload: dict/list (JSON), bytes/str (raw) or None
        (POST-as-GET). hdr(h) may edit the protected header before signing."""
        h = self.protected(key, path, kid=kid, alg=alg)
        if hdr:
            hdr(h)
        if isinstance(payload, (dict, list)):
            payload = compact_json(payload)
        return flattened(key, h, payload, alg=h.get("alg") if isinstance(h.get("alg"), str) else None)

    def post(self, key, path, payload=None, kid=None, alg=None, hdr=None, fix=None, ctype=JOSE, raw=None):
        body = self.jws(key, path, payload, kid=kid, alg=alg, hdr=hdr)
        if fix:
            body = fix(body) or body
        data = raw(body) if raw else json.dumps(body).encode()
        return self.request("POST", path, data, ctype=ctype)


class Account:
    def __init__(self, key, url, prov=PROV):
        self.key = key
        self.url = url
        self.id = url.rsplit("/", 1)[1]
        self.prov = prov


def new_account(c, key=None, prov=PROV, payload=None):
    key = key or Key.ec()
    r = must(c.post(key, prov + "/new-account", payload or {"termsOfServiceAgreed": True,
                                                            "contact": ["mailto:it@acme.test"]}), 201)
    if r.json().get("status") != "valid" or "location" not in r.headers:
        raise SetupError(f"newAccount: {r!r} {r.headers}")
    return Account(key, r.headers["location"], prov)


def path_of(c, url):
    if not url.startswith(c.origin):
        raise SetupError(f"URL {url} is not under {c.origin}")
    return url[len(c.origin):]


def new_order(c, acct, identifiers):
    r = must(c.post(acct.key, acct.prov + "/new-order", {"identifiers": identifiers}, kid=acct.url), 201)
    return r.headers["location"], r.json()


# ---------------------------------------------------------------------------------------------
# http-01 responder
# ---------------------------------------------------------------------------------------------
class Http01(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, port):
        self.tokens = {}
        self.hits = []

        class H(http.server.BaseHTTPRequestHandler):
            def do_GET(h):  # noqa: N805
                self.hits.append(h.path)
                prefix = "/.well-known/acme-challenge/"
                tok = h.path[len(prefix):] if h.path.startswith(prefix) else None
                body = self.tokens.get(tok)
                if body is None:
                    h.send_response(404)
                    h.send_header("Content-Length", "0")
                    h.end_headers()
                    return
                data = body.encode()
                h.send_response(200)
                h.send_header("Content-Type", "text/plain")
                h.send_header("Content-Length", str(len(data)))
                h.end_headers()
                h.wfile.write(data)

            def log_message(h, *a):  # noqa: N805
                pass

        super().__init__(("127.0.0.1", port), H)


# ---------------------------------------------------------------------------------------------
# CSRs
# ---------------------------------------------------------------------------------------------
def csr_der(priv, ips=(), dns=(), cn=None):
    sans = [x509.IPAddress(ipaddress.ip_address(i)) for i in ips] + [x509.DNSName(d) for d in dns]
    b = x509.CertificateSigningRequestBuilder().subject_name(
        x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)] if cn else []))
    if sans:
        b = b.add_extension(x509.SubjectAlternativeName(sans), critical=False)
    return b.sign(priv, hashes.SHA256()).public_bytes(serialization.Encoding.DER)


# ---------------------------------------------------------------------------------------------
# The case table runner
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

    def case(self, name, status, typ, fn, check=None):
        """fn() -> Resp. Expects HTTP `status` and problem type ERR+typ (typ may be a tuple)."""
        want_types = (typ,) if isinstance(typ, str) else tuple(typ)
        want = f"{status} {' or '.join(want_types)}"
        try:
            r = fn()
        except Exception as e:  # noqa: BLE001
            self.fail(name, f"expected {want}, got exception {type(e).__name__}: {e}")
            return None
        got_type = None
        try:
            doc = json.loads(r.body) if r.body else None
            got_type = doc.get("type") if isinstance(doc, dict) else None
        except ValueError:
            doc = None
        got_type_s = (got_type[len(ERR):] if isinstance(got_type, str) and got_type.startswith(ERR) else got_type)
        problems = []
        if r.status != status or got_type_s not in want_types:
            problems.append(f"got {r.status} {got_type_s}")
        ct = r.headers.get("content-type", "")
        if not ct.startswith("application/problem+json"):
            problems.append(f"Content-Type {ct!r} (want application/problem+json)")
        if isinstance(doc, dict) and "status" in doc and doc["status"] != r.status:
            problems.append(f"problem status member {doc['status']} != HTTP {r.status}")
        if "badNonce" in want_types and not r.headers.get("replay-nonce"):
            problems.append("badNonce answer without Replay-Nonce (RFC 8555 §6.5 MUST)")
        if check and not problems:
            try:
                extra = check(r)
            except Exception as e:  # noqa: BLE001
                extra = f"check raised {type(e).__name__}: {e}"
            if extra:
                problems.append(extra)
        if problems:
            detail = doc.get("detail") if isinstance(doc, dict) else r.body[:200]
            self.fail(name, f"expected {want}, {'; '.join(problems)} (detail: {detail!r})")
        else:
            self.ok(name)
        return r

    def step(self, name, fn):
        """A positive check: fn() raises (SetupError/AssertionError) on failure."""
        try:
            fn()
        except Exception as e:  # noqa: BLE001
            self.fail(name, f"{type(e).__name__}: {e}")
            return False
        self.ok(name)
        return True

    def skipped(self, names, why):
        for n in names:
            self.fail(n, f"not run: {why}")


def nested(depth):
    v = 1
    for _ in range(depth):
        v = [v]
    return {"contact": [], "x": v}


def drop(member):
    def f(body):
        del body[member]
        return body
    return f


def setv(member, value):
    def f(body):
        body[member] = value
        return body
    return f


def flip_last_bit(s):
    """Flip one bit of a base64url string's decoded bytes (re-encoded)."""
    from acme_jws import b64u_decode
    raw = bytearray(b64u_decode(s))
    raw[len(raw) // 2] ^= 0x01
    return b64u(bytes(raw))


# ---------------------------------------------------------------------------------------------
def run(h, c, http01):
    t = Runner()
    na = PROV + "/new-account"
    no = PROV + "/new-order"

    # Accounts used throughout.
    try:
        a = new_account(c)                    # owner of the orders and the certificate
        b = new_account(c)                    # a stranger
        other = new_account(c, prov="/acme/other")  # an account of another provisioner
    except Exception as e:  # noqa: BLE001
        t.fail("setup accounts", f"{type(e).__name__}: {e}")
        return t

    # ---- JWS envelope -----------------------------------------------------------------------
    t.case("body not JSON", 400, "malformed", lambda: c.request("POST", na, b"this is not json {"))
    t.case("JSON array body", 400, "malformed", lambda: c.request("POST", na, b"[1,2,3]"))
    t.case("JSON string body", 400, "malformed", lambda: c.request("POST", na, b'"protected"'))
    t.case("empty body", 400, "malformed", lambda: c.request("POST", na, b""))
    t.case("wrong content type (application/json)", 415, "malformed",
           lambda: c.post(Key.ec(), na, {"termsOfServiceAgreed": True}, ctype="application/json"))
    t.case("no content type", 415, "malformed",
           lambda: c.post(Key.ec(), na, {"termsOfServiceAgreed": True}, ctype=None))
    t.case("missing protected", 400, "malformed", lambda: c.post(Key.ec(), na, {}, fix=drop("protected")))
    t.case("missing payload", 400, "malformed", lambda: c.post(Key.ec(), na, {}, fix=drop("payload")))
    t.case("missing signature", 400, "malformed", lambda: c.post(Key.ec(), na, {}, fix=drop("signature")))

    def general(body):
        return {"payload": body["payload"],
                "signatures": [{"protected": body["protected"], "signature": body["signature"]}]}
    t.case("JWS general serialization (signatures)", 400, "malformed", lambda: c.post(Key.ec(), na, {}, fix=general))
    t.case("unprotected header member", 400, "malformed",
           lambda: c.post(Key.ec(), na, {}, fix=setv("header", {"kid": "x"})))
    t.case("protected not base64url", 400, "malformed",
           lambda: c.post(Key.ec(), na, {}, fix=setv("protected", "eyJhbGciOi$$$not*base64")))
    t.case("protected padded base64url", 400, "malformed",
           lambda: c.post(Key.ec(), na, {}, fix=lambda j: setv("protected", j["protected"] + "=" * (-len(j["protected"]) % 4 or 4))(j)))
    t.case("protected not JSON", 400, "malformed",
           lambda: c.post(Key.ec(), na, {}, fix=setv("protected", b64u("{alg: ES256"))))
    t.case("protected is a JSON array", 400, "malformed",
           lambda: c.post(Key.ec(), na, {}, fix=setv("protected", b64u("[]"))))
    t.case("protected member not a string", 400, "malformed",
           lambda: c.post(Key.ec(), na, {}, fix=setv("protected", {"alg": "ES256"})))
    t.case("JWS body with duplicate member", 400, "malformed",
           lambda: c.post(Key.ec(), na, {}, raw=lambda j: (
               '{"protected":"%s","payload":"%s","payload":"%s","signature":"%s"}'
               % (j["protected"], j["payload"], j["payload"], j["signature"])).encode()))

    # ---- algorithms ---------------------------------------------------------------------------
    # RFC 8555 §6.2: alg MUST NOT be "none" or a MAC; an unsupported alg MUST get badSignatureAlgorithm.
    # A real alg=none JWS (RFC 7518 §3.6) has an empty signature.
    t.case("alg none (empty signature, RFC 7518 §3.6)", 400, "badSignatureAlgorithm",
           lambda: c.post(Key.ec(), na, {}, alg="none", fix=setv("signature", "")))
    t.case("alg none (non-empty signature)", 400, "badSignatureAlgorithm",
           lambda: c.post(Key.ec(), na, {}, alg="none"))

    def hs256_body(key):
        h = c.protected(key, na, alg="HS256")
        return json.dumps(hs256(b"k" * 32, h, b"{}")).encode()
    t.case("alg HS256", 400, "badSignatureAlgorithm",
           lambda: c.request("POST", na, hs256_body(Key.ec())))
    t.case("alg RS1", 400, "badSignatureAlgorithm", lambda: c.post(Key.rsa(), na, {}, alg="RS1"))
    t.case("alg unknown (XY999)", 400, "badSignatureAlgorithm", lambda: c.post(Key.ec(), na, {}, alg="XY999"))
    t.case("alg lower-case es256", 400, "badSignatureAlgorithm", lambda: c.post(Key.ec(), na, {}, alg="es256"))
    t.case("alg ES384 with a P-256 key", 400, "badSignatureAlgorithm",
           lambda: c.post(Key.ec(), na, {"termsOfServiceAgreed": True}, alg="ES384"))
    t.case("alg RS256 with an EC key", 400, "badSignatureAlgorithm",
           lambda: c.post(Key.ec(), na, {"termsOfServiceAgreed": True}, alg="RS256"))
    t.case("alg ES256 with an Ed25519 key", 400, "badSignatureAlgorithm",
           lambda: c.post(Key.ed25519(), na, {"termsOfServiceAgreed": True}, alg="ES256"))
    t.case("alg missing", 400, "malformed", lambda: c.post(Key.ec(), na, {}, hdr=lambda h: h.pop("alg")))
    t.case("crit header present", 400, "malformed",
           lambda: c.post(Key.ec(), na, {}, hdr=lambda h: h.update(crit=["exp"], exp=1)))

    # ---- nonces (RFC 8555 §6.5) ---------------------------------------------------------------
    t.case("missing nonce", 400, "badNonce", lambda: c.post(Key.ec(), na, {}, hdr=lambda h: h.pop("nonce")))

    def reused():
        key = a.key
        body = c.jws(key, na, {}, )  # existing key -> 200, consumes the nonce
        must(c.request("POST", na, json.dumps(body).encode()), 200)
        return c.request("POST", na, json.dumps(body).encode())
    t.case("reused nonce", 400, "badNonce", reused)
    t.case("made-up nonce", 400, "badNonce",
           lambda: c.post(Key.ec(), na, {}, hdr=lambda h: h.update(nonce="bm90LWEtcmVhbC1ub25jZS0xMjM0")))
    t.case("empty nonce", 400, "badNonce", lambda: c.post(Key.ec(), na, {}, hdr=lambda h: h.update(nonce="")))
    t.case("nonce not a string", 400, "malformed", lambda: c.post(Key.ec(), na, {}, hdr=lambda h: h.update(nonce=12345)))

    # ---- url (RFC 8555 §6.4) --------------------------------------------------------------------
    t.case("wrong url (other resource)", 403, "unauthorized",
           lambda: c.post(Key.ec(), na, {}, hdr=lambda h: h.update(url=c.url(no))))
    t.case("wrong url (other host)", 403, "unauthorized",
           lambda: c.post(Key.ec(), na, {}, hdr=lambda h: h.update(url="https://evil.test" + na)))
    t.case("missing url", 400, "malformed", lambda: c.post(Key.ec(), na, {}, hdr=lambda h: h.pop("url")))

    # ---- jwk / kid (RFC 8555 §6.2) --------------------------------------------------------------
    t.case("jwk and kid both", 400, "malformed",
           lambda: c.post(a.key, no, {"identifiers": [{"type": "dns", "value": "x.test"}]}, kid=a.url,
                          hdr=lambda h: h.update(jwk=a.key.jwk())))
    t.case("neither jwk nor kid", 400, "malformed",
           lambda: c.post(Key.ec(), na, {}, hdr=lambda h: h.pop("jwk")))
    t.case("kid on new-account", 400, "malformed", lambda: c.post(a.key, na, {}, kid=a.url))
    t.case("jwk on new-order", 400, "malformed",
           lambda: c.post(a.key, no, {"identifiers": [{"type": "dns", "value": "x.test"}]}))
    t.case("unknown kid (valid URL form)", 400, "accountDoesNotExist",
           lambda: c.post(Key.ec(), no, {"identifiers": [{"type": "dns", "value": "x.test"}]},
                          kid=c.url(PROV + "/acct/NoSuchAccount123")))
    t.case("kid of another provisioner", 400, "accountDoesNotExist",
           lambda: c.post(other.key, no, {"identifiers": [{"type": "dns", "value": "x.test"}]}, kid=other.url))
    t.case("kid with this provisioner's prefix, other's account", 400, "accountDoesNotExist",
           lambda: c.post(other.key, no, {"identifiers": [{"type": "dns", "value": "x.test"}]},
                          kid=c.url(PROV + "/acct/" + other.id)))
    t.case("kid not a URL", 400, "accountDoesNotExist",
           lambda: c.post(a.key, no, {"identifiers": [{"type": "dns", "value": "x.test"}]}, kid="1"))
    t.case("kid not a string", 400, "malformed",
           lambda: c.post(a.key, no, {"identifiers": []}, kid=a.url, hdr=lambda h: h.update(kid=7)))

    # ---- signatures ---------------------------------------------------------------------------
    t.case("truncated signature", 400, "malformed",
           lambda: c.post(Key.ec(), na, {"termsOfServiceAgreed": True},
                          fix=lambda j: setv("signature", j["signature"][:40])(j)))
    t.case("flipped signature bit", 400, "malformed",
           lambda: c.post(Key.ec(), na, {"termsOfServiceAgreed": True},
                          fix=lambda j: setv("signature", flip_last_bit(j["signature"]))(j)))
    t.case("payload tampered after signing", 400, "malformed",
           lambda: c.post(Key.ec(), na, {"termsOfServiceAgreed": True},
                          fix=setv("payload", b64u('{"termsOfServiceAgreed":true,"contact":["mailto:x@evil.test"]}'))))
    t.case("signature not base64url", 400, "malformed",
           lambda: c.post(Key.ec(), na, {}, fix=setv("signature", "sig/with+bad=chars")))
    t.case("empty signature (ES256)", 400, "malformed", lambda: c.post(Key.ec(), na, {}, fix=setv("signature", "")))
    t.case("signature by another key (kid)", 400, "malformed",
           lambda: c.post(b.key, no, {"identifiers": [{"type": "dns", "value": "x.test"}]}, kid=a.url))
    t.case("RS256 signature, wrong RSA key", 400, "malformed",
           lambda: (lambda k1, k2: c.post(k1, na, {"termsOfServiceAgreed": True},
                                          hdr=lambda h: h.update(jwk=k2.jwk())))(Key.rsa(), Key.rsa()))

    # ---- JWK (RFC 7517/7518) --------------------------------------------------------------------
    def with_d(h):
        h["jwk"]["d"] = b64u(b"\x01" * 32)
    t.case("JWK with private d", 400, "malformed", lambda: c.post(Key.ec(), na, {"termsOfServiceAgreed": True}, hdr=with_d))
    t.case("JWK RSA 1024", 400, "badPublicKey",
           lambda: c.post(Key.rsa(1024), na, {"termsOfServiceAgreed": True}))

    def off_curve(h):
        h["jwk"]["y"] = b64u(b"\x00" * 31 + b"\x05")
    t.case("JWK EC point off the curve", 400, "badPublicKey",
           lambda: c.post(Key.ec(), na, {"termsOfServiceAgreed": True}, hdr=off_curve))
    t.case("JWK EC coordinate too short", 400, "malformed",
           lambda: c.post(Key.ec(), na, {"termsOfServiceAgreed": True},
                          hdr=lambda h: h["jwk"].update(x=h["jwk"]["x"][:20])))
    t.case("JWK unsupported curve P-192", 400, "badPublicKey",
           lambda: c.post(Key.ec(), na, {"termsOfServiceAgreed": True}, hdr=lambda h: h["jwk"].update(crv="P-192")))
    t.case("JWK unknown kty", 400, "badPublicKey",
           lambda: c.post(Key.ec(), na, {"termsOfServiceAgreed": True}, hdr=lambda h: h["jwk"].update(kty="XYZ")))
    t.case("JWK not an object", 400, "malformed",
           lambda: c.post(Key.ec(), na, {"termsOfServiceAgreed": True}, hdr=lambda h: h.update(jwk="key")))

    # ---- body size / JSON hostility ---------------------------------------------------------------
    def oversized():
        big = {"termsOfServiceAgreed": True, "pad": "A" * (70 * 1024)}
        return c.post(Key.ec(), na, big)
    t.case("oversized body (> 64 KiB)", 413, "malformed", oversized)
    t.case("deeply nested JSON payload", 400, "malformed", lambda: c.post(Key.ec(), na, nested(200)))
    t.case("deeply nested protected header", 400, "malformed",
           lambda: c.post(Key.ec(), na, {}, hdr=lambda h: h.update(x=nested(100))))
    t.case("duplicate JSON keys in payload", 400, "malformed",
           lambda: c.post(Key.ec(), na, '{"termsOfServiceAgreed":true,"contact":[],"contact":["mailto:a@b.test"]}'))
    def dup_protected():
        key = Key.ec()
        prot = '{"alg":"ES256","alg":"ES256","nonce":"%s","url":"%s","jwk":%s}' % (
            c.nonce(), c.url(na), compact_json(key.jwk()))
        return c.request("POST", na, json.dumps(flattened(key, b64u(prot), b"{}", alg="ES256")).encode())
    t.case("duplicate JSON keys in protected header", 400, "malformed", dup_protected)
    t.case("payload not a JSON object", 400, "malformed", lambda: c.post(Key.ec(), na, []))
    t.case("payload not JSON", 400, "malformed", lambda: c.post(Key.ec(), na, "termsOfServiceAgreed=true"))

    # ---- newAccount payloads (RFC 8555 §7.3) ---------------------------------------------------------
    t.case("contact not mailto", 400, "unsupportedContact",
           lambda: c.post(Key.ec(), na, {"termsOfServiceAgreed": True, "contact": ["tel:+15555550100"]}))
    t.case("contact mailto: without address", 400, "invalidContact",
           lambda: c.post(Key.ec(), na, {"termsOfServiceAgreed": True, "contact": ["mailto:"]}))
    t.case("contact mailto with hfields", 400, "invalidContact",
           lambda: c.post(Key.ec(), na, {"termsOfServiceAgreed": True, "contact": ["mailto:a@b.test?subject=x"]}))
    t.case("contact not an array", 400, "malformed",
           lambda: c.post(Key.ec(), na, {"termsOfServiceAgreed": True, "contact": "mailto:a@b.test"}))
    t.case("termsOfServiceAgreed not boolean", 400, "malformed",
           lambda: c.post(Key.ec(), na, {"termsOfServiceAgreed": "yes"}))
    t.case("onlyReturnExisting for an unknown key", 400, "accountDoesNotExist",
           lambda: c.post(Key.ec(), na, {"onlyReturnExisting": True}))

    # ---- methods and paths (RFC 8555 §6.3, §7.1) --------------------------------------------------------
    t.case("GET on new-account", 405, "malformed", lambda: c.request("GET", na),
           check=lambda r: None if "POST" in r.headers.get("allow", "") else f"Allow header {r.headers.get('allow')!r}")
    # RFC 9110 §15.5.6 (RFC 7231 §6.5.5, which RFC 8555 cites): a 405 MUST carry an Allow header
    # listing the methods the target resource does support.
    def allow_has(*methods):
        def chk(r):
            allow = {m.strip().upper() for m in r.headers.get("allow", "").split(",") if m.strip()}
            missing = [m for m in methods if m not in allow]
            return f"Allow header {r.headers.get('allow')!r} lacks {missing} (RFC 9110 §15.5.6)" if missing else None
        return chk
    t.case("POST on directory", 405, "malformed", lambda: c.request("POST", PROV + "/directory", b"{}"),
           check=allow_has("GET"))
    t.case("POST on new-nonce", 405, "malformed", lambda: c.request("POST", PROV + "/new-nonce", b"{}"),
           check=allow_has("HEAD", "GET"))
    t.case("GET on account URL", 405, "malformed", lambda: c.request("GET", path_of(c, a.url)))
    t.case("unknown provisioner path", 404, "malformed",
           lambda: c.post(Key.ec(), "/acme/nosuchprov/new-account", {"termsOfServiceAgreed": True}))
    t.case("unknown provisioner directory", 404, "malformed", lambda: c.request("GET", "/acme/nosuchprov/directory"))
    t.case("unknown resource", 404, "malformed", lambda: c.post(a.key, PROV + "/no-such-thing", {}, kid=a.url))

    # ---- account resource ------------------------------------------------------------------------------
    t.case("account URL of another account", 403, "unauthorized",
           lambda: c.post(b.key, path_of(c, a.url), None, kid=b.url))
    t.case("account update: status other than deactivated", 400, "malformed",
           lambda: c.post(a.key, path_of(c, a.url), {"status": "valid"}, kid=a.url))
    t.case("account update: contact not mailto", 400, "unsupportedContact",
           lambda: c.post(a.key, path_of(c, a.url), {"contact": ["https://x.test"]}, kid=a.url))

    # ---- newOrder (RFC 8555 §7.4) --------------------------------------------------------------------
    def order(payload, acct=a):
        return lambda: c.post(acct.key, no, payload, kid=acct.url)
    t.case("newOrder with no identifiers", 400, "malformed", order({"identifiers": []}))
    t.case("newOrder without identifiers member", 400, "malformed", order({}))
    t.case("newOrder identifier not an object", 400, "malformed", order({"identifiers": ["x.test"]}))
    t.case("identifier type email", 400, "unsupportedIdentifier",
           order({"identifiers": [{"type": "email", "value": "a@b.test"}]}))
    t.case("dns name a..b", 400, "malformed", order({"identifiers": [{"type": "dns", "value": "a..b"}]}))
    t.case("dns name -x.test", 400, "malformed", order({"identifiers": [{"type": "dns", "value": "-x.test"}]}))
    t.case("dns name of 300 chars", 400, "malformed",
           order({"identifiers": [{"type": "dns", "value": ("a" * 60 + ".") * 4 + "b" * 50 + ".test"}]}))
    t.case("dns name with bad wildcard a.*.test", 400, "malformed",
           order({"identifiers": [{"type": "dns", "value": "a.*.test"}]}))
    t.case("dns name with a space", 400, "malformed",
           order({"identifiers": [{"type": "dns", "value": "a b.test"}]}))
    t.case("ip identifier 999.1.1.1", 400, "malformed",
           order({"identifiers": [{"type": "ip", "value": "999.1.1.1"}]}))

    def two_subproblems(r):
        subs = r.json().get("subproblems") or []
        ids = sorted(s.get("identifier", {}).get("value", "") for s in subs)
        if ids != ["a..b", "a@b.test"]:
            return f"subproblems {subs!r} (RFC 8555 §6.7.1 wants one per refused identifier)"
        return None
    t.case("two refused identifiers -> subproblems", 400, "malformed",
           order({"identifiers": [{"type": "email", "value": "a@b.test"}, {"type": "dns", "value": "a..b"}]}),
           check=two_subproblems)
    now = datetime.datetime.now(datetime.timezone.utc)
    fmt = "%Y-%m-%dT%H:%M:%SZ"
    t.case("notAfter before notBefore", 400, "malformed",
           order({"identifiers": [{"type": "dns", "value": "x.test"}],
                  "notBefore": (now + datetime.timedelta(hours=2)).strftime(fmt),
                  "notAfter": (now + datetime.timedelta(hours=1)).strftime(fmt)}))
    t.case("notBefore bad format", 400, "malformed",
           order({"identifiers": [{"type": "dns", "value": "x.test"}], "notBefore": "yesterday"}))
    t.case("notAfter not a string", 400, "malformed",
           order({"identifiers": [{"type": "dns", "value": "x.test"}], "notAfter": 1700000000}))

    # A pending order of a (never validated).
    pending_url = None
    pending = None
    try:
        pending_url, pending = new_order(c, a, [{"type": "dns", "value": "pending.test"}])
    except Exception as e:  # noqa: BLE001
        t.fail("setup pending order", f"{type(e).__name__}: {e}")
    if pending_url:
        fin = path_of(c, pending["finalize"])
        leaf = ec.generate_private_key(ec.SECP256R1())
        t.case("finalize before ready", 403, "orderNotReady",
               lambda: c.post(a.key, fin, {"csr": b64u(csr_der(leaf, dns=["pending.test"]))}, kid=a.url))
        t.case("order of another account", 404, "malformed",
               lambda: c.post(b.key, path_of(c, pending_url), None, kid=b.url))
        t.case("authz of another account", 404, "malformed",
               lambda: c.post(b.key, path_of(c, pending["authorizations"][0]), None, kid=b.url))
        t.case("finalize another account's order", 404, "malformed",
               lambda: c.post(b.key, fin, {"csr": b64u(csr_der(leaf, dns=["pending.test"]))}, kid=b.url))
        t.case("order POST-as-GET with a payload", 400, "malformed",
               lambda: c.post(a.key, path_of(c, pending_url), {}, kid=a.url))
        t.case("authz update other than deactivated", 400, "malformed",
               lambda: c.post(a.key, path_of(c, pending["authorizations"][0]), {"status": "valid"}, kid=a.url))
    t.case("unknown order id", 404, "malformed",
           lambda: c.post(a.key, PROV + "/order/NoSuchOrder", None, kid=a.url))

    # ---- key change (RFC 8555 §7.3.5) -----------------------------------------------------------------
    kc = PROV + "/key-change"
    try:
        rollee = new_account(c)
    except Exception as e:  # noqa: BLE001
        rollee = None
        t.fail("setup key-change account", f"{type(e).__name__}: {e}")
    if rollee:
        def key_change(new_key, inner_url=None, account=None, old_jwk=None, inner_hdr=None, signer=None):
            def go():
                ih = {"alg": new_key.alg, "jwk": new_key.jwk(), "url": inner_url or c.url(kc)}
                if inner_hdr:
                    inner_hdr(ih)
                inner = flattened(signer or new_key, ih, compact_json(
                    {"account": account or rollee.url, "oldKey": old_jwk or rollee.key.jwk()}))
                return c.post(rollee.key, kc, inner, kid=rollee.url)
            return go
        t.case("key-change: inner url differs", 400, "malformed", key_change(Key.ec(), inner_url=c.url(na)))
        t.case("key-change: oldKey is wrong", 403, "unauthorized", key_change(Key.ec(), old_jwk=Key.ec().jwk()))
        t.case("key-change: inner JWS carries a nonce", 400, "malformed",
               key_change(Key.ec(), inner_hdr=lambda ih: ih.update(nonce=c.nonce())))
        t.case("key-change: inner JWS not signed by the new key", 400, "malformed", key_change(Key.ec(), signer=Key.ec()))
        t.case("key-change: account is another account", 400, "malformed", key_change(Key.ec(), account=a.url))
        t.case("key-change: inner payload not a JWS", 400, "malformed",
               lambda: c.post(rollee.key, kc, {"account": rollee.url}, kid=rollee.url))
        t.case("key-change: new key already used by another account", 409, "malformed", key_change(b.key),
               check=lambda r: None if r.headers.get("location") == b.url
               else f"Location {r.headers.get('location')!r}, want {b.url} (RFC 8555 §7.3.5)")

    # ---- ready order: http-01 validation of 127.0.0.1 ---------------------------------------------------
    ready_names = ["finalize: CSR for other names", "finalize: CSR with RSA 1024 key", "finalize: CSR with the account key",
                   "finalize: CSR with bad signature", "finalize: csr not base64url", "finalize: csr garbage DER",
                   "finalize: csr missing"]
    ready = None
    try:
        ready = make_ready_order(c, a, http01)
    except Exception as e:  # noqa: BLE001
        t.fail("setup ready order via http-01", f"{type(e).__name__}: {e}")
        t.skipped(ready_names, "no ready order")
    cert_pem = None
    cert_url = None
    leaf = ec.generate_private_key(ec.SECP256R1())
    if ready:
        order_url, order_obj = ready
        fin = path_of(c, order_obj["finalize"])
        fz = lambda payload: (lambda: c.post(a.key, fin, payload, kid=a.url))  # noqa: E731
        t.case("finalize: CSR for other names", 400, "badCSR",
               fz({"csr": b64u(csr_der(leaf, ips=["127.0.0.1"], dns=["other.test"]))}))
        t.case("finalize: CSR missing the ordered name", 400, "badCSR",
               fz({"csr": b64u(csr_der(leaf, dns=["other.test"]))}))
        weak = Key.rsa(1024).priv
        t.case("finalize: CSR with RSA 1024 key", 400, "badPublicKey", fz({"csr": b64u(csr_der(weak, ips=["127.0.0.1"]))}))
        t.case("finalize: CSR with the account key", 400, "badCSR",
               fz({"csr": b64u(csr_der(a.key.priv, ips=["127.0.0.1"]))}))
        good = bytearray(csr_der(leaf, ips=["127.0.0.1"]))
        bad = bytearray(good)
        bad[-3] ^= 0x01  # inside the ECDSA s INTEGER, the last field of the DER
        t.case("finalize: CSR with bad signature", 400, "badCSR", fz({"csr": b64u(bytes(bad))}))
        t.case("finalize: csr not base64url", 400, "malformed", fz({"csr": "MIIB+/not=base64url"}))
        t.case("finalize: csr garbage DER", 400, "badCSR", fz({"csr": b64u(b"\x30\x03\x02\x01\x00garbage")}))
        t.case("finalize: csr missing", 400, "malformed", fz({}))

        def finalize_ok():
            nonlocal cert_url, cert_pem
            r = must(c.post(a.key, fin, {"csr": b64u(bytes(good))}, kid=a.url), 200)
            o = r.json()
            for _ in range(50):
                if o.get("status") in ("valid", "invalid"):
                    break
                time.sleep(0.2)
                o = must(c.post(a.key, path_of(c, order_url), None, kid=a.url), 200).json()
            if o.get("status") != "valid" or "certificate" not in o:
                raise SetupError(f"order did not become valid after a good CSR: {o}")
            cert_url = o["certificate"]
            r = must(c.post(a.key, path_of(c, cert_url), None, kid=a.url), 200)
            cert_pem = r.body
        t.step("finalize with a good CSR after the refusals (order stayed ready)", finalize_ok)

    revoke_names = ["cert POST-as-GET with a payload", "revoke by a stranger account", "revoke reason 7",
                    "revoke reason 99", "revoke twice"]
    if not cert_pem:
        t.skipped(revoke_names, "no certificate was issued")
    else:
        cert = x509.load_pem_x509_certificate(cert_pem)
        cert_b64 = b64u(cert.public_bytes(serialization.Encoding.DER))
        rv = PROV + "/revoke-cert"
        t.case("finalize a valid order again", 403, "orderNotReady",
               lambda: c.post(a.key, fin, {"csr": b64u(bytes(good))}, kid=a.url))
        t.case("cert POST-as-GET with a payload", 400, "malformed",
               lambda: c.post(a.key, path_of(c, cert_url), {}, kid=a.url))
        t.case("cert of another account", 404, "malformed",
               lambda: c.post(b.key, path_of(c, cert_url), None, kid=b.url))
        t.case("GET on cert URL", 405, "malformed", lambda: c.request("GET", path_of(c, cert_url)))
        t.case("revoke by a stranger account", 403, "unauthorized",
               lambda: c.post(b.key, rv, {"certificate": cert_b64}, kid=b.url))
        t.case("revoke signed by an unrelated jwk", 403, "unauthorized",
               lambda: c.post(Key.ec(), rv, {"certificate": cert_b64}))
        t.case("revoke reason 7", 400, "badRevocationReason",
               lambda: c.post(a.key, rv, {"certificate": cert_b64, "reason": 7}, kid=a.url))
        t.case("revoke reason 99", 400, "badRevocationReason",
               lambda: c.post(a.key, rv, {"certificate": cert_b64, "reason": 99}, kid=a.url))
        t.case("revoke reason -1", 400, "badRevocationReason",
               lambda: c.post(a.key, rv, {"certificate": cert_b64, "reason": -1}, kid=a.url))
        t.case("revoke certificate not base64url", 400, "malformed",
               lambda: c.post(a.key, rv, {"certificate": "MII+/=="}, kid=a.url))
        t.case("revoke without certificate", 400, "malformed", lambda: c.post(a.key, rv, {"reason": 1}, kid=a.url))

        def revoke_ok():
            must(c.post(a.key, rv, {"certificate": cert_b64, "reason": 4}, kid=a.url), 200)
        if t.step("revoke by the ordering account", revoke_ok):
            t.case("revoke twice", 400, "alreadyRevoked",
                   lambda: c.post(a.key, rv, {"certificate": cert_b64}, kid=a.url))
            t.case("revoke twice by the certificate key", 400, "alreadyRevoked",
                   lambda: c.post(Key(leaf, "ES256"), rv, {"certificate": cert_b64}))
        else:
            t.skipped(["revoke twice"], "the valid revocation failed")

    # ---- deactivated account (RFC 8555 §7.3.6) ----------------------------------------------------------
    def deactivated():
        d = new_account(c)
        r = must(c.post(d.key, path_of(c, d.url), {"status": "deactivated"}, kid=d.url), 200)
        if r.json().get("status") != "deactivated":
            raise SetupError(f"deactivation answered {r!r}")
        return c.post(d.key, no, {"identifiers": [{"type": "dns", "value": "x.test"}]}, kid=d.url)
    t.case("deactivated account creates an order", 403, "unauthorized", deactivated)

    # ---- still healthy ---------------------------------------------------------------------------------
    def health_dir():
        r = c.request("GET", PROV + "/directory")
        if r.status != 200 or "newAccount" not in r.json():
            raise SetupError(f"directory: {r!r}")
        if h.proc.poll() is not None:
            raise SetupError(f"server exited with {h.proc.returncode}")
    t.step("health: directory GET 200", health_dir)

    def health_account():
        for key in (Key.ec(), Key.rsa(2048, "PS256"), Key.ed25519(), Key.ec(ec.SECP384R1())):
            acct = new_account(c, key=key)
            r = must(c.post(key, no, {"identifiers": [{"type": "dns", "value": "healthy.test"}]}, kid=acct.url), 201)
            if r.json().get("status") != "pending":
                raise SetupError(f"new order: {r!r}")
    t.step("health: full newAccount + newOrder (ES256, PS256, EdDSA, ES384)", health_account)
    return t


def make_ready_order(c, acct, http01):
    order_url, order = new_order(c, acct, [{"type": "ip", "value": "127.0.0.1"}])
    authz_url = order["authorizations"][0]
    authz = must(c.post(acct.key, path_of(c, authz_url), None, kid=acct.url), 200).json()
    chall = next((ch for ch in authz["challenges"] if ch["type"] == "http-01"), None)
    if chall is None:
        raise SetupError(f"no http-01 challenge in {authz}")
    http01.tokens[chall["token"]] = chall["token"] + "." + thumbprint(acct.key.jwk())
    must(c.post(acct.key, path_of(c, chall["url"]), {}, kid=acct.url), 200)
    deadline = time.time() + 30
    while time.time() < deadline:
        authz = must(c.post(acct.key, path_of(c, authz_url), None, kid=acct.url), 200).json()
        if authz["status"] != "pending":
            break
        time.sleep(0.3)
    if authz["status"] != "valid":
        raise SetupError(f"authz did not become valid: {authz} (responder hits: {http01.hits})")
    order = must(c.post(acct.key, path_of(c, order_url), None, kid=acct.url), 200).json()
    if order["status"] != "ready":
        raise SetupError(f"order is not ready after validation: {order}")
    return order_url, order


def main():
    if os.environ.get("ACME_TEST_SERVER", "attestca") != "attestca":
        print("skipped: bad_input_test checks attestca's own answers (ACME_TEST_SERVER is set)")
        return 0
    with Harness("bad_input_test") as h:
        # harness.init() asks for a TLS certificate for "localhost" only; we talk to 127.0.0.1.
        h.init("--dns-name", "127.0.0.1")
        h.add_provisioner("other", 'challenges = ["http-01"]')
        http01_port = free_port()
        http01 = Http01(http01_port)
        threading.Thread(target=http01.serve_forever, daemon=True).start()
        h.set("validation", "http01_port", str(http01_port))
        h.set("validation", "timeout_ms", "5000")
        h.start()
        c = Client(h.port, h.tls_root)
        try:
            t = run(h, c, http01)
        except Exception:  # noqa: BLE001
            traceback.print_exc()
            raise TestFailure("the test itself crashed")
        t.step("health: clean exit on SIGTERM", h.stop)
        http01.shutdown()
        print(f"{t.passed} passed, {len(t.failed)} failed", flush=True)
        if t.failed:
            raise TestFailure(f"{len(t.failed)} case(s) failed: {', '.join(t.failed)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
