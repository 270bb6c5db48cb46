#!/usr/bin/env python3
"""Two `attestca serve` nodes on one PostgreSQL database, a client whose requests alternate between them.

One `attestca init --storage postgres` CA folder; node A runs its attestca.toml, node B a copy with
other [server] listen/http_listen ports. Both have A's external_url, as behind a load balancer, so a
JWS signed for the CA's URL is accepted by either node. Every request goes to the other node than
the one before, with the Replay-Nonce that node returned (so each nonce is redeemed on the node that
did not issue it). Checks:
  - 50 complete orders (ip 127.0.0.1, http-01 answered by this test); every certificate chains to
    root.crt through intermediate.crt;
  - a nonce from node A is accepted once by node B, then refused (badNonce) on A and on B;
  - a certificate revoked through node A (ACME revokeCert) answers revoked from node A's OCSP at
    once and from node B's within 1 s ([ocsp] revocation_poll_ms, default 100 ms; `openssl ocsp`).
PostgreSQL only: exits 77 (ctest skip) on SQLite or without ATTESTCA_TEST_PG_URL.
Environment: ATTESTCA_BIN, ATTESTCA_SRC, ATTESTCA_TEST_BACKEND, ATTESTCA_TEST_PG_URL.
"""
import os
import re
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
if os.environ.get("ATTESTCA_TEST_BACKEND", "sqlite") != "postgres":
    print("[two_nodes_test] SKIP: several nodes need ATTESTCA_TEST_BACKEND=postgres", file=sys.stderr)
    sys.exit(77)

from harness import Harness, TestFailure, fail, free_port  # noqa: E402
from acme_jws import Key, b64u, compact_json, flattened, thumbprint  # noqa: E402
from acme_http import HttpsClient, SetupError, must  # noqa: E402
from bad_input_test import Http01  # noqa: E402

from cryptography import x509  # noqa: E402
from cryptography.hazmat.primitives import hashes, serialization  # noqa: E402
from cryptography.hazmat.primitives.asymmetric import ec  # noqa: E402
from cryptography.x509.oid import NameOID  # noqa: E402
import ipaddress  # noqa: E402

PROV = "/acme/acme"
ORDERS = 50
BAD_NONCE = "urn:ietf:params:acme:error:badNonce"


class RoundRobin:
    """An ACME client whose every request goes to the next node, signed for the shared external URL,
    with the Replay-Nonce of the previous answer (which came from the other node)."""

    def __init__(self, origin, nodes):
        self.origin = origin  # the CA's external URL (node A's), as a load balancer would present it
        self.nodes = nodes
        self.turn = 0
        self.nonce = None
        self.key = Key.ec()
        self.kid = None
        self.requests = [0] * len(nodes)

    def _next(self):
        i = self.turn
        self.turn = (self.turn + 1) % len(self.nodes)
        self.requests[i] += 1
        return self.nodes[i]

    def path(self, url):
        if not url.startswith(self.origin):
            raise SetupError(f"URL {url} is not under {self.origin}")
        return url[len(self.origin):]

    def post(self, url_or_path, payload=None):
        path = self.path(url_or_path) if url_or_path.startswith("https://") else url_or_path
        if self.nonce is None:
            r = self._next().request("HEAD", PROV + "/new-nonce")
            self.nonce = r.headers.get("replay-nonce")
        h = {"alg": self.key.alg, "nonce": self.nonce, "url": self.origin + path}
        if self.kid:
            h["kid"] = self.kid
        else:
            h["jwk"] = self.key.jwk()
        body = compact_json(payload) if isinstance(payload, dict) else payload
        r = self._next().request("POST", path, flattened(self.key, h, body))
        self.nonce = r.headers.get("replay-nonce")
        if r.status == 400 and BAD_NONCE in r.body.decode(errors="replace"):
            raise TestFailure(f"badNonce for a fresh nonce from the other node on {path}: {r!r}")
        return r


def csr_for_ip(ip):
    priv = ec.generate_private_key(ec.SECP256R1())
    csr = (x509.CertificateSigningRequestBuilder()
           .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, ip)]))
           .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address(ip))]), critical=False)
           .sign(priv, hashes.SHA256()))
    return csr.public_bytes(serialization.Encoding.DER)


def poll(c, url, done, what):
    for _ in range(150):
        obj = must(c.post(url), 200).json()
        if obj["status"] in done:
            return obj
        time.sleep(0.1)
    raise SetupError(f"{what} still {obj['status']} after 15 s: {obj}")


def complete_order(c, http01, tmp, n):
    r = must(c.post(PROV + "/new-order", {"identifiers": [{"type": "ip", "value": "127.0.0.1"}]}), 201)
    order_url, order = r.headers["location"], r.json()
    for authz_url in order["authorizations"]:
        authz = must(c.post(authz_url), 200).json()
        if authz["status"] == "valid":
            continue
        chall = next(ch for ch in authz["challenges"] if ch["type"] == "http-01")
        http01.tokens[chall["token"]] = chall["token"] + "." + thumbprint(c.key.jwk())
        must(c.post(chall["url"], {}), 200)
        authz = poll(c, authz_url, ("valid", "invalid"), "authorization")
        if authz["status"] != "valid":
            raise SetupError(f"authorization invalid: {authz}")
    poll(c, order_url, ("ready",), "order")
    must(c.post(order["finalize"], {"csr": b64u(csr_for_ip("127.0.0.1"))}), 200)
    order = poll(c, order_url, ("valid", "invalid"), "finalized order")
    if order["status"] != "valid":
        raise SetupError(f"order {n} invalid: {order}")
    chain = must(c.post(order["certificate"]), 200).body.decode()
    pems = re.findall(r"-----BEGIN CERTIFICATE-----.+?-----END CERTIFICATE-----\n?", chain, re.S)
    if len(pems) < 2:
        raise SetupError(f"order {n}: chain has {len(pems)} certificate(s)")
    leaf = os.path.join(tmp, f"leaf{n}.pem")
    untrusted = os.path.join(tmp, f"chain{n}.pem")
    with open(leaf, "w") as fh:
        fh.write(pems[0])
    with open(untrusted, "w") as fh:
        fh.write("".join(pems[1:]))
    return leaf, untrusted


def verify_chain(h, leaf, untrusted):
    r = subprocess.run(["openssl", "verify", "-CAfile", os.path.join(h.ca_dir, "root.crt"),
                        "-untrusted", untrusted, leaf], capture_output=True, text=True)
    if r.returncode != 0 or not r.stdout.strip().endswith("OK"):
        fail(f"{leaf} does not chain: {r.stdout}{r.stderr}")


def ocsp_status(h, http_port, leaf):
    r = subprocess.run(["openssl", "ocsp", "-issuer", os.path.join(h.ca_dir, "intermediate.crt"), "-cert", leaf,
                        "-url", f"http://127.0.0.1:{http_port}/ocsp", "-CAfile", os.path.join(h.ca_dir, "root.crt"),
                        "-no_nonce"], capture_output=True, text=True)
    out = r.stdout + r.stderr
    m = re.search(re.escape(leaf) + r": (good|revoked|unknown)", out)
    if r.returncode != 0 or not m or "Response verify OK" not in out:
        fail(f"openssl ocsp against port {http_port} failed (rc={r.returncode}): {out}")
    return m.group(1)


def start_node_b(h, http01_port):
    """Node B: a copy of A's config with its own listeners (same CA files, same database)."""
    port_b, http_b = free_port(), free_port()
    with open(h.config) as fh:
        text = fh.read()
    text = re.sub(r'(?m)^listen = "[^"]*"', f'listen = "127.0.0.1:{port_b}"', text, count=1)
    text = re.sub(r'(?m)^http_listen = "[^"]*"', f'http_listen = "127.0.0.1:{http_b}"', text, count=1)
    config_b = os.path.join(h.ca_dir, "node-b.toml")
    with open(config_b, "w") as fh:
        fh.write(text)
    log_b = open(os.path.join(h.tmp, "server-b.log"), "w")
    proc = subprocess.Popen([h.bin, "serve", "--config", config_b], stdout=log_b, stderr=subprocess.STDOUT)
    h._wait_ready(f"https://127.0.0.1:{port_b}{PROV}/directory", proc, "attestca serve (node B)")
    return proc, port_b, http_b


def http_listen_port(h):
    with open(h.config) as fh:
        return int(re.search(r'(?m)^http_listen = "127\.0\.0\.1:(\d+)"', fh.read()).group(1))


def main():
    with Harness("two_nodes_test") as h:
        h.init()
        http01_port = free_port()
        http01 = Http01(http01_port)
        threading.Thread(target=http01.serve_forever, daemon=True).start()
        h.set("validation", "http01_port", str(http01_port))
        h.set("validation", "timeout_ms", "5000")
        # The address clients use (a load balancer's); both nodes build their URLs from it.
        origin = f"https://127.0.0.1:{h.port}"
        h.set("server", "external_url", f'"{origin}"')
        h.start()
        node_b, port_b, http_b = start_node_b(h, http01_port)
        try:
            a, b = HttpsClient(h.port, h.tls_root), HttpsClient(port_b, h.tls_root)

            # --- 50 orders, every request on the other node than the one before ---
            c = RoundRobin(origin, [a, b])
            r = must(c.post(PROV + "/new-account", {"termsOfServiceAgreed": True}), 201)
            c.kid = r.headers["location"]
            certs = []
            for n in range(ORDERS):
                certs.append(complete_order(c, http01, h.tmp, n))
            for leaf, untrusted in certs:
                verify_chain(h, leaf, untrusted)
            h.log(f"{ORDERS} orders complete, every certificate chains; requests per node: {c.requests}")
            if min(c.requests) < ORDERS:
                fail(f"requests were not spread over both nodes: {c.requests}")

            # --- a nonce from A: accepted once by B, then refused on A and on B ---
            nonce = a.request("HEAD", PROV + "/new-nonce").headers.get("replay-nonce")
            if not nonce:
                fail("HEAD new-nonce on node A gave no Replay-Nonce")
            hdr = {"alg": c.key.alg, "nonce": nonce, "url": c.kid, "kid": c.kid}
            jws = flattened(c.key, hdr, None)  # POST-as-GET of the account
            acct_path = c.path(c.kid)
            first = b.request("POST", acct_path, jws)
            if first.status != 200:
                fail(f"node B refused a fresh nonce from node A: {first!r}")
            for name, node in (("A", a), ("B", b)):
                again = node.request("POST", acct_path, jws)
                if again.status != 400 or BAD_NONCE not in again.body.decode(errors="replace"):
                    fail(f"replayed nonce on node {name}: expected 400 badNonce, got {again!r}")
                if not again.headers.get("replay-nonce"):
                    fail(f"badNonce from node {name} carries no fresh Replay-Nonce")
            h.log("nonce from A: accepted once on B, refused on A and on B")

            # --- revoke through A, OCSP from B ---
            leaf, _ = certs[0]
            http_a = http_listen_port(h)
            if ocsp_status(h, http_b, leaf) != "good":
                fail("node B's OCSP does not say good before the revocation")
            with open(leaf, "rb") as fh:
                der = x509.load_pem_x509_certificate(fh.read()).public_bytes(serialization.Encoding.DER)
            nonce = a.request("HEAD", PROV + "/new-nonce").headers["replay-nonce"]
            revoke_path = PROV + "/revoke-cert"
            hdr = {"alg": c.key.alg, "nonce": nonce, "url": origin + revoke_path, "kid": c.kid}
            r = a.request("POST", revoke_path, flattened(c.key, hdr, compact_json({"certificate": b64u(der)})))
            if r.status != 200:
                fail(f"revokeCert through node A: {r!r}")
            revoked_at = time.monotonic()
            # Node A answers revoked at once (its own revocation re-signs before revokeCert answers).
            if ocsp_status(h, http_a, leaf) != "revoked":
                fail("node A's OCSP does not say revoked right after its revokeCert returned")
            # Node B sees it within [ocsp] revocation_poll_ms (default 100 ms); the issue allows 1 s.
            got_b, waited = ocsp_status(h, http_b, leaf), 0.0
            while got_b != "revoked" and time.monotonic() - revoked_at < 1.0:
                time.sleep(0.05)
                got_b, waited = ocsp_status(h, http_b, leaf), time.monotonic() - revoked_at
            if got_b != "revoked":
                fail(f"node B's OCSP still answers {got_b} 1 s after node A revoked the certificate")
            if ocsp_status(h, http_b, certs[1][0]) != "good":
                fail("another certificate is not good on node B")
            h.log(f"revoked through A: node A answers revoked at once, node B within {waited * 1000:.0f} ms")

            node_b.terminate()
            if node_b.wait(timeout=10) != 0:
                fail(f"node B exited with status {node_b.returncode} after SIGTERM")
            h.stop()
        finally:
            if node_b.poll() is None:
                node_b.kill()
                node_b.wait()
            http01.shutdown()
    return 0


if __name__ == "__main__":
    sys.exit(main())
